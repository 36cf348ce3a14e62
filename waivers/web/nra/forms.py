"""Forms of the NRA pages. They translate input only; the workflow decides what is allowed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from ...assessment import ANSWERS, CRITERIA, answer_field, note_field
from ...models import CheckStatus, Outcome, Scope, State, User
from ...workflow import MEANING_TEXT, REVOCATION_MEANING, SIGNING_MEANING

_ANY = [("", "Any")]


class QueueFilterForm(forms.Form):
    """The queue's filters. Unknown values are dropped, never an error page."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Needs action")] + [(s.value, s.label) for s in State if s != State.DRAFT],
    )
    scope = forms.ChoiceField(label="Scope", required=False, choices=_ANY + list(Scope.choices))
    assignee = forms.ChoiceField(
        label="Assignee",
        required=False,
        choices=[*_ANY, ("mine", "Mine"), ("unassigned", "Unassigned")],
    )
    check_status = forms.ChoiceField(
        label="Checks",
        required=False,
        choices=[*_ANY, *[(c.value, c.label) for c in reversed(CheckStatus)], ("none", "Not run")],
    )
    overdue = forms.ChoiceField(
        label="Clock",
        required=False,
        choices=[*_ANY, ("yes", "Overdue"), ("no", "Within target")],
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("age", "Age (oldest submission first)"), ("clock", "Clock (longest first)")],
    )
    per_page = forms.TypedChoiceField(
        label="Per page",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(25, "25"), (50, "50"), (100, "100")],
    )

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.nra.queue from whatever was valid."""
        data = self.cleaned_data if self.is_valid() else {}
        overdue = {"yes": True, "no": False}.get(data.get("overdue") or "")
        return {
            "q": data.get("q") or None,
            "state": data.get("state") or None,
            "scope": data.get("scope") or None,
            "assignee": data.get("assignee") or None,
            "check_status": data.get("check_status") or None,
            "overdue": overdue,
            "sort": data.get("sort") or "age",
        }

    def page_size(self) -> int:
        return (self.cleaned_data.get("per_page") if self.is_valid() else None) or 25


class CaseActionForm(forms.Form):
    """Every action carries the version of the page it was taken on (stale pages are refused)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def params(self) -> dict[str, Any]:
        """What workflow.fire needs besides the action, actor and expected version."""
        return {k: v for k, v in self.cleaned_data.items() if k != "expected_version"}


class TakeForm(CaseActionForm):
    pass


class OverridesForm(CaseActionForm):
    """A decision that may go against failed automated checks: a justification field for each."""

    def __init__(self, *args: Any, failed_checks: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for outcome in failed_checks:
            self.fields[f"override_{outcome.check}"] = forms.CharField(
                label=f"Why decide against the failed {outcome.check} check?",
                help_text=outcome.detail,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=5000,
            )

    def override_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("override_")]

    def params(self) -> dict[str, Any]:
        params = {k: v for k, v in super().params().items() if not k.startswith("override_")}
        params["overrides"] = {
            name.removeprefix("override_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("override_") and value
        }
        return params


class ColleagueField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.printed_name} ({obj.get_role_display()})"


class AssignForm(CaseActionForm):
    reviewer = ColleagueField(label="Assign to", queryset=User.objects.none())

    def __init__(self, *args: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reviewer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = colleagues


class RequestInformationForm(CaseActionForm):
    message = forms.CharField(
        label="What do you need from the applicant?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class ReturnForm(CaseActionForm):
    message = forms.CharField(
        label="Why are you returning the recommendation?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class RecommendForm(OverridesForm):
    """The reliance checklist (an answer per criterion, a note where not met), then the outcome.

    The fields are optional here: what a recommendation needs depends on its outcome, and the
    workflow decides it (a rejection needs no checklist), with the same messages as the API's.
    """

    outcome = forms.ChoiceField(
        label="Recommended outcome", choices=Outcome.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label="Rationale", widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    conditions = forms.CharField(
        label="Conditions (required for a partial waiver, e.g. reduced testing)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self.fields[answer_field(criterion)] = forms.ChoiceField(
                label=criterion.label,
                help_text=criterion.guidance,
                choices=list(ANSWERS.items()),
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[note_field(criterion)] = forms.CharField(
                label=f"Note on: {criterion.label}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=5000,
            )

    def criteria(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[answer_field(c)], self[note_field(c)]) for c in CRITERIA]

    def params(self) -> dict[str, Any]:
        """The flat answer and note fields as the workflow's checklist: criterion → answer, note."""
        flat = super().params()
        flat["assessment"] = {
            c.key: {"answer": flat.pop(answer_field(c)), "note": flat.pop(note_field(c))}
            for c in CRITERIA
        }
        return flat


class SignForm(OverridesForm):
    """Re-authentication for the electronic signature; the meaning is stated, not chosen."""

    meaning_text = MEANING_TEXT[SIGNING_MEANING]
    meaning = forms.CharField(widget=forms.HiddenInput, initial=SIGNING_MEANING)
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RevokeForm(CaseActionForm):
    meaning_text = MEANING_TEXT[REVOCATION_MEANING]
    reason = forms.CharField(
        label="Reason for revocation (e.g. certificate withdrawn, quality complaint)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PeriodArchiveForm(forms.Form):
    start = forms.DateField(label="Decided from", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Decided to", widget=forms.DateInput(attrs={"type": "date"}))


class LegalHoldForm(forms.Form):
    hold = forms.TypedChoiceField(
        choices=[("1", "Put on legal hold"), ("0", "Release the legal hold")],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
