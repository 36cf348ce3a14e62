"""The applicant's requests: home list, the guided form, submission, the status page and its actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ... import checks, impact
from ...errors import DomainError
from ...models import DECIDED_STATES, SAMPLING_FIELDS, State, WaiverRequest
from ...selectors import applicant as selectors
from ...services import cases as case_services
from ...workflow import allowed_actions, fire
from ..errors import add_to_form
from .access import ApplicantRequest, applicant_required
from .downloads import pdf_attachment
from .forms import (
    BasicsForm,
    EvidenceChoiceForm,
    HomeFilterForm,
    JustificationForm,
    RespondForm,
    SamplingForm,
    SitesForm,
    VersionedForm,
    WithdrawForm,
)

#: The guided form: (step, title, form class, the case fields it edits).
STEPS: list[tuple[str, str, type[VersionedForm] | None, tuple[str, ...]]] = [
    ("basics", "NRA, scope and product", BasicsForm, ("authority", "scope", "product")),
    ("sites", "Sites", SitesForm, ("sites",)),
    ("justification", "Justification", JustificationForm, ("justification",)),
    ("sampling", "Sampling data", SamplingForm, SAMPLING_FIELDS),
    ("evidence", "Evidence", EvidenceChoiceForm, ("certificates",)),
    ("review", "Review and submit", None, ()),
]
STEP_NAMES = [step[0] for step in STEPS]
HOME_PAGE_SIZE = 50
TAKES_USER = (BasicsForm, SitesForm, EvidenceChoiceForm)


def _resume_step(case: WaiverRequest) -> str | None:
    """Where a draft's editing picks up: the first step with nothing entered yet."""
    if case.state != State.DRAFT:
        return None
    if not case.sites.all():
        return "sites"
    if not case.justification.strip():
        return "justification"
    if case.batch_size is None:
        return "sampling"
    if not case.certificates.all():
        return "evidence"
    return "review"


def _impact(case: WaiverRequest) -> tuple[impact.Impact | None, str]:
    """The case's sampling impact; no complaint before the batch size, the first figure, is entered."""
    if case.batch_size is None:
        return None, ""
    return impact.of_request(case)


def _case(request: ApplicantRequest, reference: str) -> WaiverRequest:
    try:
        return selectors.case_by_reference(request.user, reference)
    except WaiverRequest.DoesNotExist:
        raise Http404("No such request.") from None


@applicant_required
def home(request: ApplicantRequest) -> HttpResponse:
    filters = HomeFilterForm(request.GET or None)
    state = q = ""
    if filters.is_valid():
        state, q = filters.cleaned_data["state"], filters.cleaned_data["q"]
    cases = Paginator(selectors.home_requests(request.user, state=state, q=q), HOME_PAGE_SIZE)
    page = cases.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "applicant/home.html",
        {"filters": filters, "cases": page, "page": page, "query": query.urlencode()},
    )


def _step_form(
    request: ApplicantRequest,
    form_class: type[VersionedForm],
    case: WaiverRequest | None,
    data: Any,
) -> VersionedForm:
    kwargs: dict[str, Any] = {"user": request.user} if form_class in TAKES_USER else {}
    initial: dict[str, Any] = {}
    if case is not None:
        initial["version"] = case.version
        for name in form_class.base_fields:
            if name in ("sites", "certificates"):
                initial[name] = list(getattr(case, name).all())
            elif name != "version" and hasattr(case, name):
                initial[name] = getattr(case, name)
        if form_class is SamplingForm:
            initial |= {name: getattr(case, name) for name in SAMPLING_FIELDS}
    return form_class(data, initial=initial, **kwargs)


def _next_url(request: ApplicantRequest, case: WaiverRequest, step: str) -> str:
    if "leave" in request.POST:
        messages.success(request, f"Draft {case.reference} saved; resume it from your requests.")
        return reverse("applicant:home")
    following = STEP_NAMES[STEP_NAMES.index(step) + 1]
    return reverse("applicant:step", args=[case.reference, following])


def _render_step(
    request: ApplicantRequest,
    case: WaiverRequest | None,
    step: str,
    form: forms.Form | None,
    **extra: Any,
) -> HttpResponse:
    context = {
        "case": case,
        "step": step,
        "steps": STEPS,
        "step_index": STEP_NAMES.index(step),
        "form": form,
        **extra,
    }
    if step == "sampling" and case is not None:
        context["impact"], context["impact_error"] = _impact(case)
    status = 400 if form is not None and form.errors else 200
    return render(request, "applicant/request_step.html", context, status=status)


