"""The unread-notification count shown in the navigation bar."""

from django import template

from ..selectors import notifications as notification_reads

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """Counted once per request, however many places of the page show it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None:
        return 0
    if not hasattr(request, "unread_notifications"):
        request.unread_notifications = notification_reads.unread_count(user)
    return int(request.unread_notifications)
