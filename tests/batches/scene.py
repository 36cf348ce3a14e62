"""Setting the scene for batch tests: CoAs under a granted waiver."""

from ..factories import CoaFactory


def coa_for(waiver, **overrides):
    """A conforming, unexpired CoA of the waiver's product made at one of its sites."""
    values = {
        "organisation": waiver.organisation,
        "product": waiver.product,
        "site": waiver.sites.first(),
        "batch_number": "LOT-001",
    }
    return CoaFactory(**(values | overrides))