@applicant_required
def request_new(request: ApplicantRequest) -> HttpResponse:
    """The first step creates the draft; each later step saves it again."""
    form = _step_form(request, BasicsForm, None, request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            case = case_services.create_request(user=request.user, **values)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect(_next_url(request, case, "basics"))
    return _render_step(request, None, "basics", form)


@applicant_required
def request_step(request: ApplicantRequest, reference: str, step: str) -> HttpResponse:
    if step not in STEP_NAMES:
        raise Http404("No such step.")
    case = _case(request, reference)
    if case.state != State.DRAFT:
        messages.info(
            request,
            f"{case.reference} is {case.get_state_display().lower()}; it can no longer be edited.",
        )
        return redirect("applicant:status", case.reference)
    _, _, form_class, _ = STEPS[STEP_NAMES.index(step)]
    if form_class is None:
        return _render_review(request, case, VersionedForm(initial={"version": case.version}))
    form = _step_form(request, form_class, case, request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        try:
            case_services.update_draft(
                waiver=case, user=request.user, expected_version=version, **values
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect(_next_url(request, case, step))
    return _render_step(request, case, step, form)


def _render_review(
    request: ApplicantRequest, case: WaiverRequest, form: forms.Form
) -> HttpResponse:
    result, error = _impact(case)
    return _render_step(
        request,
        case,
        "review",
        form,
        missing=checks.missing_for_submission(case),
        impact=result,
        impact_error=error,
    )


@applicant_required
@require_POST
def request_submit(request: ApplicantRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    form = VersionedForm(request.POST)
    if form.is_valid():
        try:
            case = fire(
                case, "submit", actor=request.user, expected_version=form.cleaned_data["version"]
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                f"Submitted to {case.authority.code} as {case.reference}; a confirmation e-mail is on its way.",
            )
            return redirect("applicant:status", case.reference)
    if case.state != State.DRAFT:
        return _render_status(request, _case(request, reference), errors_from=form)
    return _render_review(request, _case(request, reference), form)


def _render_status(
    request: ApplicantRequest,
    case: WaiverRequest,
    *,
    errors_from: forms.Form | None = None,
    **forms_: forms.Form,
) -> HttpResponse:
    actions = allowed_actions(case, request.user)
    page = selectors.status_page(case)
    result, error = _impact(case)
    context: dict[str, Any] = {
        "page": page,
        "case": case,
        "actions": actions,
        "impact": result,
        "impact_error": error,
        "policy": getattr(case.authority, "policy", None),
        "can_renew": case.state in case_services.RENEWABLE_STATES,
        "resume_step": _resume_step(case),
        "decided": case.state in DECIDED_STATES,
        "errors_from": errors_from,
        "respond_form": forms_.get("respond_form")
        or RespondForm(initial={"version": case.version}, user=request.user, case=case),
        "withdraw_form": forms_.get("withdraw_form")
        or WithdrawForm(initial={"version": case.version}),
    }
    return render(
        request, "applicant/status.html", context, status=400 if errors_from or forms_ else 200
    )


@applicant_required
def status(request: ApplicantRequest, reference: str) -> HttpResponse:
    return _render_status(request, _case(request, reference))


@applicant_required
@require_POST
def respond(request: ApplicantRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    form = RespondForm(request.POST, user=request.user, case=case)
    if form.is_valid():
        try:
            fire(
                case,
                "respond",
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                message=form.cleaned_data["message"],
                certificates=list(form.cleaned_data["certificates"]),
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request, "Your answer was sent to the NRA; the review clock runs again."
            )
            return redirect("applicant:status", case.reference)
    return _render_status(request, case, errors_from=form, respond_form=form)


@applicant_required
@require_POST
def withdraw(request: ApplicantRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            fire(
                case,
                "withdraw",
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, f"{case.reference} was withdrawn.")
            return redirect("applicant:status", case.reference)
    return _render_status(request, case, errors_from=form, withdraw_form=form)


@applicant_required
@require_POST
def renew(request: ApplicantRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    try:
        renewal = case_services.renew(waiver=case, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("applicant:status", case.reference)
    messages.success(
        request, f"Renewal draft {renewal.reference} copies {case.reference}; check and update it."
    )
    return redirect("applicant:step", renewal.reference, "basics")


@applicant_required
def letter(request: ApplicantRequest, reference: str) -> FileResponse:
    case = _case(request, reference)
    issued = selectors.latest_letter(case)
    if issued is None:
        raise Http404("No decision letter has been issued yet.")
    return pdf_attachment(issued.file, f"{case.reference}-decision-letter-v{issued.version}.pdf")
