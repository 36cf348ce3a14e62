"""The one place where domain errors become form errors on web pages."""

from __future__ import annotations

from django import forms

from ..errors import DomainError, EvidenceIncomplete, FileTooLarge, InvalidInput, NotAPdf


def add_to_form(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a refused action on the form: field errors where a field exists, else at the top."""
    if isinstance(exc, InvalidInput):
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    elif isinstance(exc, EvidenceIncomplete):
        for reason in exc.reasons:
            form.add_error(None, reason)
    elif isinstance(exc, (FileTooLarge, NotAPdf)) and "file" in form.fields:
        form.add_error("file", exc.message)
    else:
        form.add_error(None, exc.message)
