"""Forms of the batch pages: they translate input; the rules live in waivers.services.batches."""

from __future__ import annotations

from typing import Any

from django import forms

from ...models import Certificate, Site

DATE = forms.DateInput(attrs={"type": "date"})
CONFORMITY = [("", "—"), ("true", "Conforms"), ("false", "Does not conform")]
UPLOAD_REQUIRED = ("site", "issued_on", "batch_expires_on", "conforms")


class NotifyBatchForm(forms.Form):
    batch_number = forms.CharField(
        max_length=100, help_text="Exactly as printed on the Certificate of Analysis."
    )
    certificate = forms.ModelChoiceField(
        queryset=Certificate.objects.none(),
        required=False,
        label="Certificate of Analysis already uploaded",
        empty_label="— none: I upload a new CoA below —",
    )
    file = forms.FileField(
        required=False,
        label="New CoA (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    number = forms.CharField(max_length=100, required=False, label="CoA number")
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, label="Manufacturing site"
    )
    manufactured_on = forms.DateField(required=False, widget=DATE, label="Manufactured on")
    batch_expires_on = forms.DateField(required=False, widget=DATE, label="Batch expires on")
    issued_on = forms.DateField(required=False, widget=DATE, label="CoA issued on")
    conforms = forms.TypedChoiceField(
        choices=CONFORMITY,
        required=False,
        coerce=lambda v: v == "true",
        empty_value=None,
        label="Conformity",
    )
    released_by = forms.CharField(max_length=200, required=False, label="Released by (QP)")

    def __init__(self, *args: Any, coas: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        certificate = self.fields["certificate"]
        assert isinstance(certificate, forms.ModelChoiceField)
        certificate.queryset = coas
        certificate.label_from_instance = lambda c: (  # type: ignore[method-assign,assignment]
            f"Batch {c.batch_number} — {c.site.name}, expires {c.batch_expires_on or '?'}"
        )
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = sites

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen, uploaded = data.get("certificate"), data.get("file")
        if chosen and uploaded:
            self.add_error("file", "Choose an uploaded CoA or upload a new one, not both.")
        elif not chosen and not uploaded and "certificate" not in self.errors:
            self.add_error("certificate", "Choose a CoA of this product, or upload a new one.")
        elif uploaded:
            for name in UPLOAD_REQUIRED:
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, "Needed for a new CoA.")
        return data

    def upload_metadata(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "number": data["number"],
            "site": data["site"],
            "manufactured_on": data["manufactured_on"],
            "batch_expires_on": data["batch_expires_on"],
            "issued_on": data["issued_on"],
            "conforms": data["conforms"],
            "released_by": data["released_by"],
            "batch_number": data["batch_number"].strip(),
        }


class FlagBatchForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for sampling",
        help_text="Why this batch should be sampled in post-marketing surveillance.",
    )
