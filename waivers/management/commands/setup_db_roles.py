"""Give the portal's runtime database role what it needs and nothing that could rewrite the trail.

Run as the role that owns the tables (the one migrations ran as), after each ``migrate``::

    python manage.py migrate --database owner
    python manage.py setup_db_roles --database owner

The runtime role (DATABASE_URL's user unless ``--role``) is created if missing, may read and
write the portal's tables, and may only INSERT and SELECT the audit trail and its checkpoints:
no UPDATE, DELETE or TRUNCATE, and, not being their owner, no ALTER TABLE … DISABLE TRIGGER or
DROP TRIGGER either.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

APPEND_ONLY_TABLES = ("waivers_auditentry", "waivers_auditcheckpoint")


class Command(BaseCommand):
    help = "Create or update the runtime PostgreSQL role: append-only on the audit trail."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--database",
            default="owner",
            help="the connection of the tables' owner (default: owner, from MIGRATION_DATABASE_URL)",
        )
        parser.add_argument(
            "--role", help="the runtime role (default: the user of DATABASE_URL)", default=""
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["database"] not in connections:
            raise CommandError(
                f"No database {options['database']!r}: set MIGRATION_DATABASE_URL to the owner "
                "role's URL, or pass --database default when DATABASE_URL is the owner."
            )
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL feature; SQLite has none.")
        runtime = connections["default"].settings_dict
        role = options["role"] or runtime["USER"]
        if not role:
            raise CommandError("Name the runtime role: --role, or a user in DATABASE_URL.")
        name = connection.ops.quote_name(role)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE tablename = ANY(%s) AND tableowner = %s",
                [list(APPEND_ONLY_TABLES), role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"{role} owns the audit trail, so it could lift its triggers: run the "
                    "migrations as another role (MIGRATION_DATABASE_URL) and this command as it."
                )
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                password = runtime["PASSWORD"] if not options["role"] else ""
                cursor.execute(
                    f"CREATE ROLE {name} LOGIN" + (" PASSWORD %s" if password else ""),
                    [password] if password else None,
                )
            cursor.execute("SELECT current_database(), current_schema()")
            database, schema = (connection.ops.quote_name(n) for n in cursor.fetchone())
            for statement in (
                f"GRANT CONNECT ON DATABASE {database} TO {name}",
                f"GRANT USAGE ON SCHEMA {schema} TO {name}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY_TABLES)} FROM {name}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                f"GRANT USAGE, SELECT ON SEQUENCES TO {name}",
            ):
                cursor.execute(statement)
        self.stdout.write(
            f"{role}: reads and writes the portal's tables; "
            f"INSERT and SELECT only on {', '.join(APPEND_ONLY_TABLES)}."
        )
