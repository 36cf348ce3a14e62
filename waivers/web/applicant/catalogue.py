"""The organisation's sites and products: list, create, edit."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ...errors import DomainError
from ...selectors import applicant as selectors
from ...services.catalogue import save_entry
from ..errors import add_to_form
from .access import ApplicantRequest, applicant_required
from .forms import ProductForm, SiteForm

CATALOGUES = {
    "sites": ("Sites", "Site", SiteForm, selectors.sites),
    "products": ("Products", "Product", ProductForm, selectors.products),
}


def _save(request: ApplicantRequest, form: forms.ModelForm) -> bool:
    """Save for the user's organisation; a refusal is shown on the form."""
    try:
        save_entry(user=request.user, entry=form.save(commit=False))
    except DomainError as exc:
        add_to_form(form, exc)
        return False
    return True


@applicant_required
def catalogue_list(request: ApplicantRequest, catalogue: str) -> HttpResponse:
    title, noun, _, query = CATALOGUES[catalogue]
    rows: QuerySet = query(request.user)
    return render(
        request,
        f"applicant/{catalogue}.html",
        {"title": title, "noun": noun, "rows": rows, "catalogue": catalogue},
    )


@applicant_required
def catalogue_edit(
    request: ApplicantRequest, catalogue: str, pk: int | None = None
) -> HttpResponse:
    title, noun, form_class, query = CATALOGUES[catalogue]
    instance = get_object_or_404(query(request.user), pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid() and _save(request, form):
        messages.success(request, f"{noun} {form.instance.name} saved.")
        return redirect(f"applicant:{catalogue}")
    return render(
        request,
        "applicant/catalogue_form.html",
        {"form": form, "noun": noun, "title": title, "catalogue": catalogue, "instance": instance},
        status=400 if form.errors else 200,
    )
