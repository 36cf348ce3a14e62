"""The runtime database role may add to the audit trail and read it, and nothing more."""

import io

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]

FORBIDDEN = [
    "UPDATE waivers_auditentry SET reason = 'rewritten'",
    "DELETE FROM waivers_auditentry",
    "TRUNCATE waivers_auditentry",
    "ALTER TABLE waivers_auditentry DISABLE TRIGGER waivers_audit_append_only",
    "DROP TRIGGER waivers_audit_append_only ON waivers_auditentry",
    "UPDATE waivers_auditcheckpoint SET entries = 0",
    "DELETE FROM waivers_auditcheckpoint",
    "TRUNCATE waivers_auditcheckpoint",
]


@pytest.fixture
def runtime():
    """A runtime role in the test database's cluster, set up by the command, then removed."""
    role = f"{connection.settings_dict['NAME']}_runtime"
    call_command("setup_db_roles", "--database", "default", "--role", role, stdout=io.StringIO())
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        autocommit=True,
    ) as runtime_connection:
        yield runtime_connection
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_the_runtime_role_is_refused(runtime, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        runtime.execute(statement)


def test_the_runtime_role_reads_and_appends_and_writes_cases(runtime, case):
    runtime.execute("SELECT count(*) FROM waivers_auditentry")
    runtime.execute("UPDATE waivers_waiverrequest SET justification = 'edited'")
    runtime.execute(
        "INSERT INTO waivers_auditcheckpoint (seq, at, entries, heads, prev_hash, hash) "
        "VALUES (1, now(), 0, '{}', '', '')"
    )


def test_the_command_refuses_a_runtime_role_that_owns_the_trail():
    with pytest.raises(CommandError, match="owns the audit trail"):
        call_command(
            "setup_db_roles",
            "--database",
            "default",
            "--role",
            connection.settings_dict["USER"],
            stdout=io.StringIO(),
        )
