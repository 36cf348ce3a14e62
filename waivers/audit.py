"""Writing and verifying the audit trail: chains keyed with a MAC, anchored on the case rows and
in checkpoints kept apart from the entries."""

from __future__ import annotations

import hmac
import json
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import groupby, repeat
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.dispatch import Signal
from django.utils import timezone

from .errors import InvalidInput
from .models import GENESIS, AuditCheckpoint, AuditEntry, Chain, User, WaiverRequest
from .models.audit import mac
from .models.cases import AUDIT_ANCHOR_FIELDS

#: Sent with ``cases`` whenever cases change (inside the transaction that changes them).
cases_changed = Signal()


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _unsaved(actor: User | None, *, changes: dict[str, Any], **fields: Any) -> AuditEntry:
    return AuditEntry(
        at=timezone.now(),
        actor=actor,
        actor_name=actor.printed_name if actor else "system",
        changes=_json_safe(changes),
        **fields,
    )


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
    return _unsaved(
        actor,
        waiver=waiver,
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        reason=reason,
    )


def master_entry(
    chain: Chain,
    *,
    actor: User | None,
    action: str,
    changes: dict[str, Any],
    reason: str,
) -> AuditEntry:
    """An unsaved entry for a master-data chain (register, policies, roles), not tied to a case."""
    return _unsaved(actor, chain=chain, action=action, changes=changes, reason=reason)


class ReasonRequired(InvalidInput):
    """Annex 11 §9: a change to master data states why it was made."""

    def __init__(self) -> None:
        super().__init__({"reason": ["Give the reason for the change."]})


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose values differ, each as ``{"old": …, "new": …}``."""
    return {
        name: {"old": before.get(name), "new": after.get(name)}
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }


def record_master_change(
    chain: Chain,
    *,
    actor: User | None,
    subject: str,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str,
) -> AuditEntry | None:
    """Record who changed master data (``subject``), what (old → new) and why, in its chain.

    Nothing is recorded when nothing changed; a change without a reason is refused. Call inside
    the transaction that makes the change.
    """
    if not reason.strip():
        raise ReasonRequired()
    changes = changed(_json_safe(before), _json_safe(after))
    if not changes:
        return None
    action = "create" if not before else "delete" if not after else "change"
    (stored,) = append(
        [
            master_entry(
                chain,
                actor=actor,
                action=action,
                changes={"subject": subject, "fields": changes},
                reason=reason.strip(),
            )
        ]
    )
    return stored


def append(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Append each entry to the end of its chain (one entry per chain), in three queries.

    Call with the cases' rows locked (inside a transaction), so no other entry slips in between;
    a master-data chain is guarded by its unique sequence instead. Each case row's anchor (its
    entry count and last MAC) is written in the same transaction. Every change to a case is
    audited through here, so ``cases_changed`` is sent from here for whoever keeps what a change
    makes stale (the cached case counts).
    """
    cases = [e.waiver for e in entries if e.waiver is not None]
    masters = {e.chain for e in entries if e.chain != Chain.CASE}
    if cases:
        cases_changed.send(sender=AuditEntry, cases=cases)
    ends: dict[str, tuple[int, str]] = dict.fromkeys((e.chain_key for e in entries), (0, GENESIS))
    if cases:
        last = AuditEntry.objects.filter(waiver_id=OuterRef("waiver_id")).order_by("-seq")
        ends.update(
            (f"case:{waiver_id}", (seq, hash_))
            for waiver_id, seq, hash_ in AuditEntry.objects.filter(
                waiver_id__in=[c.pk for c in cases], seq=Subquery(last.values("seq")[:1])
            ).values_list("waiver_id", "seq", "hash")
        )
    if masters:
        _lock_master_chains(masters)
        ends.update(_master_heads(masters))
    for e in entries:
        seq, e.prev_hash = ends[e.chain_key]
        e.seq = seq + 1
        e.hash = e.compute_hash()
        if e.waiver is not None:
            e.waiver.audit_count, e.waiver.audit_head = e.seq, e.hash
    stored = AuditEntry.objects.bulk_create(entries)
    if len(cases) == 1:
        # One case (every action a user takes): its anchor as just computed, without the
        # subqueries below (0.4-0.9 ms less an append, bench/README "Appending an entry").
        (case,) = cases
        WaiverRequest.objects.filter(pk=case.pk).update(
            audit_count=case.audit_count, audit_head=case.audit_head
        )
    elif cases:
        # One set-based UPDATE (two index probes a case), not a CASE over every case in a sweep.
        head = AuditEntry.objects.filter(waiver_id=OuterRef("pk")).order_by("-seq")
        WaiverRequest.objects.filter(pk__in=[c.pk for c in cases]).update(
            audit_count=Subquery(head.values("seq")[:1]),
            audit_head=Subquery(head.values("hash")[:1]),
        )
    return stored


