"""What a locked-out sign-in is told, on the HTML login and the API token endpoint alike."""

from django.conf import settings


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return (
        f"Too many wrong passwords for this account or from this address: sign-in is refused, "
        f"even with the right password, until {lockout_minutes()} minutes after the last attempt."
    )
