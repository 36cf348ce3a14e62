"""`/healthz`, answered before Django validates the request's Host header.

A container health check or a load balancer's probe reaches the process by an internal address
(`localhost:8000`, a pod IP) that is not, and should not be, in `ALLOWED_HOSTS`. The answer is a
fixed body that builds no URL from the Host header, so a forged one has nothing to poison; every
other path still gets the full host validation.
"""

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

PATH = "/healthz"


class HealthCheckMiddleware:
    """First in MIDDLEWARE: a GET or HEAD of /healthz never reaches host, HTTPS or session checks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return healthz()
        return self.get_response(request)


def healthz() -> JsonResponse:
    """The process answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
