"""Pages every signed-in user shares: the landing page and a case's read-only page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ..access import waivers_for
from ..audit import timeline_for
from ..models import Role
from .auth import signed_in

#: Where each role lands after signing in.
LANDING: dict[str, str] = {
    Role.REGISTRAR: "admin:index",
    Role.APPLICANT: "applicant:home",
    Role.REVIEWER: "nra:queue",
    Role.APPROVER: "nra:queue",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    landing = LANDING.get(signed_in(request).role)
    if landing:
        return redirect(landing)
    cases = (
        waivers_for(signed_in(request))
        .select_related("organisation", "authority", "product")
        .order_by("-updated_at")[:50]
    )
    return render(request, "waivers/home.html", {"cases": cases})


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_object_or_404(
        waivers_for(signed_in(request)).select_related("organisation", "authority", "product"),
        reference=reference,
    )
    timeline = timeline_for(case, signed_in(request))
    return render(request, "waivers/case_detail.html", {"case": case, "timeline": timeline})
