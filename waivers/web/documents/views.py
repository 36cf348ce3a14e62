"""The public page that tells whether a letter is genuine, and the in-app notification list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ... import letters
from ...models import User, normalise_verification_code
from ...selectors import notifications as notification_reads
from ...services import notifications


def verify_form(request: HttpRequest) -> HttpResponse:
    """A code typed into the form goes to its verification page."""
    code = normalise_verification_code(request.GET.get("code", ""))
    if code:
        return redirect("documents:verify", code=code)
    return render(request, "documents/verify.html", {"code": "", "searched": False})


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public, no sign-in: discloses only what letters.verify allows, with the waiver's status today."""
    verified = letters.verify(code)
    return render(
        request,
        "documents/verify.html",
        {"code": code, "verified": verified, "searched": True},
        status=200 if verified else 404,
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # login_required
    page = Paginator(notification_reads.for_user(request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "documents/notifications.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all of the user's notifications as read."""
    assert isinstance(request.user, User)  # login_required
    raw = request.POST.get("id")
    if raw is not None and not raw.isdigit():
        messages.error(request, "That notification does not exist.")
        return redirect("documents:notifications")
    count = notifications.mark_read(user=request.user, ids=[int(raw)] if raw else None)
    if raw is None:
        messages.success(
            request, f"{count} notification{'s' if count != 1 else ''} marked as read."
        )
    return redirect("documents:notifications")
