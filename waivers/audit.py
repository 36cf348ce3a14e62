"""Writing and verifying the hash-chained audit trail of a case."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import groupby, repeat
from operator import attrgetter
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections
from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from . import case_counts
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
    Every change to a case is audited through here, so here the cached counts of the scopes that
    see the cases are told of it (``case_counts``).
    """
    case_counts.cases_changed(e.waiver for e in entries)
    ends = dict.fromkeys({e.waiver_id for e in entries}, (0, GENESIS))
    last = AuditEntry.objects.filter(waiver_id=OuterRef("waiver_id")).order_by("-seq")
    ends.update(
        (waiver_id, (seq, hash_))
        for waiver_id, seq, hash_ in AuditEntry.objects.filter(
            waiver_id__in=list(ends), seq=Subquery(last.values("seq")[:1])
        ).values_list("waiver_id", "seq", "hash")
    )
    for e in entries:
        seq, e.prev_hash = ends[e.waiver_id]
        e.seq = seq + 1
        e.hash = e.compute_hash()
    return AuditEntry.objects.bulk_create(entries)


def record(waiver: WaiverRequest, **fields: Any) -> AuditEntry:
    """Append an entry (fields as :func:`entry` takes them) to the case's chain and store it.

    Call with the case row locked (inside a transaction).
    """
    (stored,) = append([entry(waiver, **fields)])
    return stored


def entries_for(waiver: WaiverRequest) -> QuerySet[AuditEntry]:
    """A case's timeline, oldest first."""
    return AuditEntry.objects.filter(waiver=waiver).order_by("seq")


#: The events an applicant sees of their case. The rest are the NRA's own: a refused signing
#: password, the reviewer's recommendation and its return, a batch flagged for sampling.
APPLICANT_FACING_ACTIONS = (
    "create",
    "edit",
    "renew",
    "submit",
    "withdraw",
    "assign",
    "request_information",
    "respond",
    "check_overridden",  # printed on the letter the applicant receives
    "sign",
    "revoke",
    "lapse",
    "notify_batch",
)


def timeline_for(waiver: WaiverRequest, user: User) -> QuerySet[AuditEntry]:
    """A case's timeline as ``user`` may see it: applicant-facing events only for an applicant."""
    entries = entries_for(waiver)
    return entries.filter(action__in=APPLICANT_FACING_ACTIONS) if user.is_applicant else entries


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


@dataclass
class Verification:
    """What a verification walked, and every break it found."""

    entries: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    def add(self, other: Verification) -> None:
        self.entries += other.entries
        self.breaks += other.breaks


def verify_all(*, workers: int = 1, chunk_size: int = 20000) -> Verification:
    """Every case's chain, walked in streamed passes ordered by case and sequence.

    Hashing is CPU-bound and a chain depends on its own entries only, so with ``workers`` > 1 the
    cases are split into that many ranges of ids, each verified by its own process with its own
    database connection (two million entries take about 40 s of CPU). It stays in this process
    inside a transaction (other processes could not see uncommitted entries) and on SQLite, the
    embedded single-machine default, whose in-memory databases a forked process cannot share.
    """
    ranges = _case_ranges(workers)
    if len(ranges) <= 1 or connection.in_atomic_block or connection.vendor != "postgresql":
        return _verify_cases(None, chunk_size)
    connections.close_all()  # each forked process opens its own connection
    result = Verification()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(ranges), mp_context=context) as pool:
        for part in pool.map(_verify_cases, ranges, repeat(chunk_size)):
            result.add(part)
    return result


def _case_ranges(workers: int) -> list[tuple[int, int]]:
    """``workers`` contiguous ranges of the audited cases' ids (cases have similar trails)."""
    bounds = AuditEntry.objects.aggregate(low=Min("waiver_id"), high=Max("waiver_id"))
    low, high = bounds["low"], bounds["high"]
    if low is None or workers <= 1:
        return []
    step = -(-(high - low + 1) // workers)
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


def _verify_cases(ids: tuple[int, int] | None, chunk_size: int) -> Verification:
    entries = AuditEntry.objects.order_by("waiver_id", "seq")
    if ids is not None:
        entries = entries.filter(waiver_id__gte=ids[0], waiver_id__lte=ids[1])
    rows = entries.values_list(*CHAIN_FIELDS).iterator(chunk_size=chunk_size)
    result = Verification()
    for waiver_id, chain in groupby(_as_entries(rows), key=attrgetter("waiver_id")):
        for found in verify_entries("", _counted(chain, result)):
            # Breaks are rare: name the case only when there is one to report.
            reference = WaiverRequest.objects.values_list("reference", flat=True).get(pk=waiver_id)
            result.breaks.append(replace(found, reference=reference))
    return result


def _counted(entries: Iterable[AuditEntry], result: Verification) -> Iterator[AuditEntry]:
    for entry in entries:
        result.entries += 1
        yield entry
