"""The batch notifications a user may see, their counts and acknowledgements: the reads the
batch pages and the API share, so both show the same rows and figures."""

from __future__ import annotations

from django.core.files import File
from django.db.models import Count, Q, QuerySet

from ..access import waivers_for
from ..errors import NoAcknowledgement
from ..models import BatchNotification, BatchStatus, User


def batches_for(user: User) -> QuerySet[BatchNotification]:
    """Batch notifications under the waivers this user may see (everyone else's are absent)."""
    return BatchNotification.objects.filter(waiver__in=waivers_for(user))


def _counted(batches: QuerySet[BatchNotification], *group_by: str) -> QuerySet:
    return (
        batches.order_by()
        .values(*group_by)
        .annotate(
            total=Count("pk"),
            released=Count("pk", filter=Q(status=BatchStatus.RELEASED)),
            refused=Count("pk", filter=Q(status=BatchStatus.REFUSED)),
            flagged=Count("pk", filter=Q(flagged_for_sampling=True)),
        )
        .order_by(*group_by)
    )


def counts_per_waiver(batches: QuerySet[BatchNotification]) -> QuerySet:
    return _counted(batches, "waiver__reference", "waiver__product__name")


def counts_per_product(batches: QuerySet[BatchNotification]) -> QuerySet:
    return _counted(batches, "waiver__product__name", "waiver__organisation__name")


def acknowledgement_of(batch: BatchNotification) -> tuple[File, str]:
    """The acknowledgement PDF, opened, and the name to download it under."""
    if not batch.acknowledgement:
        raise NoAcknowledgement("Only a batch released on its CoA has an acknowledgement.")
    return batch.acknowledgement.open("rb"), f"{batch.reference}-acknowledgement.pdf"
