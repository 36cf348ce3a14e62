"""Request bodies over the upload limit are refused from their declared length, before a byte is
read: the web forms (whose CSRF check would otherwise stream the whole body to disk first) and the
API alike."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

# Room for the multipart framing and the metadata fields around the file itself.
MULTIPART_OVERHEAD = 256 * 1024


class RefuseOversizedBodies:
    """413 for a ``Content-Length`` over ``UPLOAD_MAX_BYTES`` (plus the form around the file)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.UPLOAD_MAX_BYTES
        if length <= limit + MULTIPART_OVERHEAD:
            return self.get_response(request)
        message = f"The file is larger than the {limit // (1024 * 1024)} MB limit."
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return render(
            request, "too_large.html", {"message": message, "back": request.path}, status=413
        )
