import json
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waivers.audit import (
    NotAnExportedCheckpoint,
    against_export,
    export_checkpoint,
    record_checkpoint,
    send_checkpoint,
    verify_all,
)


class Command(BaseCommand):
    help = (
        "Verify every audit chain (cases' and master data's) against its MACs, its case row and "
        "the checkpoints (and an exported one), report any break, and record a checkpoint when "
        "the trail is intact (exported, and e-mailed to AUDIT_CHECKPOINT_EMAIL)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes hashing in parallel, each over a range of cases (default: one per CPU)",
        )
        parser.add_argument(
            "--against-checkpoint",
            metavar="FILE",
            help="also check the trail against a checkpoint exported earlier (kept off the system)",
        )
        parser.add_argument(
            "--export-checkpoint",
            metavar="FILE",
            help="write the checkpoint recorded after an intact verification, signed, to FILE",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        exported = options["against_checkpoint"] and self._read(options["against_checkpoint"])
        verified = verify_all(workers=max(1, options["workers"]))
        if exported:
            try:
                verified.breaks += against_export(exported, verified)
            except NotAnExportedCheckpoint as exc:
                raise CommandError(f"{options['against_checkpoint']} is {exc}.") from exc
        for found in verified.breaks:
            self.stderr.write(str(found))
        if verified.breaks:
            raise CommandError(f"{len(verified.breaks)} break(s) in the audit trail.")
        self.stdout.write(f"Audit trail intact: {verified.entries} entries verified.")
        if exported:
            self.stdout.write(
                f"It holds checkpoint {exported['seq']} of {exported['at']} as exported."
            )
        checkpoint = record_checkpoint()
        self.stdout.write(
            f"Checkpoint {checkpoint.seq} at {checkpoint.at.isoformat()}: "
            f"{checkpoint.entries} entries, MAC {checkpoint.hash} (keep a copy off the system)."
        )
        if target := options["export_checkpoint"]:
            try:
                Path(target).write_text(export_checkpoint(checkpoint))
            except OSError as exc:
                raise CommandError(f"Checkpoint {checkpoint.seq} not exported: {exc}") from exc
            self.stdout.write(f"Exported to {target}.")
        send_checkpoint(checkpoint)

    @staticmethod
    def _read(path: str) -> Any:
        try:
            return json.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path} is not a readable exported checkpoint: {exc}") from exc
