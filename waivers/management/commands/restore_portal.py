"""Restore a backup into an empty database and an empty MEDIA_ROOT, as the tables' owner.

With MIGRATION_DATABASE_URL set the dump is loaded as that role, and ``setup_db_roles`` then gives
the runtime role (DATABASE_URL) its grants again: append-only on the audit trail.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from waivers.backup import BackupError, owner_alias, restore


class Command(BaseCommand):
    help = "Restore a backup folder into an empty database and media folder, refusing others."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", type=Path, help="a folder written by backup_portal")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(options["folder"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the backup of {manifest['created_at']}.")
        if owner_alias() == "owner":
            call_command("setup_db_roles", "--database", "owner", stdout=self.stdout)
        self.stdout.write(f"Check it: python manage.py verify_restore {options['folder']}")
