"""Colleagues: an organisation admin invites them; each sets their own password via a one-time link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from ...errors import DomainError
from ...models import User
from ...selectors import applicant as selectors
from ...services.invitations import accept_invitation, invitation_is_valid, invite_colleague
from ..errors import add_to_form
from .access import ApplicantRequest, applicant_required
from .forms import InviteForm
from .mail import send_invitation


@applicant_required
def colleagues(request: ApplicantRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            colleague = invite_colleague(inviter=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            if colleague is not None:
                send_invitation(request, colleague)
            # The same answer whether or not the address already has an account.
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("applicant:colleagues")
    return render(
        request,
        "applicant/colleagues.html",
        {"form": form, "members": selectors.colleagues(request.user)},
        status=400 if form.errors else 200,
    )


def _invited(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=False).first()


def accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Open to the public: the token, not a session, proves who is setting the password."""
    user = _invited(uidb64)
    form = SetPasswordForm(user, request.POST or None) if user else None
    if user is not None and form is not None and request.method == "POST" and form.is_valid():
        try:
            accept_invitation(user=user, token=token, password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, "Your password is set; sign in with your e-mail address.")
            return redirect("login")
    valid = user is not None and invitation_is_valid(user=user, token=token)
    return render(
        request,
        "applicant/accept_invitation.html",
        {"form": form if valid else None, "invited": user if valid else None},
        status=200 if valid else 404,
    )
