"""Applicant forms: they translate input; rules live in services and checks."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.db import models
from django.forms.models import fields_for_model

from ...models import (
    KIND_FIELDS,
    SAMPLING_FIELDS,
    Authority,
    Certificate,
    CertificateKind,
    Product,
    Scope,
    Site,
    State,
    User,
    WaiverRequest,
)
from ...selectors import applicant as selectors

DATE = forms.DateInput(attrs={"type": "date"})


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """A form's choice field over model rows, typed as such for its queryset and labels."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "address", "country"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_country(self) -> str:
        return self.cleaned_data["country"].upper()


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "atmp_class", "production_model", "storage", "shelf_life_days"]
        labels = {"shelf_life_days": "Shelf-life (days)"}


class EvidenceForm(forms.Form):
    """Metadata and the PDF of one kind of evidence: the kind's fields as the model declares them.

    A plain form over the model's fields: the upload service validates the certificate as a
    whole, and its refusals come back as errors next to the fields.
    """

    kind: str
    field_names: list[str]
    labels: dict[str, str] = {}
    widgets: dict[str, type[forms.Widget] | forms.Widget] = {}
    overrides: dict[str, forms.Field] = {}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nra = forms.ModelChoiceField(
            queryset=selectors.receiving_nras(),
            required=False,
            label="NRA you will address (for the pre-check)",
            help_text="Not stored: the warning window and the authorities relied on are the NRA's.",
            widget=forms.Select(attrs={"data-precheck": "nra"}),
        )
        spec = KIND_FIELDS[self.kind]
        self.field_names = list(spec.fields)
        fields = fields_for_model(
            Certificate, fields=self.field_names, labels=self.labels, widgets=self.widgets
        )
        fields.update({name: copy.deepcopy(field) for name, field in self.overrides.items()})
        self.fields = {
            "nra": nra,
            **fields,
            "file": forms.FileField(
                label="PDF file",
                help_text="Only PDF, judged by its content; unencrypted; within the size limit.",
                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
            ),
        }
        for name in self.field_names:
            self.fields[name].required = name in spec.required
        if "issuing_authority" in self.fields:
            field = _model_choice(self, "issuing_authority")
            field.queryset = selectors.authority_register()
            field.widget.attrs.update(
                {"data-filterable": "true", "data-precheck": "issuing_authority"}
            )
        if "site" in self.fields:
            _model_choice(self, "site").queryset = selectors.sites(user)
        if "product" in self.fields:
            _model_choice(self, "product").queryset = selectors.products(user)
        for name in ("issued_on", "valid_until", "batch_expires_on"):
            if name in self.fields:
                self.fields[name].widget.attrs["data-precheck"] = name

    def metadata(self) -> dict[str, Any]:
        """The certificate's fields as the upload service takes them."""
        return {name: self.cleaned_data[name] for name in self.field_names}


_yes_no = {"true": True, "false": False}


class GmpForm(EvidenceForm):
    kind = CertificateKind.GMP
    widgets = {
        "inspected_on": DATE,
        "issued_on": DATE,
        "valid_until": DATE,
        "restrictions": forms.Textarea(attrs={"rows": 2}),
    }


class CppForm(EvidenceForm):
    kind = CertificateKind.CPP
    labels = {
        "number": "CPP number",
        "issuing_authority": "Certifying authority",
        "exporting_country": "Exporting country (ISO code)",
        "importing_country": "Importing country (ISO code)",
        "valid_until": "Valid until (if stated)",
    }
    widgets = {
        "issued_on": DATE,
        "valid_until": DATE,
        "gmp_statement": forms.Textarea(attrs={"rows": 2}),
    }
    overrides = {
        "licensed": forms.TypedChoiceField(
            label="Licensed in the exporting country",
            choices=[("true", "Yes"), ("false", "No")],
            coerce=_yes_no.get,
        )
    }

    def clean_exporting_country(self) -> str:
        return self.cleaned_data["exporting_country"].upper()

    def clean_importing_country(self) -> str:
        return self.cleaned_data["importing_country"].upper()


