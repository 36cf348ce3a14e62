"""The badge of a check result, drawn on every queue row and beside every check of a case."""

from django import template
from django.utils.html import format_html

from ..models import CheckStatus

register = template.Library()

_BADGES: dict[str, tuple[str, str]] = {
    CheckStatus.FAIL: ("text-bg-danger", "Fail"),
    CheckStatus.WARN: ("text-bg-warning", "Warning"),
    CheckStatus.PASS: ("text-bg-success", "Pass"),
}
_NOT_RUN = ("text-bg-light border", "Not run")


@register.filter
def check_badge(status: str) -> str:
    """A Bootstrap badge for a check status ('' or unknown: not run)."""
    css, label = _BADGES.get(status, _NOT_RUN)
    return format_html('<span class="badge {}">{}</span>', css, label)
