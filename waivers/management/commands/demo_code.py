"""The current two-factor code of the demo's NRA staff, registrar and admin (seed_demo)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from .seed_demo import demo_totp_key


class Command(BaseCommand):
    help = "Print the current code of the demo users' authenticator secret. Never in production."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code is for the demo only: it refuses to run with DEBUG off.")
        totp = TOTP(bytes.fromhex(demo_totp_key()))
        left = totp.step - int(time.time() - totp.t0) % totp.step
        self.stdout.write(f"{totp.token():06d}  (changes in {left} s)")
