"""Writing and verifying the hash-chained audit trail of a case."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import groupby
from operator import attrgetter
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

from .models import GENESIS, AuditEntry, User, WaiverRequest


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def entry(
    waiver: WaiverRequest,
    *,
    actor: User | None,
    action: str,
    from_state: str = "",
    to_state: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """An unsaved entry for the case's chain; :func:`append` links, hashes and stores it."""
    return AuditEntry(
        waiver=waiver,
        at=timezone.now(),
        actor=actor,
        actor_name=actor.printed_name if actor else "system",
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=_json_safe(changes or {}),
        reason=reason,
    )


def append(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Append each entry to the end of its case's chain (one entry per case), in two queries.

    Call with the cases' rows locked (inside a transaction), so no other entry slips in between.
    """
    ends = dict.fromkeys({e.waiver_id for e in entries}, (0, GENESIS))
    ends.update(
        (waiver_id, (seq, hash_))
        for waiver_id, seq, hash_ in AuditEntry.objects.filter(waiver_id__in=list(ends))
        .order_by("waiver_id", "-seq")
        .distinct("waiver_id")
        .values_list("waiver_id", "seq", "hash")
    )
    for e in entries:
        seq, e.prev_hash = ends[e.waiver_id]
        e.seq = seq + 1
        e.hash = e.compute_hash()
    return AuditEntry.objects.bulk_create(entries)


def record(
    waiver: WaiverRequest,
    *,
    actor: User | None,
    action: str,
    from_state: str = "",
    to_state: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append an entry to the case's chain. Call with the case row locked (inside a transaction)."""
    (stored,) = append(
        [
            entry(
                waiver,
                actor=actor,
                action=action,
                from_state=from_state,
                to_state=to_state,
                changes=changes,
                reason=reason,
            )
        ]
    )
    return stored


def entries_for(waiver: WaiverRequest) -> QuerySet[AuditEntry]:
    """A case's timeline, oldest first."""
    return AuditEntry.objects.filter(waiver=waiver).order_by("seq")


@dataclass(frozen=True)
class ChainBreak:
    reference: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"{self.reference} entry {self.seq}: {self.problem}"


def verify_entries(reference: str, entries: Iterable[AuditEntry]) -> Iterator[ChainBreak]:
    """Yield every break in one case's chain: a gap, a wrong link, or altered content."""
    expected_prev, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            yield ChainBreak(reference, entry.seq, f"sequence gap: expected entry {expected_seq}")
        if entry.prev_hash != expected_prev:
            yield ChainBreak(reference, entry.seq, "does not link to the entry before it")
        if entry.compute_hash() != entry.hash:
            yield ChainBreak(reference, entry.seq, "content does not match its hash (altered)")
        expected_prev, expected_seq = entry.hash, entry.seq + 1


#: The columns the hash covers, plus the links; fetched as plain tuples for speed.
CHAIN_FIELDS = (
    "waiver_id",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "from_state",
    "to_state",
    "changes",
    "reason",
    "prev_hash",
    "hash",
)


def _as_entries(rows: Iterable[tuple[Any, ...]]) -> Iterator[AuditEntry]:
    """Present each row as the same unsaved entry, refilled in place.

    Building a model instance per row (with the case joined in for its reference) cost more than
    hashing it: at two million entries that alone broke the 60-second verification target.
    Each yielded entry is only valid until the next one is requested.
    """
    entry = AuditEntry()
    for row in rows:
        entry.__dict__.update(zip(CHAIN_FIELDS, row, strict=True))
        yield entry


def verify_all(chunk_size: int = 20000) -> Iterator[ChainBreak]:
    """Walk every case's chain in one streamed pass ordered by case and sequence."""
    rows = (
        AuditEntry.objects.order_by("waiver_id", "seq")
        .values_list(*CHAIN_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    for waiver_id, entries in groupby(_as_entries(rows), key=attrgetter("waiver_id")):
        for found in verify_entries("", entries):
            # Breaks are rare: name the case only when there is one to report.
            reference = WaiverRequest.objects.values_list("reference", flat=True).get(pk=waiver_id)
            yield replace(found, reference=reference)
