"""Back up the portal: ``pg_dump -Fc`` of the database, a tar of MEDIA_ROOT, and a manifest."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waivers.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a backup (database dump, media tar, manifest) into a new folder."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", type=Path, help="a new or empty folder for the backup")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["folder"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Backed up {len(manifest['counts'])} tables ({rows} rows) and the media into "
            f"{options['folder']}; dump SHA-256 {manifest['sha256']['database.dump']}."
        )
