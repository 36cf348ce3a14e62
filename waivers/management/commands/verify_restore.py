"""Prove a restored portal lost nothing: counts, audit trail, stored files, verification codes."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waivers.backup import BackupError, read_manifest, verify_restored


class Command(BaseCommand):
    help = (
        "Check a restored portal against its backup's manifest: table counts, the audit trail, "
        "every stored file's SHA-256, every letter's verification code. Non-zero on any difference."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", type=Path, help="the backup folder it was restored from")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = read_manifest(options["folder"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        problems = verify_restored(manifest)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} difference(s) from the backup.")
        self.stdout.write(
            f"Restore verified against the backup of {manifest['created_at']}: counts, audit "
            "trail, stored files and verification codes all match."
        )
