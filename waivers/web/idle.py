"""A signed-in session left idle for SESSION_IDLE_MINUTES is signed out at its next request."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from ..models import User

LAST_SEEN = "last_seen"
#: The session is written at most once a minute, not on every request.
RESOLUTION_SECONDS = 60


def start_idle_clock(sender: type, request: HttpRequest, user: User, **kwargs: object) -> None:
    """On sign-in (receiver of user_logged_in): the session's clock starts with it."""
    request.session[LAST_SEEN] = int(time.time())


class SignOutWhenIdle:
    """Keeps the time of a session's last request in the session itself (server side, so a
    client cannot extend it) and ends the session once the gap exceeds the setting. A page is
    redirected to the sign-in page, which says why; an API call goes on unauthenticated."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(
                        request,
                        f"You were signed out after {settings.SESSION_IDLE_MINUTES} minutes "
                        "of inactivity. Please sign in again.",
                    )
                    return redirect_to_login(request.get_full_path())
            elif now - last_seen >= RESOLUTION_SECONDS or LAST_SEEN not in request.session:
                # (absent: a session opened before the idle timeout was deployed)
                request.session[LAST_SEEN] = now
        return self.get_response(request)
