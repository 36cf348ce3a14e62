"""Batch pages: applicants notify batches under a granted waiver; NRA staff see and flag them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ...access import sites_for, waivers_for
from ...errors import DomainError, FileTooLarge, NoAcknowledgement, NotAPdf, NotPermitted
from ...models import GRANTED_STATES, BatchNotification, BatchStatus, Certificate, CertificateKind
from ...selectors import batches as batch_reads
from ...services import batches as service
from ...services.evidence import upload_certificate
from ..auth import signed_in
from ..errors import add_to_form
from .forms import FlagBatchForm, NotifyBatchForm

PAGE_SIZE = 50


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    """Every batch of the waivers the user may see, with counts per waiver and per product."""
    if not (signed_in(request).is_applicant or signed_in(request).is_nra_staff):
        raise Http404
    batches = batch_reads.batches_for(signed_in(request))
    waiver_filter = request.GET.get("waiver", "").strip()
    if waiver_filter:
        batches = batches.filter(waiver__reference=waiver_filter)
    page = Paginator(
        batches.select_related(
            "waiver__product", "waiver__organisation", "certificate__site", "notified_by"
        ).order_by("-notified_at", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    in_force = (
        waivers_for(signed_in(request))
        .filter(state__in=GRANTED_STATES)
        .select_related("product")
        .order_by("valid_until")
        if signed_in(request).is_applicant
        else []
    )
    return render(
        request,
        "batches/list.html",
        {
            "page": page,
            "waiver_filter": waiver_filter,
            "per_waiver": batch_reads.counts_per_waiver(batches),
            "per_product": batch_reads.counts_per_product(batches),
            "in_force": in_force,
        },
    )


def _notify_form(request: HttpRequest, waiver, data=None, files=None) -> NotifyBatchForm:
    coas = (
        Certificate.objects.filter(
            organisation=signed_in(request).organisation,
            kind=CertificateKind.COA,
            product=waiver.product,
        )
        .select_related("site")
        .order_by("-uploaded_at")
    )
    return NotifyBatchForm(data, files, coas=coas, sites=sites_for(signed_in(request)))


@login_required
def notify(request: HttpRequest, reference: str) -> HttpResponse:
    waiver = get_object_or_404(
        waivers_for(signed_in(request)).select_related("product", "authority"), reference=reference
    )
    try:
        service.check_may_notify(waiver=waiver, user=signed_in(request))
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return render(
            request, "batches/notify.html", {"waiver": waiver, "refusal": exc.message}, status=409
        )
    form = _notify_form(request, waiver, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                certificate = form.cleaned_data["certificate"]
                if form.cleaned_data["file"]:
                    certificate = upload_certificate(
                        user=signed_in(request),
                        kind=CertificateKind.COA,
                        file=form.cleaned_data["file"],
                        product=waiver.product,
                        **form.upload_metadata(),
                    ).certificate
                batch = service.notify_batch(
                    waiver=waiver,
                    user=signed_in(request),
                    batch_number=form.cleaned_data["batch_number"],
                    certificate=certificate,
                )
        except (FileTooLarge, NotAPdf) as exc:
            form.add_error("file", exc.message)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect("batches:detail", reference=batch.reference)
    return render(request, "batches/notify.html", {"waiver": waiver, "form": form})


def _scoped_batch(request: HttpRequest, reference: str) -> BatchNotification:
    return get_object_or_404(
        batch_reads.batches_for(signed_in(request)).select_related(
            "waiver__product",
            "waiver__organisation",
            "waiver__authority",
            "certificate__site",
            "notified_by",
            "flagged_by",
        ),
        reference=reference,
    )


def _detail(request: HttpRequest, batch: BatchNotification, flag_form=None, status=200):
    may_flag = (
        signed_in(request).is_nra_staff
        and batch.status == BatchStatus.RELEASED
        and not batch.flagged_for_sampling
    )
    return render(
        request,
        "batches/detail.html",
        {
            "batch": batch,
            "flag_form": (flag_form or FlagBatchForm()) if may_flag else None,
            "verify_url": service.verify_url(batch.verification_code),
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, _scoped_batch(request, reference))


@login_required
@require_POST
def flag(request: HttpRequest, reference: str) -> HttpResponse:
    batch = _scoped_batch(request, reference)
    form = FlagBatchForm(request.POST)
    if form.is_valid():
        try:
            service.flag_batch(
                batch=batch, user=signed_in(request), reason=form.cleaned_data["reason"]
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect("batches:detail", reference=batch.reference)
    return _detail(request, batch, form, status=400)


@login_required
def acknowledgement(request: HttpRequest, reference: str) -> FileResponse:
    try:
        file, name = batch_reads.acknowledgement_of(_scoped_batch(request, reference))
    except NoAcknowledgement as exc:
        raise Http404(exc.message) from exc
    return FileResponse(file, as_attachment=True, filename=name, content_type="application/pdf")
