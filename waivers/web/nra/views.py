"""NRA staff pages: the queue, the case review page, its actions, evidence files, audit export.

Every entry point checks the role first and scopes the case through waivers_for (via the
selectors): a case, file or action of another NRA answers 404. Refusals come from the workflow
and are shown next to the form that caused them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from ... import impact, workflow
from ...assessment import as_rows
from ...audit import entries_for
from ...audit_text import readable
from ...errors import DomainError, NotPermitted, StaleCase
from ...models import Certificate, State, User, WaiverRequest
from ...selectors import nra as selectors
from ...selectors.paging import IdsFirstPaginator
from ...services import archive
from ...services.audit_export import audit_trail_csv, audit_trail_pdf
from ...services.evidence import inline_refusal
from ..auth import signed_in
from ..errors import add_to_form
from . import forms

#: Actions asked for in a dialog; a refused one re-opens its dialog with the reason.
DIALOGS = ("sign", "revoke")

#: URL slug → (workflow action, form class). "take" is an assignment to oneself.
ACTIONS: dict[str, tuple[str, type[forms.CaseActionForm]]] = {
    "take": ("assign", forms.TakeForm),
    "assign": ("assign", forms.AssignForm),
    "request-information": ("request_information", forms.RequestInformationForm),
    "recommend": ("recommend", forms.RecommendForm),
    "return": ("return", forms.ReturnForm),
    "sign": ("sign", forms.SignForm),
    "revoke": ("revoke", forms.RevokeForm),
}


def nra_staff_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Signed in, and a reviewer or approver of an NRA; anyone else is refused (403)."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not signed_in(request).is_nra_staff:
            raise PermissionDenied("These pages are for NRA reviewers and approvers.")
        return view(request, *args, **kwargs)

    return wrapped


def _case_or_404(user: User, reference: str) -> WaiverRequest:
    try:
        return selectors.case_for_review(user=user, reference=reference)
    except WaiverRequest.DoesNotExist:
        raise Http404("No such case.") from None


@require_GET
@nra_staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """The NRA's cases needing action, with filters, counts per state and pagination."""
    user = signed_in(request)
    filters = forms.QueueFilterForm(request.GET or None)
    target_days = selectors.target_review_days(user)
    chosen = filters.filters()
    cases = selectors.queue(user=user, target_days=target_days, **chosen)
    page = IdsFirstPaginator(
        cases,
        filters.page_size(),
        columns=partial(selectors.with_queue_columns, target_days=target_days),
        counted=partial(selectors.queue_size, user, cases, chosen),
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "nra/queue.html",
        {
            "filters": filters,
            "page": page,
            "takeable": {case.pk for case in page if _may_take(case, user)},
            "counts": [
                (state, State(state).label, n) for state, n in selectors.queue_counts(user).items()
            ],
            "target_days": target_days,
        },
    )


def _may_take(case: WaiverRequest, user: User) -> bool:
    """Taking is assigning to oneself, offered while the case is not already one's own."""
    return case.reviewer_id != user.pk and "assign" in workflow.allowed_actions(case, user)


def _action_forms(
    case: WaiverRequest, user: User, bound: dict[str, forms.CaseActionForm]
) -> dict[str, forms.CaseActionForm]:
    """A form for each action the user may take now, keeping a refused one as it was posted."""
    allowed = workflow.allowed_actions(case, user)
    result = {}
    for slug, (action, form_class) in ACTIONS.items():
        if action not in allowed or (slug == "take" and not _may_take(case, user)):
            continue
        result[slug] = bound.get(slug) or _form(
            form_class, user, case, initial={"expected_version": case.version}
        )
    return result


def _form(
    form_class: type[forms.CaseActionForm], user: User, case: WaiverRequest, **kwargs: Any
) -> forms.CaseActionForm:
    if form_class is forms.AssignForm:
        kwargs["colleagues"] = selectors.colleagues(user)
    if issubclass(form_class, forms.OverridesForm):
        kwargs["failed_checks"] = workflow.overridable_checks(case)
    return form_class(**kwargs)


def _render_case(
    request: HttpRequest,
    case: WaiverRequest,
    *,
    bound: dict[str, forms.CaseActionForm] | None = None,
    refused: str = "",
    stale: bool = False,
    status: int = 200,
) -> HttpResponse:
    user = signed_in(request)
    figures, impact_error = impact.of_request(case)
    return render(
        request,
        "nra/case.html",
        {
            "case": case,
            "impact": figures,
            "impact_error": impact_error,
            "assessment_rows": as_rows(case.assessment),
            "timeline": readable(entries_for(case)),
            "action_forms": _action_forms(case, user, bound or {}),
            "refused": refused,
            "stale": stale,
            "open_dialog": next((f"{s}-dialog" for s in bound or {} if s in DIALOGS), ""),
        },
        status=status,
    )


@require_GET
@nra_staff_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_case(request, _case_or_404(signed_in(request), reference))


