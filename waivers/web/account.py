"""The signed-in user's own account: their API tokens in force, each with a revoke action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..errors import NotPermitted
from ..services.tokens import revoke_token, tokens_of
from .auth import signed_in


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    return render(
        request, "registration/api_tokens.html", {"tokens": tokens_of(signed_in(request))}
    )


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        revoke_token(user=signed_in(request), token_id=token_id)
    except NotPermitted as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "The token is revoked: it no longer answers.")
    return redirect("api_tokens")
