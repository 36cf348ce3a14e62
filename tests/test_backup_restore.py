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


def _url(name: str) -> str:
    conf = connection.settings_dict
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{name}"


def _manage(*args: str, database: str, media: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MIGRATION_DATABASE_URL", "REDIS_URL")}
    env |= {"DATABASE_URL": _url(database), "MEDIA_ROOT": str(media), "PYTHONPATH": str(ROOT)}
    env["AUDIT_KEY"] = django_settings.AUDIT_KEY
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.fixture
def fresh_database():
    """A new, empty database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    conf = connection.settings_dict
    params = {"host": conf["HOST"] or "127.0.0.1", "port": conf["PORT"] or 5432}
    params |= {"user": conf["USER"], "password": conf["PASSWORD"] or None, "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        yield name
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def restored(recommended, approver, fresh_database, settings, tmp_path):
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
    media = tmp_path / "restored-media"
    done = _manage("restore_portal", str(backup_dir), database=fresh_database, media=media)
    assert done.returncode == 0, done.stderr
    return backup_dir, fresh_database, media


def test_a_restored_portal_has_lost_nothing(restored):
    backup_dir, database, media = restored
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["counts"]["waivers_auditentry"] > 0
    assert manifest["counts"]["waivers_decisionletter"] == DecisionLetter.objects.count()

    checked = _manage("verify_restore", str(backup_dir), database=database, media=media)

    assert checked.returncode == 0, checked.stderr
    assert "Restore verified" in checked.stdout


def test_a_restored_file_altered_is_named(restored):
    backup_dir, database, media = restored
    letter = DecisionLetter.objects.first()
    (media / letter.file.name).write_bytes(b"%PDF-1.7 forged")

    checked = _manage("verify_restore", str(backup_dir), database=database, media=media)

    assert checked.returncode != 0
    assert f"Decision letter {letter.pk}: {letter.file.name} does not match" in checked.stderr


def test_restore_refuses_a_database_that_is_not_empty(restored, tmp_path):
    backup_dir, database, _media = restored

    again = _manage("restore_portal", str(backup_dir), database=database, media=tmp_path / "new")

    assert again.returncode != 0
    assert "restore into a new, empty database" in again.stderr