@require_POST
@nra_staff_required
def case_action(request: HttpRequest, reference: str, slug: str) -> HttpResponse:
    """Fire one workflow action from its form; a refusal re-renders the page with the reason."""
    if slug not in ACTIONS:
        raise Http404("No such action.")
    user = signed_in(request)
    case = _case_or_404(user, reference)
    action, form_class = ACTIONS[slug]
    form = _form(form_class, user, case, data=request.POST)
    if not form.is_valid():
        return _render_case(request, case, bound={slug: form}, status=400)
    params = form.params()
    expected_version = form.cleaned_data["expected_version"]
    if slug == "take":
        params["reviewer"] = user
    try:
        workflow.fire(case, action, actor=user, expected_version=expected_version, **params)
    except DomainError as exc:
        add_to_form(form, exc)
        case = _case_or_404(user, reference)
        return _render_case(
            request,
            case,
            bound={slug: form},
            refused=exc.message,
            stale=isinstance(exc, StaleCase),
            status=exc.status,
        )
    messages.success(request, DONE[slug])
    return redirect("nra:case", reference=reference)


#: What the user is told after each action succeeded.
DONE = {
    "take": "You took the case; it is now under your review.",
    "assign": "The case is assigned.",
    "request-information": "Information requested; the clock stands still until the applicant responds.",
    "recommend": "Your recommendation is recorded; an approver will decide.",
    "return": "The case is returned to the reviewer.",
    "sign": "Decision signed.",
    "revoke": "The waiver is revoked.",
}


def _certificate(user: User, reference: str, pk: int) -> Certificate:
    """A certificate of this case, which the user may see; anything else is 404."""
    case = _case_or_404(user, reference)
    certificate = next((c for c in case.certificates.all() if c.pk == pk), None)
    if certificate is None:
        raise Http404("No such certificate on this case.")
    return certificate


def _pdf_response(certificate: Certificate, *, as_attachment: bool) -> FileResponse:
    name = (
        f"{certificate.kind}-{certificate.number or certificate.batch_number or certificate.pk}.pdf"
    )
    response = FileResponse(
        certificate.file.open("rb"),
        as_attachment=as_attachment,
        filename=name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@nra_staff_required
@xframe_options_sameorigin
def certificate_view(request: HttpRequest, reference: str, pk: int) -> HttpResponseBase:
    """The PDF inline, for the viewer on the case page (the only frame this site allows), if it
    passes the PDF policy; else a note in the frame saying why, with the download."""
    certificate = _certificate(signed_in(request), reference, pk)
    refusal = inline_refusal(certificate)
    if refusal:
        return render(
            request,
            "nra/not_previewed.html",
            {"certificate": certificate, "reference": reference, "reason": refusal},
        )
    return _pdf_response(certificate, as_attachment=False)


@require_GET
@nra_staff_required
def certificate_download(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    return _pdf_response(_certificate(signed_in(request), reference, pk), as_attachment=True)


@require_GET
@nra_staff_required
def audit_csv(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(signed_in(request), reference)
    response = HttpResponse(audit_trail_csv(case), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-audit-trail.csv"'
    return response


@require_GET
@nra_staff_required
def audit_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(signed_in(request), reference)
    response = HttpResponse(audit_trail_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-audit-trail.pdf"'
    return response


@require_GET
@nra_staff_required
def case_archive(request: HttpRequest, reference: str) -> FileResponse:
    """The case as a self-contained ZIP: files, letters, audit trail, manifest (audited)."""
    case = _case_or_404(signed_in(request), reference)
    zipped = archive.case_archive(user=signed_in(request), case=case)
    return FileResponse(
        zipped,
        as_attachment=True,
        filename=archive.case_filename(case),
        content_type="application/zip",
    )


@nra_staff_required
def archives(request: HttpRequest) -> HttpResponseBase:
    """Export every case decided in a period; and the cases past retention, listed to archive."""
    user = signed_in(request)
    form = forms.PeriodArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            zipped = archive.period_archive(user=user, start=start, end=end)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return FileResponse(
                zipped,
                as_attachment=True,
                filename=archive.period_filename(user, start, end),
                content_type="application/zip",
            )
    due = archive.due_for_archiving().filter(pk__in=archive.archivable_cases(user).values("pk"))
    return render(request, "nra/archives.html", {"form": form, "due": due})


@require_POST
@nra_staff_required
def legal_hold(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(signed_in(request), reference)
    form = forms.LegalHoldForm(request.POST)
    if form.is_valid():
        try:
            archive.set_legal_hold(
                case=case,
                user=signed_in(request),
                hold=form.cleaned_data["hold"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            if isinstance(exc, NotPermitted):
                raise PermissionDenied(exc.message) from exc
            add_to_form(form, exc)
        else:
            messages.success(request, "Legal hold updated.")
            return redirect("nra:case", reference=case.reference)
    for error in form.errors.values():
        messages.error(request, " ".join(str(message) for message in error))
    return redirect("nra:case", reference=case.reference)
