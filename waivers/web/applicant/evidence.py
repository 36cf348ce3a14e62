"""Evidence: the list, one upload form per kind with a live pre-check, and scoped downloads."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ... import checks
from ...errors import DomainError
from ...models import CertificateKind
from ...selectors import applicant as selectors
from ...services.evidence import upload_certificate
from ..errors import add_to_form
from .access import ApplicantRequest, applicant_required
from .downloads import pdf_attachment
from .forms import EVIDENCE_FORMS, PrecheckForm


@applicant_required
def evidence_list(request: ApplicantRequest) -> HttpResponse:
    return render(
        request,
        "applicant/evidence_list.html",
        {"certificates": selectors.certificates(request.user), "kinds": CertificateKind.choices},
    )


def _back_to(request: ApplicantRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return None


@applicant_required
def evidence_upload(request: ApplicantRequest, kind: str) -> HttpResponse:
    form_class = EVIDENCE_FORMS.get(kind)
    if form_class is None:
        raise Http404("No such kind of evidence.")
    form = form_class(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={"nra": selectors.last_addressed_nra(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            upload = upload_certificate(
                user=request.user, kind=kind, file=form.cleaned_data["file"], **form.metadata()
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            certificate = upload.certificate
            if upload.reused:
                messages.info(
                    request, f"This file was already uploaded as {certificate}; it was reused."
                )
            else:
                messages.success(request, f"{certificate} uploaded.")
            return redirect(_back_to(request) or "applicant:evidence")
    return render(
        request,
        "applicant/evidence_upload.html",
        {
            "form": form,
            "kind": CertificateKind(kind),
            "next": _back_to(request) or "",
            "status": 400 if form.errors else 200,
        },
        status=400 if form.errors else 200,
    )


@applicant_required
@require_POST
def evidence_precheck(request: ApplicantRequest) -> JsonResponse:
    """What the automated checks will say about the certificate being entered (nothing is stored)."""
    form = PrecheckForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    values = form.cleaned_data
    nra = values.pop("nra")
    policy = getattr(nra, "policy", None) if nra else None
    results = checks.certificate_warnings(values, policy, timezone.now().date())
    return JsonResponse(
        {"results": [{"check": r.check, "status": r.status, "detail": r.detail} for r in results]}
    )


@applicant_required
def evidence_file(request: ApplicantRequest, pk: int) -> FileResponse:
    certificate = get_object_or_404(selectors.certificates(request.user), pk=pk)
    return pdf_attachment(certificate.file, f"{certificate.kind}-{certificate.pk}.pdf")
