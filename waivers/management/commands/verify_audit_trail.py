import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waivers.audit import verify_all


class Command(BaseCommand):
    help = "Verify the hash chain of every case's audit trail and report any break."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes hashing in parallel, each over a range of cases (default: one per CPU)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verified = verify_all(workers=max(1, options["workers"]))
        for found in verified.breaks:
            self.stderr.write(str(found))
        if verified.breaks:
            raise CommandError(f"{len(verified.breaks)} break(s) in the audit trail.")
        self.stdout.write(f"Audit trail intact: {verified.entries} entries verified.")
