from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waivers.services.archive import verify_archive


class Command(BaseCommand):
    help = (
        "Check an exported archive: every file against the manifest's SHA-256 and size, and each "
        "case's audit chain (audit.json) against its MACs, with the CSV listing the same entries."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE.zip")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = verify_archive(options["file"])
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {options['file']}.")
        self.stdout.write(
            f"{options['file']}: every file matches its manifest; the audit verifies."
        )
