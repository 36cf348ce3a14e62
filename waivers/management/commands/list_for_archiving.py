from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from waivers.services.archive import due_for_archiving


class Command(BaseCommand):
    help = (
        "List the decided cases older than their NRA's retention period and not on legal hold, "
        "to be exported and archived. Nothing is deleted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--nra", metavar="CODE", help="only the cases of this NRA")

    def handle(self, *args: Any, **options: Any) -> None:
        due = due_for_archiving()
        if options["nra"]:
            due = due.filter(authority__code=options["nra"])
        count = 0
        for case in due:
            count += 1
            self.stdout.write(
                f"{case.reference}\t{case.authority.code}\t{case.state}\t{case.decided_at:%Y-%m-%d}"
            )
        self.stdout.write(f"{count} case(s) due for archiving.")
