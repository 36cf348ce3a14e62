"""Signing in with a second factor, and the page where a user sets it up, renews their recovery
codes or (an applicant) turns it off.

The password alone never opens a session: once it is right, the session only remembers, for a
few minutes, who is half-way through signing in. Django's ``login()`` runs after the code (or,
for NRA staff and authority admins without an authenticator yet, after enrolling one), so no
signed-in page, API call with the session or admin page works before it.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..errors import DomainError
from ..models import User
from ..services import two_factor
from .auth import signed_in

PENDING = "two_factor_pending"
#: How long the right password waits for its second factor.
PENDING_SECONDS = 5 * 60


class CodeForm(forms.Form):
    code = forms.CharField(label="Code", max_length=32)


class SignIn(LoginView):
    """Django's login page, stopping after the password for users with a second factor."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        step = two_factor.step_after_password(user)
        if step is None:
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "since": int(time.time()),
        }
        return redirect("two_factor_code" if step == "code" else "two_factor_enrol")


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user whose password was right a moment ago in this session, if still waiting."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


def _finish_sign_in(request: HttpRequest, user: User, pending: dict[str, Any]) -> None:
    del request.session[PENDING]
    login(request, user, backend=pending["backend"])


@never_cache
def code_step(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app, or a recovery code."""
    waiting = _pending(request)
    if waiting is None:
        return redirect_to_login(reverse("home"))
    user, pending = waiting
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 400 if form.is_bound else 200
    if form.is_valid():
        try:
            left = two_factor.verify_second_factor(user=user, code=form.cleaned_data["code"])
        except DomainError as refused:
            form.add_error("code", refused.message)
        else:
            _finish_sign_in(request, user, pending)
            if left is not None:
                messages.warning(
                    request,
                    f"You signed in with a recovery code: {left} left. Make new ones on the "
                    "two-factor page if you are running short.",
                )
            return HttpResponseRedirect(pending["next"])
    return render(request, "registration/two_factor_code.html", {"form": form}, status=status)


@never_cache
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: required for NRA staff and authority admins before their first
    sign-in completes, chosen by an applicant from the two-factor page. Its secret, like the
    recovery codes after it, is kept by no cache, though the user is not signed in yet."""
    waiting = None if request.user.is_authenticated else _pending(request)
    if not request.user.is_authenticated and waiting is None:
        return redirect_to_login(reverse("two_factor_enrol"))
    user = signed_in(request) if waiting is None else waiting[0]
    if two_factor.authenticator_of(user) is not None:
        return redirect("two_factor" if waiting is None else "two_factor_code")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 400 if form.is_bound else 200
    if form.is_valid():
        try:
            codes = two_factor.confirm_enrolment(user=user, code=form.cleaned_data["code"])
        except DomainError as refused:
            form.add_error("code", refused.message)
        else:
            if waiting is not None:
                _finish_sign_in(request, user, waiting[1])
            return _recovery_codes(request, codes, then=waiting[1]["next"] if waiting else None)
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "enrolment": two_factor.start_enrolment(user=user),
            "required": user.must_use_two_factor,
        },
        status=status,
    )


def _recovery_codes(request: HttpRequest, codes: list[str], *, then: str | None) -> HttpResponse:
    """The recovery codes, shown in this answer only: the portal cannot show them again."""
    return render(
        request,
        "registration/two_factor_recovery_codes.html",
        {"codes": codes, "then": then or reverse("two_factor")},
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return render(
        request,
        "registration/two_factor.html",
        {
            "enrolled": two_factor.authenticator_of(user) is not None,
            "codes_left": two_factor.recovery_codes_left(user),
            "required": user.must_use_two_factor,
            "form": CodeForm(),
        },
    )


def _code_posted(request: HttpRequest) -> str | None:
    form = CodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type the current code from your authenticator app.")
        return None
    return form.cleaned_data["code"]


@login_required
@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    code = _code_posted(request)
    if code is not None:
        try:
            codes = two_factor.replace_recovery_codes(user=signed_in(request), code=code)
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            return _recovery_codes(request, codes, then=None)
    return redirect("two_factor")


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    code = _code_posted(request)
    if code is not None:
        try:
            two_factor.remove_two_factor(user=signed_in(request), code=code)
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, "Two-factor sign-in is off: your password alone signs in.")
    return redirect("two_factor")
