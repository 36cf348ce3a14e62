"""The unread-notification count shown in the navigation bar."""

from django import template

from ..services import notifications

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return notifications.unread_count(user) if user is not None else 0