class CoaForm(EvidenceForm):
    kind = CertificateKind.COA
    labels = {
        "number": "CoA number (if any)",
        "batch_expires_on": "Batch expiry",
        "issued_on": "CoA date",
    }
    widgets = {"manufactured_on": DATE, "batch_expires_on": DATE, "issued_on": DATE}
    overrides = {
        "conforms": forms.TypedChoiceField(
            label="Conformity",
            choices=[("true", "Conforms (pass)"), ("false", "Does not conform (fail)")],
            coerce=_yes_no.get,
        )
    }


EVIDENCE_FORMS: dict[str, type[EvidenceForm]] = {
    CertificateKind.GMP: GmpForm,
    CertificateKind.CPP: CppForm,
    CertificateKind.COA: CoaForm,
}


class PrecheckForm(forms.Form):
    """The few values the pre-check needs, sent by the evidence form as the user types."""

    kind = forms.ChoiceField(choices=CertificateKind.choices)
    nra = forms.ModelChoiceField(queryset=Authority.objects.none(), required=False)
    issuing_authority = forms.ModelChoiceField(queryset=Authority.objects.none(), required=False)
    issued_on = forms.DateField(required=False)
    valid_until = forms.DateField(required=False)
    batch_expires_on = forms.DateField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "nra").queryset = selectors.receiving_nras()
        _model_choice(
            self, "issuing_authority"
        ).queryset = selectors.authority_register().prefetch_related("recognitions")


class VersionedForm(forms.Form):
    """Carries the case version the page was built from, so a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class HomeFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("", "Any state"), *State.choices], required=False)
    q = forms.CharField(label="Reference or product", required=False, max_length=100)


class BasicsForm(VersionedForm):
    authority = forms.ModelChoiceField(queryset=Authority.objects.none(), label="NRA addressed")
    scope = forms.ChoiceField(choices=Scope.choices)
    product = forms.ModelChoiceField(queryset=Product.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "authority").queryset = selectors.receiving_nras()
        _model_choice(self, "product").queryset = selectors.products(user)
        self.fields["version"].required = False


class SitesForm(VersionedForm):
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Manufacturing and testing sites",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "sites").queryset = selectors.sites(user)


class JustificationForm(VersionedForm):
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Why in-country testing should be waived: batch size, shelf-life, patients.",
    )


class SamplingForm(VersionedForm):
    """The calculator's inputs, as the model stores them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SAMPLING_FIELDS:
            model_field = WaiverRequest._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            field = model_field.formfield()
            assert field is not None
            field.required = name == "testing_countries"
            field.widget.attrs["data-impact-input"] = name
            self.fields[name] = field


class CertificateChoiceField(forms.ModelMultipleChoiceField):
    """Certificates labelled with what a reader picks them by: kind, number, authority, expiry."""

    def label_from_instance(self, obj: Certificate) -> str:
        expires = obj.expires_on
        until = f", valid until {expires:%Y-%m-%d}" if expires else ""
        by = f" by {obj.issuing_authority.code}" if obj.issuing_authority else ""
        return f"{obj}{by}{until}"


class EvidenceChoiceForm(VersionedForm):
    certificates = CertificateChoiceField(
        queryset=Certificate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Evidence to rely on",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "certificates").queryset = selectors.certificates(user)


class RespondForm(VersionedForm):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), label="Your answer to the NRA"
    )
    certificates = CertificateChoiceField(
        queryset=Certificate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="New evidence to add",
    )

    def __init__(self, *args: Any, user: User, case: WaiverRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = selectors.certificates(user)
        _model_choice(self, "certificates").queryset = own.exclude(waiver_requests=case)


class WithdrawForm(VersionedForm):
    reason = forms.CharField(label="Reason for withdrawing", required=False, max_length=500)


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
