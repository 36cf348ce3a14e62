"""The restore drill: back up a populated portal, restore it into a new database and media folder,
and prove nothing was lost; a restored file altered afterwards is named."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.factories import bring_to
from waivers.models import Certificate, DecisionLetter

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent


def _url(name: str, user: str = "") -> str:
    conf = connection.settings_dict
    auth = user or conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{name}"


def _manage(
    *args: str, database: str, media: Path, runtime: str = ""
) -> subprocess.CompletedProcess[str]:
    """manage.py on ``database``; with ``runtime``, served as that role and owned by ours."""
    env = {k: v for k, v in os.environ.items() if k not in ("MIGRATION_DATABASE_URL", "REDIS_URL")}
    env |= {"DATABASE_URL": _url(database, runtime), "MEDIA_ROOT": str(media)}
    env |= {"PYTHONPATH": str(ROOT)} | (
        {"MIGRATION_DATABASE_URL": _url(database)} if runtime else {}
    )
    env["AUDIT_KEY"] = django_settings.AUDIT_KEY
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def _connect(dbname: str, user: str = "") -> psycopg.Connection:
    conf = connection.settings_dict
    params = {"host": conf["HOST"] or "127.0.0.1", "port": conf["PORT"] or 5432}
    params |= {"user": user or conf["USER"], "password": None if user else conf["PASSWORD"] or None}
    return psycopg.connect(**params, dbname=dbname, autocommit=True)


@pytest.fixture
def fresh_database():
    """A new, empty database next to the test database, dropped afterwards with its runtime role."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        yield name
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{name}_runtime"')


@pytest.fixture
def backed_up(recommended, approver, settings, tmp_path):
    """A portal with a signed decision and its letter issued, backed up and restored."""
    bring_to(recommended, "decided", approver=approver)
    assert DecisionLetter.objects.filter(waiver=recommended).exists()
    for certificate in Certificate.objects.all():  # the factory's hashes are placeholders
        with certificate.file.open("rb") as stream:
            digest = hashlib.sha256(stream.read()).hexdigest()
        Certificate.objects.filter(pk=certificate.pk).update(sha256=digest)
    backup_dir = tmp_path / "backup"
    source = _manage(
        "backup_portal",
        str(backup_dir),
        database=connection.settings_dict["NAME"],
        media=Path(settings.MEDIA_ROOT),
    )
    assert source.returncode == 0, source.stderr
    return backup_dir


@pytest.fixture
def restored(backed_up, fresh_database, tmp_path):
    backup_dir = backed_up
    media = tmp_path / "restored-media"
    done = _manage("restore_portal", str(backup_dir), database=fresh_database, media=media)
    assert done.returncode == 0, done.stderr
    return backup_dir, fresh_database, media


def test_a_restored_portal_has_lost_nothing_and_is_not_restored_over(restored, tmp_path):
    backup_dir, database, media = restored
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["counts"]["waivers_auditentry"] > 0
    assert manifest["counts"]["waivers_decisionletter"] == DecisionLetter.objects.count()

    checked = _manage("verify_restore", str(backup_dir), database=database, media=media)

    assert checked.returncode == 0, checked.stderr
    assert "Restore verified" in checked.stdout
    again = _manage("restore_portal", str(backup_dir), database=database, media=tmp_path / "new")
    assert again.returncode != 0
    assert "restore into a new, empty database" in again.stderr


def test_a_restored_file_altered_is_named(restored):
    backup_dir, database, media = restored
    letter = DecisionLetter.objects.first()
    (media / letter.file.name).write_bytes(b"%PDF-1.7 forged")

    checked = _manage("verify_restore", str(backup_dir), database=database, media=media)

    assert checked.returncode != 0
    assert f"Decision letter {letter.pk}: {letter.file.name} does not match" in checked.stderr


def test_a_restore_with_two_roles_keeps_the_trail_append_only(backed_up, fresh_database, tmp_path):
    runtime, media = f"{fresh_database}_runtime", tmp_path / "restored-media"

    done = _manage(
        "restore_portal", str(backed_up), database=fresh_database, media=media, runtime=runtime
    )

    assert done.returncode == 0, done.stderr
    assert f"{runtime}: reads and writes the portal's tables" in done.stdout
    checked = _manage(
        "verify_restore", str(backed_up), database=fresh_database, media=media, runtime=runtime
    )
    assert checked.returncode == 0, checked.stderr
    with (
        _connect(fresh_database, runtime) as served,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        served.execute("DELETE FROM waivers_auditentry")
