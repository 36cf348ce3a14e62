"""Archiving decided cases: self-contained ZIPs an NRA keeps, the retention list, legal holds.

An archive holds, per case, the evidence PDFs, every decision letter version, the batch
acknowledgements, the audit trail (CSV and PDF as exported for inspectors, and ``audit.json``
with each entry's content and MAC) with the result of verifying it, and at its root a
``manifest.json`` naming every file with its SHA-256 and size. ``verify_archive`` re-checks all of
that later. The portal never deletes a case: archiving is listing, exporting and keeping.

ZIPs are written through a temporary file that spills to disk, so memory stays bounded however
many cases a period holds.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .. import access, audit
from ..errors import InvalidInput, NotPermitted
from ..models import DECIDED_STATES, AuditEntry, ReliancePolicy, Role, User, WaiverRequest
from .audit_export import audit_trail_csv, audit_trail_pdf

FORMAT = "reliance-waiver-archive/1"
DEFAULT_RETENTION_YEARS = ReliancePolicy._meta.get_field("retention_years").get_default()
_CHUNK = 64 * 1024
_SPOOL_BYTES = 8 * 1024 * 1024


def archivable_cases(user: User) -> QuerySet[WaiverRequest]:
    """The cases ``user`` may export: those of their NRA, for its reviewers and approvers only."""
    if not user.is_nra_staff:
        return WaiverRequest.objects.none()
    return access.waivers_for(user)


def case_to_archive(*, user: User, reference: str) -> WaiverRequest:
    """The case ``user`` asks to export; refused (403) to anyone but NRA staff, absent (404) when
    it is not one of their NRA's."""
    if not user.is_nra_staff:
        raise NotPermitted("Archives are exported by the NRA's reviewers and approvers.")
    return archivable_cases(user).get(reference=reference)


def decided_between(*, user: User, start: date, end: date) -> QuerySet[WaiverRequest]:
    """The NRA's cases decided from ``start`` to ``end`` (both days included, UTC)."""
    if end < start:
        raise InvalidInput({"end": ["The period ends before it starts."]})
    return archivable_cases(user).filter(
        state__in=DECIDED_STATES,
        decided_at__gte=datetime.combine(start, time.min, UTC),
        decided_at__lt=datetime.combine(end + timedelta(days=1), time.min, UTC),
    )


@dataclass
class _Writer:
    """A ZIP being written, remembering every file's hash and size for the manifest."""

    zip: zipfile.ZipFile
    files: list[dict[str, Any]] = field(default_factory=list)

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_chunks(name, [data])

    def add_chunks(self, name: str, chunks: Iterable[bytes]) -> None:
        digest, size = hashlib.sha256(), 0
        with self.zip.open(name, "w", force_zip64=True) as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.files.append({"path": name, "sha256": digest.hexdigest(), "size": size})

    def add_stored(self, name: str, stored: FieldFile) -> None:
        with stored.open("rb") as handle:
            self.add_chunks(name, iter(lambda: handle.read(_CHUNK), b""))


