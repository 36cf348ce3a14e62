"""Backup and restore of a portal on PostgreSQL: the database with pg_dump, the media as a tar.

A backup is a folder holding ``database.dump`` (``pg_dump -Fc``), ``media.tar`` (MEDIA_ROOT) and
``manifest.json`` (when, the row count of every table, the SHA-256 of both files). A restore
checks both files against the manifest, then loads them into an empty database and an empty
media folder. README, "Backup and restore".
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

DUMP = "database.dump"
MEDIA = "media.tar"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on, saying why."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts(alias: str = "default") -> dict[str, int]:
    """The number of rows in every table of the database."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _pg(alias: str) -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments and environment for the connection ``alias``."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise BackupError("Backup and restore use pg_dump and pg_restore: PostgreSQL only.")
    conf = connection.settings_dict
    args = ["--dbname", conf["NAME"], "--host", conf["HOST"] or "127.0.0.1"]
    args += ["--port", str(conf["PORT"] or 5432)]
    if conf["USER"]:
        args += ["--username", conf["USER"]]
    env = os.environ | ({"PGPASSWORD": conf["PASSWORD"]} if conf["PASSWORD"] else {})
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client of the server's "
            "major version (Debian: postgresql-client)."
        ) from exc
    if done.returncode:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def owner_alias() -> str:
    """The connection that owns the tables: MIGRATION_DATABASE_URL's if set, else DATABASE_URL's."""
    return "owner" if "owner" in connections else "default"


def backup(folder: Path) -> dict[str, Any]:
    """Dump the database and tar the media into ``folder`` (new or empty), with the manifest."""
    alias = owner_alias()
    args, env = _pg(alias)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder.")
    created = timezone.now()
    counts = table_counts(alias)
    _run(["pg_dump", "--format=custom", "--file", str(folder / DUMP), *args], env)
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA, "w") as tar:
        if media.is_dir():
            for child in sorted(media.iterdir()):
                tar.add(child, arcname=child.name)
    manifest = {
        "created_at": created.isoformat(),
        "database": connections[alias].settings_dict["NAME"],
        "counts": counts,
        "sha256": {name: sha256_of(folder / name) for name in (DUMP, MEDIA)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST} is not a readable manifest: {exc}") from exc
    return manifest


def restore(folder: Path) -> dict[str, Any]:
    """Load the backup in ``folder`` into the (empty) database and the (empty) MEDIA_ROOT."""
    manifest = read_manifest(folder)
    for name, expected in manifest["sha256"].items():
        if not (folder / name).is_file() or sha256_of(folder / name) != expected:
            raise BackupError(f"{folder / name} does not match its SHA-256 in the manifest.")
    alias = owner_alias()
    args, env = _pg(alias)
    with connections[alias].cursor() as cursor:
        tables = connections[alias].introspection.table_names(cursor)
    if tables:
        raise BackupError(
            f"The database {connections[alias].settings_dict['NAME']} already has "
            f"{len(tables)} table(s): restore into a new, empty database."
        )
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        raise BackupError(f"{media} is not empty: restore into a new, empty MEDIA_ROOT.")
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            *args,
            str(folder / DUMP),
        ],
        env,
    )
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA) as tar:
        tar.extractall(media, filter="data")
    return manifest


def _file_problem(label: str, field: Any, expected: str) -> str | None:
    """Why the stored file behind ``field`` does not match ``expected``, or None if it does."""
    try:
        with field.open("rb") as stream:
            actual = hashlib.sha256(stream.read()).hexdigest()
    except OSError:
        return f"{label}: {field.name} is missing from the media."
    if actual != expected:
        return f"{label}: {field.name} does not match its stored SHA-256."
    return None


def verify_restored(manifest: dict[str, Any]) -> list[str]:
    """Everything a restored portal lost or changed against its backup, one sentence each.

    The table counts (first, before anything else writes), the audit trail, every stored file
    against its recorded SHA-256, and every letter and acknowledgement's verification code.
    """
    from . import letters
    from .audit import verify_all
    from .models import BatchNotification, Certificate, DecisionLetter

    backed_up, restored = manifest["counts"], table_counts()
    problems: list[str | None] = [
        f"Table {table}: {backed_up.get(table)} row(s) in the backup, {restored.get(table)} restored."
        for table in sorted(set(backed_up) | set(restored))
        if backed_up.get(table) != restored.get(table)
    ]
    problems += [f"Audit trail: {found}" for found in verify_all().breaks]
    for certificate in Certificate.objects.order_by("pk"):
        problems.append(
            _file_problem(f"Certificate {certificate.pk}", certificate.file, certificate.sha256)
        )
    documents = [
        (f"Decision letter {letter.pk}", letter.file, letter.sha256, letter.verification_code)
        for letter in DecisionLetter.objects.order_by("pk")
    ] + [
        (
            f"Batch acknowledgement {batch.pk}",
            batch.acknowledgement,
            batch.acknowledgement_sha256,
            batch.verification_code,
        )
        for batch in BatchNotification.objects.exclude(acknowledgement="").order_by("pk")
    ]
    for label, field, sha256, code in documents:
        problems.append(_file_problem(label, field, sha256))
        answer = letters.verify(code)
        if answer is None or answer.sha256 != sha256:
            problems.append(f"{label}: its verification code {code} does not answer genuine.")
    return [problem for problem in problems if problem]
