from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waivers.services import expiry


class Command(BaseCommand):
    help = (
        "Run the daily expiry sweep now: lapse ended waivers, re-run the checks of cases whose "
        "evidence expires, notify who must act. Safe to repeat (nothing is sent twice)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", help="Sweep as of this date (YYYY-MM-DD) instead of today (UTC)."
        )

    def handle(self, *args: object, today: str | None, **options: object) -> None:
        try:
            as_of = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today {today!r} is not a date (YYYY-MM-DD).") from exc
        report = expiry.sweep(today=as_of)
        if options["verbosity"]:
            self.stdout.write(str(report))
