"""Setting the scene for batch tests: a waiver granted through the workflow, CoAs under it."""

from waivers.workflow import fire

from ..factories import PASSWORD, CoaFactory, assessment


def grant(case, applicant, reviewer, approver, outcome="approve"):
    """Take a complete draft through submission, review, recommendation and signature."""
    fire(case, "submit", actor=applicant)
    fire(case, "assign", actor=reviewer)
    extra = {"conditions": "Identity test on the first batch."} if outcome == "partial" else {}
    fire(
        case,
        "recommend",
        actor=reviewer,
        outcome=outcome,
        rationale="Criteria met.",
        assessment=assessment(),
        **extra,
    )
    return fire(case, "sign", actor=approver, password=PASSWORD, meaning="approval")


def coa_for(waiver, **overrides):
    """A conforming, unexpired CoA of the waiver's product made at one of its sites."""
    values = {
        "organisation": waiver.organisation,
        "product": waiver.product,
        "site": waiver.sites.first(),
        "batch_number": "LOT-001",
    }
    return CoaFactory(**(values | overrides))
