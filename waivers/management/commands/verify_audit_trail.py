import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waivers.audit import record_checkpoint, verify_all


class Command(BaseCommand):
    help = (
        "Verify every audit chain (cases' and master data's) against its MACs, its case row and "
        "the checkpoints, report any break, and record a checkpoint when the trail is intact."
    )

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
        checkpoint = record_checkpoint()
        self.stdout.write(
            f"Checkpoint {checkpoint.seq} at {checkpoint.at.isoformat()}: "
            f"{checkpoint.entries} entries, MAC {checkpoint.hash} (keep a copy off the system)."
        )
