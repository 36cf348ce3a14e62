"""The same batch notified twice at the same moment is released once (the case row lock)."""

import pytest
from django.db import connection

from waivers.models import BatchNotification, BatchStatus
from waivers.services.batches import notify_batch

from ..test_concurrency import race
from .scene import coa_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_a_batch_notified_twice_at_once_is_released_once(granted, applicant):
    first, second = coa_for(granted), coa_for(granted)
    results = race(
        lambda: notify_batch(
            waiver=granted, user=applicant, batch_number="LOT-001", certificate=first
        ),
        lambda: notify_batch(
            waiver=granted, user=applicant, batch_number="LOT-001", certificate=second
        ),
    )
    assert sorted(r.status for r in results) == [BatchStatus.REFUSED, BatchStatus.RELEASED]
    assert BatchNotification.objects.filter(status=BatchStatus.RELEASED).count() == 1
    assert len({r.reference for r in results}) == 2
