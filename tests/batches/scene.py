"""Setting the scene for batch tests: a waiver granted through the workflow, CoAs under it."""

from ..factories import CoaFactory, bring_to


def grant(case, applicant, reviewer, approver, outcome="approve"):
    """Take a complete draft through submission, review, recommendation and signature."""
    return bring_to(
        case,
        "decided",
        applicant=applicant,
        reviewer=reviewer,
        approver=approver,
        outcome=outcome,
    )


def coa_for(waiver, **overrides):
    """A conforming, unexpired CoA of the waiver's product made at one of its sites."""
    values = {
        "organisation": waiver.organisation,
        "product": waiver.product,
        "site": waiver.sites.first(),
        "batch_number": "LOT-001",
    }
    return CoaFactory(**(values | overrides))