def _as_json(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def _entry_record(entry: AuditEntry) -> dict[str, Any]:
    return {**entry.content(), "prev_hash": entry.prev_hash, "hash": entry.hash}


def _record_export(case: WaiverRequest, user: User, archive: str) -> None:
    with transaction.atomic():
        locked = WaiverRequest.objects.select_for_update().get(pk=case.pk)
        audit.record(locked, actor=user, action="export_archive", changes={"archive": archive})


def _add_case(writer: _Writer, case: WaiverRequest, folder: str) -> dict[str, Any]:
    """Write one case's files under ``folder``; what the manifest says of the case."""
    certificates = {c.pk: c for c in case.certificates.all()}
    batches = list(case.batches.select_related("certificate").order_by("notified_at", "pk"))
    certificates.update({b.certificate.pk: b.certificate for b in batches})
    for pk in sorted(certificates):
        certificate = certificates[pk]
        writer.add_stored(f"{folder}/evidence/{pk}-{certificate.kind}.pdf", certificate.file)
    for letter in case.letters.order_by("version"):
        writer.add_stored(
            f"{folder}/letters/{case.reference}-decision-v{letter.version}.pdf", letter.file
        )
    for batch in batches:
        if batch.acknowledgement:
            writer.add_stored(
                f"{folder}/acknowledgements/{batch.reference}.pdf", batch.acknowledgement
            )
    entries = list(audit.entries_for(case))
    breaks = [str(b) for b in audit.verify_entries(case.reference, entries)]
    writer.add_bytes(f"{folder}/audit-trail.csv", audit_trail_csv(case).encode())
    writer.add_bytes(f"{folder}/audit-trail.pdf", audit_trail_pdf(case))
    writer.add_bytes(f"{folder}/audit.json", _as_json([_entry_record(e) for e in entries]))
    verification = {
        "reference": case.reference,
        "entries": len(entries),
        "head": entries[-1].hash if entries else "",
        "intact": not breaks,
        "breaks": breaks,
        "verified_at": timezone.now(),
    }
    writer.add_bytes(f"{folder}/verification.json", _as_json(verification))
    return {
        "reference": case.reference,
        "folder": folder,
        "state": case.state,
        "decided_at": case.decided_at,
        "audit_intact": not breaks,
    }


def _archive(user: User, cases: Iterable[WaiverRequest], name: str, **about: Any) -> IO[bytes]:
    """The ZIP of ``cases``, one folder each, rewound and ready to stream."""
    # Returned open: the response streams it and closes it.
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        writer = _Writer(zipped)
        described = []
        for case in cases:
            _record_export(case, user, name)
            described.append(_add_case(writer, case, case.reference))
        manifest = {
            "format": FORMAT,
            **about,
            "nra": user.nra.code if user.nra else "",
            "exported_at": timezone.now(),
            "exported_by": {"username": user.username, "name": user.printed_name},
            "cases": described,
            "files": writer.files,
        }
        zipped.writestr("manifest.json", _as_json(manifest))
    spool.seek(0)
    return spool


def case_archive(*, user: User, case: WaiverRequest) -> IO[bytes]:
    """One case's archive (``case`` from :func:`case_to_archive`); the export is audited."""
    return _archive(user, [case], case_filename(case), reference=case.reference)


def period_archive(*, user: User, start: date, end: date) -> IO[bytes]:
    """The archive of every case of the user's NRA decided in the period, each export audited."""
    cases = decided_between(user=user, start=start, end=end).order_by("decided_at", "pk")
    return _archive(
        user,
        cases.iterator(chunk_size=100),
        period_filename(user, start, end),
        period={"from": start, "to": end},
    )


def case_filename(case: WaiverRequest) -> str:
    return f"{case.reference}-archive.zip"


def period_filename(user: User, start: date, end: date) -> str:
    code = user.nra.code if user.nra else "nra"
    return f"{code}-decided-{start.isoformat()}-to-{end.isoformat()}-archive.zip"


# Verifying an archive


def _hash_member(zipped: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with zipped.open(name) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _entries_from_json(records: list[dict[str, Any]]) -> Iterator[AuditEntry]:
    for record in records:
        yield AuditEntry(
            chain=record["chain"],
            waiver_id=record["waiver"],
            seq=record["seq"],
            at=datetime.fromisoformat(record["at"]),
            actor_id=record["actor"],
            actor_name=record["actor_name"],
            action=record["action"],
            from_state=record["from_state"],
            to_state=record["to_state"],
            changes=record["changes"],
            reason=record["reason"],
            prev_hash=record["prev_hash"],
            hash=record["hash"],
        )


def _audit_problems(zipped: zipfile.ZipFile, case: dict[str, Any]) -> list[str]:
    """Re-verify a case's chain from ``audit.json`` (with ``AUDIT_KEY``) and check that the CSV
    lists the same entries, MAC for MAC."""
    folder, reference = case["folder"], case["reference"]
    try:
        records = json.loads(zipped.read(f"{folder}/audit.json"))
        csv_rows = list(
            csv.DictReader(io.StringIO(zipped.read(f"{folder}/audit-trail.csv").decode()))
        )
        problems = [str(b) for b in audit.verify_entries(reference, _entries_from_json(records))]
    except (KeyError, ValueError, TypeError) as exc:
        return [f"{reference}: the audit trail cannot be read ({exc})"]
    if [(str(r["seq"]), r["hash"]) for r in records] != [
        (row["seq"], row["hash"]) for row in csv_rows
    ]:
        problems.append(f"{folder}/audit-trail.csv: does not list the entries of audit.json")
    return problems


def verify_archive(source: str | IO[bytes]) -> list[str]:
    """Every problem found in an archive: a file missing, added or altered against the manifest,
    an audit chain that does not verify. Empty when the archive is intact."""
    try:
        zipped = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"not a readable ZIP archive: {exc}"]
    with zipped:
        try:
            manifest = json.loads(zipped.read("manifest.json"))
            listed = {f["path"]: f for f in manifest["files"]}
            cases = manifest["cases"]
        except (KeyError, ValueError, TypeError) as exc:
            return [f"manifest.json is missing or unreadable ({exc})"]
        present = set(zipped.namelist()) - {"manifest.json"}
        problems = [f"{name}: not listed in the manifest" for name in sorted(present - set(listed))]
        for name, expected in listed.items():
            if name not in present:
                problems.append(f"{name}: missing")
                continue
            sha256, size = _hash_member(zipped, name)
            if sha256 != expected["sha256"] or size != expected["size"]:
                problems.append(f"{name}: SHA-256 does not match the manifest (altered)")
        for case in cases:
            problems += _audit_problems(zipped, case)
        return problems


# Retention and legal hold


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def due_for_archiving(*, today: date | None = None) -> QuerySet[WaiverRequest]:
    """Decided cases whose decision is older than their NRA's retention period, not on legal
    hold, oldest decision first. Listed for the NRA to archive; the portal deletes nothing."""
    today = today or timezone.now().date()

    def decided_before(years: int) -> Q:
        cutoff = datetime.combine(_years_before(today, years), time.min, UTC)
        return Q(decided_at__lt=cutoff)

    policies = dict(ReliancePolicy.objects.values_list("authority_id", "retention_years"))
    due = ~Q(authority_id__in=policies) & decided_before(DEFAULT_RETENTION_YEARS)
    for authority_id, years in policies.items():
        due |= Q(authority_id=authority_id) & decided_before(years)
    return (
        WaiverRequest.objects.filter(due, state__in=DECIDED_STATES, legal_hold=False)
        .select_related("authority")
        .order_by("decided_at", "pk")
    )


def set_legal_hold(*, case: WaiverRequest, user: User, hold: bool, reason: str) -> WaiverRequest:
    """Put a case on legal hold or release it: an approver of its NRA, with a reason, audited."""
    if user.role != Role.APPROVER or not access.waivers_for(user).filter(pk=case.pk).exists():
        raise NotPermitted("A legal hold is set and released by an approver of the case's NRA.")
    reason = reason.strip()
    if not reason:
        raise audit.ReasonRequired()
    with transaction.atomic():
        locked = WaiverRequest.objects.select_for_update().get(pk=case.pk)
        if locked.legal_hold == hold:
            state = "on legal hold" if hold else "not on legal hold"
            raise InvalidInput({"hold": [f"The case is already {state}."]})
        before = {"legal_hold": locked.legal_hold, "legal_hold_reason": locked.legal_hold_reason}
        locked.legal_hold, locked.legal_hold_reason = hold, reason if hold else ""
        WaiverRequest.objects.filter(pk=locked.pk).update(
            legal_hold=locked.legal_hold, legal_hold_reason=locked.legal_hold_reason
        )
        audit.record(
            locked,
            actor=user,
            action="legal_hold" if hold else "release_legal_hold",
            changes=audit.changed(
                before,
                {"legal_hold": locked.legal_hold, "legal_hold_reason": locked.legal_hold_reason},
            ),
            reason=reason,
        )
    return locked
