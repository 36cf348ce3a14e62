"""Signed-in pages are never kept by a browser or a shared cache (no back-button after sign-out)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreWhenSignedIn:
    """``Cache-Control: private, no-store`` on every response to a signed-in user, web and API
    (DRF hands the token's user back to the request, so token clients are covered too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
