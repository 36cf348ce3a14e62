"""Two-factor sign-in (21 CFR Part 11 §11.300): an authenticator app (TOTP) and recovery codes.

Built on django-otp: a user's authenticator is a confirmed ``TOTPDevice``, their recovery codes
the tokens of one ``StaticDevice``, each code used once. Both throttle guessing themselves: after
each wrong code the next is refused for 1, 2, 4, 8 … seconds, the right one included, until a
right code resets the count. Enrolment, removal, new recovery codes and each recovery code used
are entries of the user-roles chain of the audit trail.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Literal

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import audit
from ..errors import CodeRefused, NotPermitted
from ..models import Chain, User

RECOVERY_CODES = 10
AUTHENTICATOR = "Authenticator app"


def authenticator_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def step_after_password(user: User) -> Literal["code", "enrol"] | None:
    """What a sign-in still needs once the password is right: a code from the user's
    authenticator, enrolling one (required for their role), or nothing."""
    if authenticator_of(user) is not None:
        return "code"
    return "enrol" if user.must_use_two_factor else None


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret to type and the same as a QR code."""

    device: TOTPDevice

    @property
    def secret(self) -> str:
        """The key in base32, in groups of four, as authenticator apps accept it typed."""
        key = base64.b32encode(self.device.bin_key).decode()
        return " ".join(key[i : i + 4] for i in range(0, len(key), 4))

    @property
    def qr_data_uri(self) -> str:
        """The ``otpauth://`` URL as an SVG image in a data URI (no script, allowed by the CSP)."""
        out = io.BytesIO()
        qrcode.make(
            self.device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8
        ).save(out)
        return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def start_enrolment(*, user: User) -> Enrolment:
    """A new secret for the user's authenticator, unconfirmed until they type a code from it. A
    page reloaded shows the same secret; an enrolment already confirmed is not restarted."""
    if authenticator_of(user) is not None:
        raise NotPermitted("Two-factor sign-in is already set up for this account.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return Enrolment(device)


def _record(user: User, *, before: dict, after: dict, reason: str) -> None:
    audit.record_master_change(
        Chain.ROLES,
        actor=user,
        subject=f"user {user.username}",
        before=before,
        after=after,
        reason=reason,
    )


def _verify(device: Device, code: str) -> None:
    """Check one code against one device, throttled by the device; CodeRefused says why not.

    The failure count is committed with the answer, so a refusal is raised after the
    transaction that recorded it, never inside it."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, throttled = device.verify_is_allowed()
        accepted = allowed and device.verify_token(code)
    if not allowed:
        wait = max(1, int((throttled["locked_until"] - timezone.now()).total_seconds()) + 1)
        raise CodeRefused(
            f"Too many wrong codes: wait {wait} seconds, then try again.", retry_after=wait
        )
    if not accepted:
        raise CodeRefused(
            "That code is not right (or was already used): type the current code from your "
            "authenticator app, or one of your recovery codes."
        )


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_enrolment(*, user: User, code: str) -> list[str]:
    """Confirm the pending authenticator with a code from it; the user's recovery codes, in
    plain text this once, are returned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise NotPermitted("Start the set-up again: open the two-factor page.")
    _verify(device, _digits(code))
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        codes = _new_recovery_codes(user)
        _record(
            user,
            before={"two_factor": False},
            after={"two_factor": True, "recovery_codes": RECOVERY_CODES},
            reason="set up two-factor sign-in",
        )
    return codes


def _digits(code: str) -> str:
    return "".join(code.split())


def verify_second_factor(*, user: User, code: str, purpose: str = "sign in") -> int | None:
    """Check a second factor: six digits from the authenticator, or a recovery code (used up,
    and audited with the ``purpose`` it served). Returns how many recovery codes are left after
    one was used, else None."""
    code = _digits(code).lower()
    authenticator = authenticator_of(user)
    if authenticator is None:
        raise NotPermitted("This account has no two-factor sign-in.")
    if code.isdigit():
        _verify(authenticator, code)
        return None
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is None:
        raise CodeRefused("This account has no recovery codes left: use the authenticator app.")
    before = recovery_codes_left(user)
    _verify(recovery, code)
    with transaction.atomic():
        _record(
            user,
            before={"recovery_codes": before},
            after={"recovery_codes": before - 1},
            reason=f"used a recovery code to {purpose}",
        )
    return before - 1


def replace_recovery_codes(*, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code proves the user
    holds their second factor."""
    verify_second_factor(user=user, code=code, purpose="replace the recovery codes")
    with transaction.atomic():
        before = recovery_codes_left(user)
        codes = _new_recovery_codes(user)
        _record(
            user,
            before={"recovery_codes": f"{before} left"},
            after={"recovery_codes": f"{RECOVERY_CODES} new"},
            reason="replaced the recovery codes",
        )
    return codes


def remove_two_factor(*, user: User, code: str) -> None:
    """An applicant turns two-factor sign-in off, proving with a current code that it is them;
    NRA staff and authority admins cannot."""
    if user.must_use_two_factor:
        raise NotPermitted(
            "NRA staff and authority admins must keep two-factor sign-in; to move it to a new "
            "phone, ask an administrator to reset it."
        )
    verify_second_factor(user=user, code=code, purpose="turn two-factor sign-in off")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _record(
            user,
            before={"two_factor": True},
            after={"two_factor": False},
            reason="turned two-factor sign-in off",
        )
