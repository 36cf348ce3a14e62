from django.core.management.base import BaseCommand, CommandError

from waivers.audit import verify_all
from waivers.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the hash chain of every case's audit trail and report any break."

    def handle(self, *args: object, **options: object) -> None:
        breaks = [str(b) for b in verify_all()]
        for line in breaks:
            self.stderr.write(line)
        if breaks:
            raise CommandError(f"{len(breaks)} break(s) in the audit trail.")
        self.stdout.write(f"Audit trail intact: {AuditEntry.objects.count()} entries verified.")
