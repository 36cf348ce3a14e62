from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waivers.services.register import DEFAULT_FILE, MalformedRegister, load


class Command(BaseCommand):
    help = "Load or update the authority register from CSV (idempotent; all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", default=str(DEFAULT_FILE), help="CSV file (default: shipped data)"
        )
        parser.add_argument(
            "--reason",
            default="",
            help="why the register changes, for the audit trail (default: the file loaded)",
        )

    def handle(self, *args: object, path: str, **options: object) -> None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            report = load(text, reason=str(options["reason"]) or f"loaded from {Path(path).name}")
        except MalformedRegister as exc:
            raise CommandError(f"{path} {exc}; nothing was changed.") from exc
        if options["verbosity"]:
            self.stdout.write(str(report))