def _master_heads(chains: Iterable[str] | None = None) -> dict[str, tuple[int, str]]:
    """Each master-data chain's entry count and last MAC (read through its partial index)."""
    master = AuditEntry.objects.exclude(chain=Chain.CASE).order_by()
    if chains is not None:
        master = master.filter(chain__in=list(chains))
    last = master.filter(chain=OuterRef("chain")).order_by("-seq")
    return {
        chain: (seq, hash_)
        for chain, seq, hash_ in master.filter(seq=Subquery(last.values("seq")[:1])).values_list(
            "chain", "seq", "hash"
        )
    }


def _lock_master_chains(chains: Iterable[str]) -> None:
    """Master-data chains have no row to lock: on PostgreSQL a transaction lock per chain stands
    in (SQLite's writers already take turns)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for chain in sorted(chains):
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"audit:{chain}"])


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
    """Yield every break in one chain: a gap, a wrong link, or altered content (a wrong MAC)."""
    expected_prev, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            yield ChainBreak(reference, entry.seq, f"sequence gap: expected entry {expected_seq}")
        if entry.prev_hash != expected_prev:
            yield ChainBreak(reference, entry.seq, "does not link to the entry before it")
        if entry.compute_hash() != entry.hash:
            yield ChainBreak(reference, entry.seq, "content does not match its MAC (altered)")
        expected_prev, expected_seq = entry.hash, entry.seq + 1


@dataclass
class _Walked:
    """What walking a chain saw: its length, last MAC, the state it replays to, its breaks."""

    count: int = 0
    head: str = ""
    state: str = ""
    checkpointed: str | None = None
    breaks: list[ChainBreak] = field(default_factory=list)


def _walk(reference: str, entries: Iterable[AuditEntry], anchor: tuple[int, str] | None) -> _Walked:
    """Walk one chain, checking it against its last checkpointed head ``anchor`` if any."""
    walked = _Walked()

    def seen() -> Iterator[AuditEntry]:
        for entry in entries:
            walked.count += 1
            walked.head = entry.hash
            walked.state = entry.to_state or walked.state
            if anchor is not None and entry.seq == anchor[0]:
                walked.checkpointed = entry.hash
            yield entry

    walked.breaks = list(verify_entries(reference, seen()))
    if anchor is not None:
        count, head = anchor
        if walked.count < count:
            walked.breaks.append(
                ChainBreak(
                    reference,
                    count,
                    f"missing: a checkpoint recorded {count} entries, the trail has "
                    f"{walked.count} (entries deleted)",
                )
            )
        elif walked.checkpointed != head:
            walked.breaks.append(
                ChainBreak(reference, count, "is not the entry a checkpoint recorded (replaced)")
            )
    return walked


#: The columns the MAC covers, plus the links; fetched as plain tuples for speed.
CHAIN_FIELDS = (
    "chain",
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
    """Every chain, each against its anchors: the case row and the checkpoints.

    Cases' chains are walked in streamed passes ordered by case and sequence, side by side with
    the case rows. Hashing is CPU-bound and a chain depends on its own entries only, so with
    ``workers`` > 1 the cases are split into that many ranges of ids, each verified by its own
    process with its own database connection (two million entries take about 40 s of CPU). It
    stays in this process inside a transaction (other processes could not see uncommitted
    entries) and on SQLite, the embedded single-machine default, whose in-memory databases a
    forked process cannot share.
    """
    result, heads = _verify_checkpoints()
    result.add(_verify_master_chains(heads))
    ranges = _case_ranges(workers)
    if len(ranges) <= 1 or connection.in_atomic_block or connection.vendor != "postgresql":
        result.add(_verify_cases(None, heads, chunk_size))
    else:
        connections.close_all()  # each forked process opens its own connection
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(ranges), mp_context=context) as pool:
            for part in pool.map(_verify_cases, ranges, repeat(heads), repeat(chunk_size)):
                result.add(part)
    last = AuditCheckpoint.objects.order_by("-seq").first()
    if last is not None and result.entries < last.entries:
        result.breaks.append(
            ChainBreak(
                "audit trail",
                last.seq,
                f"checkpoint {last.seq} recorded {last.entries} entries in all, "
                f"{result.entries} remain (entries deleted or the table truncated)",
            )
        )
    return result


def _verify_checkpoints() -> tuple[Verification, dict[str, tuple[int, str]]]:
    """The checkpoints' own chain, and every chain's head as the checkpoints last recorded it."""
    result, heads = Verification(), dict[str, tuple[int, str]]()
    expected_prev = GENESIS
    for expected_seq, checkpoint in enumerate(AuditCheckpoint.objects.order_by("seq"), start=1):
        where = f"checkpoint {checkpoint.seq}"
        if checkpoint.seq != expected_seq:
            result.breaks.append(
                ChainBreak(where, checkpoint.seq, f"checkpoint {expected_seq} is missing")
            )
        if checkpoint.prev_hash != expected_prev or checkpoint.compute_hash() != checkpoint.hash:
            result.breaks.append(
                ChainBreak(where, checkpoint.seq, "altered or not linked to the one before")
            )
        heads.update((chain, (count, head)) for chain, (count, head) in checkpoint.heads.items())
        expected_prev = checkpoint.hash
    return result, heads


def _verify_master_chains(heads: dict[str, tuple[int, str]]) -> Verification:
    result = Verification()
    rows = AuditEntry.objects.exclude(chain=Chain.CASE).order_by("chain", "seq")
    walked: dict[str, _Walked] = {}
    for chain, entries in groupby(
        _as_entries(rows.values_list(*CHAIN_FIELDS)), attrgetter("chain")
    ):
        walked[chain] = _walk(f"{Chain(chain).label} chain", entries, heads.get(chain))
    for chain in {c for c in heads if not c.startswith("case:")} - set(walked):
        walked[chain] = _walk(f"{Chain(chain).label} chain", (), heads[chain])
    for found in walked.values():
        result.entries += found.count
        result.breaks += found.breaks
    return result


def _case_ranges(workers: int) -> list[tuple[int, int]]:
    """``workers`` contiguous ranges of the cases' ids (cases have similar trails)."""
    bounds = WaiverRequest.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    if low is None or workers <= 1:
        return []
    step = -(-(high - low + 1) // workers)
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


def _verify_cases(
    ids: tuple[int, int] | None, heads: dict[str, tuple[int, str]], chunk_size: int
) -> Verification:
    """The cases' chains, each checked against its case row: count, last MAC and state."""
    entries = AuditEntry.objects.filter(chain=Chain.CASE).order_by("waiver_id", "seq")
    cases = WaiverRequest.objects.order_by("id")
    if ids is not None:
        entries = entries.filter(waiver_id__gte=ids[0], waiver_id__lte=ids[1])
        cases = cases.filter(id__gte=ids[0], id__lte=ids[1])
    rows = entries.values_list(*CHAIN_FIELDS).iterator(chunk_size=chunk_size)
    chains = groupby(_as_entries(rows), key=attrgetter("waiver_id"))
    result = Verification()
    current = next(chains, None)
    for case_id, reference, state, count, head in cases.values_list(
        "id", "reference", "state", *AUDIT_ANCHOR_FIELDS
    ).iterator(chunk_size=chunk_size):
        trail: Iterable[AuditEntry] = ()
        if current is not None and current[0] == case_id:
            trail = current[1]
        walked = _walk(reference, trail, heads.get(f"case:{case_id}"))
        if trail:
            current = next(chains, None)
        result.entries += walked.count
        result.breaks += walked.breaks
        if (walked.count, walked.head) != (count, head or ""):
            result.breaks.append(
                ChainBreak(
                    reference,
                    max(count, walked.count),
                    f"the case records {count} entries ending in {head[:12] or 'none'}, its "
                    f"trail has {walked.count} ending in {walked.head[:12] or 'none'}",
                )
            )
        if walked.state and walked.state != state:
            result.breaks.append(
                ChainBreak(
                    reference,
                    walked.count,
                    f"the case is {state!r} but its trail ends in {walked.state!r} "
                    "(changed without an entry)",
                )
            )
    return result


def record_checkpoint() -> AuditCheckpoint:
    """Record the head of every chain that grew since the last checkpoint, and the total count.

    The case rows carry their chains' heads (written with each entry); master-data chains are
    read from the trail.
    """
    with transaction.atomic():
        previous = AuditCheckpoint.objects.order_by("-seq").first()
        known = _verify_checkpoints()[1]
        current = {
            f"case:{pk}": (count, head)
            for pk, count, head in WaiverRequest.objects.filter(audit_count__gt=0)
            .values_list("id", *AUDIT_ANCHOR_FIELDS)
            .iterator()
        }
        current.update(_master_heads())
        checkpoint = AuditCheckpoint(
            seq=previous.seq + 1 if previous else 1,
            at=timezone.now(),
            entries=sum(count for count, _ in current.values()),
            heads={
                chain: list(head)
                for chain, head in current.items()
                if tuple(known.get(chain, ())) != head
            },
            prev_hash=previous.hash if previous else GENESIS,
        )
        checkpoint.hash = checkpoint.compute_hash()
        checkpoint.save()
    return checkpoint


#: What an exported checkpoint says it is, and the fields it carries besides its signature.
EXPORT_FORMAT = "reliance-waiver-portal/audit-checkpoint/1"
EXPORTED_FIELDS = ("format", "site", "seq", "at", "entries", "prev_hash", "hash")


class NotAnExportedCheckpoint(ValueError):
    """A file offered as an exported checkpoint is not one this portal signed, unaltered."""


def _signature(record: dict[str, Any]) -> str:
    return mac(json.dumps({name: record[name] for name in EXPORTED_FIELDS}, sort_keys=True))


def export_checkpoint(checkpoint: AuditCheckpoint) -> str:
    """The checkpoint as a JSON record to keep off the system, signed with ``AUDIT_KEY``.

    Its MAC chains every checkpoint before it and so every chain's head up to then: while the
    trail still holds this checkpoint with this MAC, and the entries it anchors, nothing before
    it was rewritten or truncated (:func:`against_export`).
    """
    record = {
        "format": EXPORT_FORMAT,
        "site": settings.SITE_URL,
        "seq": checkpoint.seq,
        "at": checkpoint.at.isoformat(),
        "entries": checkpoint.entries,
        "prev_hash": checkpoint.prev_hash,
        "hash": checkpoint.hash,
    }
    return json.dumps(record | {"signature": _signature(record)}, indent=2, sort_keys=True) + "\n"


def against_export(record: Any, verified: Verification) -> list[ChainBreak]:
    """Where the trail, as ``verified`` walked it, departs from a checkpoint exported earlier.

    The checkpoint must still be in the trail, unchanged (:func:`verify_all` has checked every
    chain against it and those before it), and the trail must hold at least its entries. A
    record that is not a checkpoint this portal exported, unaltered, raises
    :class:`NotAnExportedCheckpoint`.
    """
    if (
        not isinstance(record, dict)
        or set(record) != {*EXPORTED_FIELDS, "signature"}
        or record["format"] != EXPORT_FORMAT
        or not hmac.compare_digest(str(record["signature"]), _signature(record))
    ):
        raise NotAnExportedCheckpoint(
            "not a checkpoint this portal exported: altered, or signed with another AUDIT_KEY"
        )
    seq, where = record["seq"], f"exported checkpoint {record['seq']}"
    breaks = []
    stored = AuditCheckpoint.objects.filter(seq=seq).first()
    if stored is None:
        breaks.append(
            ChainBreak(
                where,
                seq,
                f"of {record['at']} is missing from the trail (checkpoints deleted or truncated)",
            )
        )
    elif (stored.hash, stored.at.isoformat(), stored.entries) != (
        record["hash"],
        record["at"],
        record["entries"],
    ):
        breaks.append(
            ChainBreak(where, seq, "is not the checkpoint the trail holds now (rewritten)")
        )
    if verified.entries < record["entries"]:
        breaks.append(
            ChainBreak(
                where,
                seq,
                f"recorded {record['entries']} entries in all, {verified.entries} remain "
                "(entries deleted or the table truncated)",
            )
        )
    return breaks


def send_checkpoint(checkpoint: AuditCheckpoint) -> int:
    """E-mail the exported checkpoint to ``AUDIT_CHECKPOINT_EMAIL``, if any; the count sent."""
    if not settings.AUDIT_CHECKPOINT_EMAIL:
        return 0
    message = EmailMessage(
        subject=f"Audit checkpoint {checkpoint.seq}: {checkpoint.entries} entries",
        body=(
            f"{checkpoint}, MAC {checkpoint.hash}, recorded by {settings.SITE_URL}.\n\n"
            "Keep the attached file: `python manage.py verify_audit_trail --against-checkpoint "
            "FILE` checks that the trail still holds everything up to it.\n"
        ),
        to=settings.AUDIT_CHECKPOINT_EMAIL,
    )
    message.attach(
        f"audit-checkpoint-{checkpoint.seq}.json", export_checkpoint(checkpoint), "application/json"
    )
    return message.send()
