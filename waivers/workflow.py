"""The one table of states and transitions of a waiver request, and the function that fires them.

Every state change goes through :func:`fire`: it locks the case row, checks who may act and
from which state, applies the transition's effect, bumps the version and appends an audit entry,
all in one database transaction. Listeners of :data:`case_transitioned` (notifications, letters)
run inside that transaction and queue their work for after the commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from . import audit, checks
from .assessment import checklist
from .errors import (
    AlreadyDone,
    DomainError,
    EvidenceIncomplete,
    InvalidInput,
    NotPermitted,
    SignatureRejected,
    SigningLocked,
    StaleCase,
    TransitionNotAllowed,
)
from .models import (
    GRANTED_STATES,
    SAMPLING_FIELDS,
    AuditEntry,
    Certificate,
    CertificateKind,
    CheckStatus,
    Message,
    Outcome,
    Role,
    Signature,
    State,
    User,
    WaiverRequest,
)

#: Sent inside the transition's transaction with waiver, action, actor, from_state, to_state.
case_transitioned = Signal()
#: Sent once inside the transaction of :func:`fire_many` with waivers, action and actor.
cases_transitioned = Signal()

SIGNING_MEANING = "approval"
REVOCATION_MEANING = "revocation"
MEANING_TEXT = {
    SIGNING_MEANING: "Approval of waiver decision",
    REVOCATION_MEANING: "Revocation of waiver",
}

Params = dict[str, Any]
#: Who may act, beyond the role: "" when ``actor`` qualifies on ``case``, else the reason not.
Requirement = Callable[[WaiverRequest, User], str]


@dataclass(frozen=True)
class Transition:
    """One action: from which states, by which roles, to which state.

    ``requires`` says to whom, beyond the role, the action is offered (and allowed): it is checked
    by :func:`allowed_actions` and again on firing. ``guard`` checks the action's input, which only
    firing has; ``effect`` changes the locked case and may name the target state.
    """

    action: str
    label: str
    sources: frozenset[str]
    roles: frozenset[str]
    target: str | None
    effect: Callable[[WaiverRequest, User | None, Params], str | None] = field(
        default=lambda c, a, p: None
    )
    guard: Callable[[WaiverRequest, User | None, Params], None] = field(
        default=lambda c, a, p: None
    )
    requires: tuple[Requirement, ...] = ()
    # The guard checks the actor's password (an electronic signature): see _check_password.
    reauthenticates: bool = False
    # Where ``target`` is None: the states the effect chooses among.
    outcomes: frozenset[str] = frozenset()

    @property
    def targets(self) -> frozenset[str]:
        """Every state this action can lead to."""
        return frozenset({self.target}) if self.target else self.outcomes


def _required_text(params: Params, name: str, label: str) -> str:
    value = str(params.get(name) or "").strip()
    if not value:
        raise InvalidInput({name: [f"{label} is required."]})
    return value


def _post_message(case: WaiverRequest, actor: User | None, kind: str, body: str) -> None:
    assert actor is not None
    Message.objects.create(waiver=case, author=actor, kind=kind, body=body)


def _assigned_reviewer(case: WaiverRequest, actor: User) -> str:
    if case.reviewer_id == actor.pk:
        return ""
    return "Only the reviewer assigned to this case can do that; take the case first."


def _second_person(case: WaiverRequest, actor: User) -> str:
    if case.recommended_by_id != actor.pk:
        return ""
    return "You recommended this decision; a second person must sign it."


def _failed_checks(case: WaiverRequest) -> list[checks.Outcome]:
    """The automated checks that fail on the case now (run afresh, never read from storage)."""
    return [o for o in checks.run_all(case) if o.status == CheckStatus.FAIL]


def overridable_checks(case: WaiverRequest) -> list[checks.Outcome]:
    """The failed checks a waiver may be granted against, with a justification each, by policy."""
    policy = getattr(case.authority, "policy", None)
    return _failed_checks(case) if policy is not None and policy.allow_check_override else []


def _decide_against_failed_checks(case: WaiverRequest, actor: User | None, params: Params) -> None:
    """A waiver is granted only on passing checks, or against a failed one with a justification.

    Overriding is the NRA's policy's choice (``allow_check_override``); each failed check then
    needs its own written justification in ``overrides`` (check → text). The overrides are kept
    on the case and audited one entry each by :func:`fire`.
    """
    failed = _failed_checks(case)
    policy = getattr(case.authority, "policy", None)
    given = {k: str(v or "").strip() for k, v in (params.get("overrides") or {}).items()}
    if not failed:
        case.check_overrides = {}
        return
    if policy is None or not policy.allow_check_override:
        raise InvalidInput(
            {
                "outcome": [
                    "A waiver cannot be granted while an automated check fails: "
                    + " ".join(f"{o.check.capitalize()}: {o.detail}" for o in failed)
                    + " Fix the evidence, or recommend a rejection."
                ]
            }
        )
    missing = {
        o.check: [f"The {o.check} check fails ({o.detail}); justify deciding against it."]
        for o in failed
        if not given.get(o.check)
    }
    if missing:
        raise InvalidInput({f"override_{check}": msgs for check, msgs in missing.items()})
    assert actor is not None
    case.check_overrides = {
        o.check: {"detail": o.detail, "justification": given[o.check], "by": actor.printed_name}
        for o in failed
    }


def _check_password(case: WaiverRequest, actor: User | None, params: Params) -> None:
    """Re-authentication for an electronic signature, with a lock after repeated failures.

    fire() holds the actor's row lock from before this count until the refusal is recorded, so
    parallel attempts are counted one after another and no more than the limit reach the password.
    """
    assert actor is not None
    since = timezone.now() - settings.SIGNING_LOCKOUT
    failures = AuditEntry.objects.filter(
        actor=actor, action="signature_refused", at__gte=since
    ).count()
    if failures >= settings.SIGNING_MAX_FAILURES:
        minutes = int(settings.SIGNING_LOCKOUT.total_seconds() // 60)
        raise SigningLocked(
            f"Signing is locked after {failures} wrong passwords; try again in {minutes} minutes."
        )
    if not actor.check_password(str(params.get("password") or "")):
        raise SignatureRejected("The password is not correct; the signature was not applied.")


def _guard_submit(case: WaiverRequest, actor: User | None, params: Params) -> None:
    missing = checks.missing_for_submission(case)
    if missing:
        raise EvidenceIncomplete(missing)


def _effect_submit(case: WaiverRequest, actor: User | None, params: Params) -> None:
    case.submitted_at = timezone.now()
    case.clock_paused_seconds = 0
    case.clock_paused_since = None


NOT_A_REVIEWER = "Choose an active reviewer of this NRA."


def _guard_assign(case: WaiverRequest, actor: User | None, params: Params) -> None:
    """``reviewer`` is a User (the edges resolve ids); left out or None: the actor takes it."""
    assignee = params.get("reviewer") or actor
    if (
        not isinstance(assignee, User)
        or not assignee.is_active
        or assignee.role not in (Role.REVIEWER, Role.APPROVER)
        or assignee.nra_id != case.authority_id
    ):
        raise InvalidInput({"reviewer": [NOT_A_REVIEWER]})
    if case.state == State.UNDER_REVIEW and case.reviewer_id == assignee.pk:
        raise AlreadyDone(f"{assignee.printed_name} already reviews this case.")
    params["reviewer"] = assignee


def _effect_assign(case: WaiverRequest, actor: User | None, params: Params) -> None:
    case.reviewer = params["reviewer"]


def _effect_request_information(case: WaiverRequest, actor: User | None, params: Params) -> None:
    _post_message(
        case, actor, "information_request", _required_text(params, "message", "A message")
    )
    case.clock_paused_since = timezone.now()


def _effect_respond(case: WaiverRequest, actor: User | None, params: Params) -> None:
    body = _required_text(params, "message", "A message")
    ids = [c.pk if isinstance(c, Certificate) else c for c in params.get("certificates") or []]
    certificates = list(
        Certificate.objects.filter(pk__in=ids, organisation_id=case.organisation_id)
    )
    if len(certificates) != len(set(ids)):
        raise InvalidInput({"certificates": ["Choose certificates of your own organisation."]})
    _post_message(case, actor, "response", body)
    case.certificates.add(*certificates)
    if certificates:
        params.setdefault("_changes", {})["certificates_added"] = sorted(c.pk for c in certificates)
    if case.clock_paused_since:
        case.clock_paused_seconds += int((timezone.now() - case.clock_paused_since).total_seconds())
        case.clock_paused_since = None


def _effect_recommend(case: WaiverRequest, actor: User | None, params: Params) -> None:
    outcome = params.get("outcome")
    if outcome not in Outcome.values:
        raise InvalidInput({"outcome": [f"Choose one of: {', '.join(Outcome.values)}."]})
    rationale = _required_text(params, "rationale", "A rationale")
    conditions = str(params.get("conditions") or "").strip()
    if outcome == Outcome.PARTIAL and not conditions:
        raise InvalidInput(
            {"conditions": ["A partial waiver states its conditions (e.g. reduced testing)."]}
        )
    assessment = checklist(params.get("assessment"), outcome=outcome)
    if outcome == Outcome.REJECT:
        case.check_overrides = {}
    else:
        _decide_against_failed_checks(case, actor, params)
    case.recommended_outcome = outcome
    case.rationale = rationale
    case.conditions = conditions
    case.assessment = assessment
    case.recommended_by = actor


def _effect_return(case: WaiverRequest, actor: User | None, params: Params) -> None:
    _post_message(case, actor, "return", _required_text(params, "message", "A message"))
    case.recommended_by = None
    case.recommended_outcome = ""


def _guard_sign(case: WaiverRequest, actor: User | None, params: Params) -> None:
    """The signature's meaning and password; then the decision's rules, checked afresh."""
    if params.get("meaning") != SIGNING_MEANING:
        raise InvalidInput(
            {"meaning": [f'State the meaning of the signature: "{SIGNING_MEANING}".']}
        )
    _check_password(case, actor, params)
    checklist(case.assessment, outcome=case.recommended_outcome)


def decided_content(case: WaiverRequest) -> dict[str, Any]:
    """What a signature is bound to: the decision and everything it rests on."""
    content = {
        "reference": case.reference,
        "authority": case.authority.code,
        "organisation": case.organisation.name,
        "scope": case.scope,
        "product": case.product.name,
        "sites": sorted(s.name for s in case.sites.all()),
        "certificates": sorted(c.sha256 for c in case.certificates.all()),
        "sampling": {f: getattr(case, f) for f in SAMPLING_FIELDS},
        "outcome": case.outcome or case.recommended_outcome,
        "rationale": case.rationale,
        "conditions": case.conditions,
        "valid_until": case.valid_until,
        "state": case.state,
    }
    if case.check_overrides:  # absent when none, so signatures made before overrides still match
        content["check_overrides"] = case.check_overrides
    return content


def content_hash(case: WaiverRequest) -> str:
    canonical = json.dumps(
        decided_content(case), sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def waiver_valid_until(case: WaiverRequest) -> Any:
    """The earlier of the policy's longest waiver period and the expiry of the evidence relied on."""
    policy = getattr(case.authority, "policy", None)
    days = policy.waiver_validity_days if policy else 1095
    limits = [timezone.now().date() + timedelta(days=days)]
    limits += [
        c.valid_until
        for c in case.certificates.all()
        if c.kind in (CertificateKind.GMP, CertificateKind.CPP) and c.valid_until
    ]
    return min(limits)


def _sign(case: WaiverRequest, actor: User | None, meaning: str) -> None:
    assert actor is not None
    Signature.objects.create(
        waiver=case,
        signer=actor,
        printed_name=actor.printed_name,
        meaning=MEANING_TEXT[meaning],
        signed_at=timezone.now(),
        content_hash=content_hash(case),
    )


#: The state a signature puts a case in, by the recommended outcome.
DECIDED_STATE = {
    Outcome.APPROVE: State.APPROVED,
    Outcome.PARTIAL: State.PARTIALLY_APPROVED,
    Outcome.REJECT: State.REJECTED,
}


def _effect_sign(case: WaiverRequest, actor: User | None, params: Params) -> str:
    target = DECIDED_STATE[Outcome(case.recommended_outcome)]
    if target in GRANTED_STATES:
        _decide_against_failed_checks(case, actor, params)
    case.outcome = case.recommended_outcome
    case.decided_at = timezone.now()
    case.valid_until = waiver_valid_until(case) if target in GRANTED_STATES else None
    case.state = target
    _sign(case, actor, SIGNING_MEANING)
    return target


def _guard_revoke(case: WaiverRequest, actor: User | None, params: Params) -> None:
    _required_text(params, "reason", "A reason")
    _check_password(case, actor, params)


def _effect_revoke(case: WaiverRequest, actor: User | None, params: Params) -> None:
    case.state = State.REVOKED
    _sign(case, actor, REVOCATION_MEANING)


PRE_DECISION = frozenset(
    {
        State.DRAFT,
        State.SUBMITTED,
        State.UNDER_REVIEW,
        State.INFORMATION_REQUESTED,
        State.RECOMMENDED,
    }
)
APPLICANT = frozenset({Role.APPLICANT})
NRA_STAFF = frozenset({Role.REVIEWER, Role.APPROVER})
APPROVER = frozenset({Role.APPROVER})
SYSTEM: frozenset[str] = frozenset()

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "submit",
            "submit",
            frozenset({State.DRAFT}),
            APPLICANT,
            State.SUBMITTED,
            effect=_effect_submit,
            guard=_guard_submit,
        ),
        Transition("withdraw", "withdraw", PRE_DECISION, APPLICANT, State.WITHDRAWN),
        Transition(
            "assign",
            "assign",
            frozenset({State.SUBMITTED, State.UNDER_REVIEW}),
            NRA_STAFF,
            State.UNDER_REVIEW,
            effect=_effect_assign,
            guard=_guard_assign,
        ),
        Transition(
            "request_information",
            "request information on",
            frozenset({State.UNDER_REVIEW}),
            NRA_STAFF,
            State.INFORMATION_REQUESTED,
            effect=_effect_request_information,
            requires=(_assigned_reviewer,),
        ),
        Transition(
            "respond",
            "respond to",
            frozenset({State.INFORMATION_REQUESTED}),
            APPLICANT,
            State.UNDER_REVIEW,
            effect=_effect_respond,
        ),
        Transition(
            "recommend",
            "recommend a decision on",
            frozenset({State.UNDER_REVIEW}),
            NRA_STAFF,
            State.RECOMMENDED,
            effect=_effect_recommend,
            requires=(_assigned_reviewer,),
        ),
        Transition(
            "return",
            "return",
            frozenset({State.RECOMMENDED}),
            APPROVER,
            State.UNDER_REVIEW,
            effect=_effect_return,
        ),
        Transition(
            "sign",
            "sign",
            frozenset({State.RECOMMENDED}),
            APPROVER,
            None,
            effect=_effect_sign,
            guard=_guard_sign,
            requires=(_second_person,),
            reauthenticates=True,
            outcomes=frozenset(DECIDED_STATE.values()),
        ),
        Transition(
            "revoke",
            "revoke",
            frozenset(GRANTED_STATES),
            APPROVER,
            State.REVOKED,
            effect=_effect_revoke,
            guard=_guard_revoke,
            reauthenticates=True,
        ),
        Transition("lapse", "let lapse", frozenset(GRANTED_STATES), SYSTEM, State.EXPIRED),
    ]
}

AUDITED_FIELDS = [
    "state",
    "reviewer_id",
    "submitted_at",
    "recommended_by_id",
    "recommended_outcome",
    "rationale",
    "conditions",
    "assessment",
    "check_overrides",
    "outcome",
    "decided_at",
    "valid_until",
    "clock_paused_seconds",
]


def _snapshot(case: WaiverRequest) -> dict[str, Any]:
    return {name: getattr(case, name) for name in AUDITED_FIELDS}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"old": before[k], "new": after[k]} for k in after if before.get(k) != after[k]}


def _permit(transition: Transition, case: WaiverRequest, actor: User | None) -> None:
    if actor is None:
        if transition.roles:
            raise NotPermitted("This action needs a signed-in user.")
        return
    if actor.role not in transition.roles:
        raise NotPermitted(
            f"Your role ({actor.get_role_display()}) cannot {transition.label} a case."
        )
    if actor.role == Role.APPLICANT and actor.organisation_id != case.organisation_id:
        raise NotPermitted("This case belongs to another organisation.")
    if actor.role in NRA_STAFF and actor.nra_id != case.authority_id:
        raise NotPermitted("This case is addressed to another NRA.")


def _refusal(transition: Transition, case: WaiverRequest, actor: User | None) -> str:
    """Why the transition's requirements (beyond role and state) refuse the actor, or ""."""
    if actor is None:
        return ""
    return next(filter(None, (requirement(case, actor) for requirement in transition.requires)), "")


def allowed_actions(case: WaiverRequest, actor: User) -> list[str]:
    """The actions this user may try now (guards with input, like passwords, are checked on firing)."""
    allowed = []
    for t in TRANSITIONS.values():
        if case.state not in t.sources or not t.roles:
            continue
        try:
            _permit(t, case, actor)
        except NotPermitted:
            continue
        if not _refusal(t, case, actor):
            allowed.append(t.action)
    return allowed


def fire(
    waiver: WaiverRequest | int,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    expected_version: int | None = None,
    **params: Any,
) -> WaiverRequest:
    """Fire ``action`` on the case, whole or not at all. Raises a DomainError when refused."""
    transition = TRANSITIONS[action]
    params.setdefault("reason", reason)
    pk = waiver.pk if isinstance(waiver, WaiverRequest) else waiver
    refused: SignatureRejected | None = None
    with transaction.atomic():
        case = WaiverRequest.objects.select_for_update().select_related("authority").get(pk=pk)
        if expected_version is not None and case.version != expected_version:
            raise StaleCase(case.state)
        if transition.reauthenticates and actor is not None:
            # Taken outside the savepoint below, whose rollback would release it.
            list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk"))
        try:
            with transaction.atomic():  # a refused signature leaves nothing but its record
                overridden = dict(case.check_overrides)
                entry = _apply(transition, case, actor, params, reason, timezone.now())
                case.save()
                _audit_overrides(case, actor, overridden, entry.from_state)
                audit.append([entry])
                case_transitioned.send(
                    sender=WaiverRequest,
                    waiver=case,
                    action=action,
                    actor=actor,
                    from_state=entry.from_state,
                    to_state=entry.to_state,
                )
        except SignatureRejected as exc:
            refused = exc
            audit.record(
                case,
                actor=actor,
                action="signature_refused",
                from_state=case.state,
                to_state=case.state,
                reason=f"wrong password when trying to {transition.label}",
            )
    if refused is not None:
        raise refused
    return case


def _audit_overrides(
    case: WaiverRequest, actor: User | None, before: dict[str, Any], state: str
) -> None:
    """One entry per failed check newly decided against, with its justification as the reason."""
    for check, override in case.check_overrides.items():
        if before.get(check) != override:
            audit.record(
                case,
                actor=actor,
                action="check_overridden",
                from_state=state,
                to_state=state,
                changes={"check": check, "detail": override["detail"]},
                reason=override["justification"],
            )


def fire_many(reasons: dict[int, str], action: str) -> list[WaiverRequest]:
    """Fire a system ``action`` (one no user starts) on many cases at once, in one transaction.

    ``reasons`` maps each case's id to the reason recorded in its trail. The table, the guards and
    the effects are those :func:`fire` applies (a system effect may change only audited fields:
    those are what is written); the rows are locked, written and audited together, and cases the
    action no longer applies to (moved on meanwhile) are left out of the result.
    """
    transition = TRANSITIONS[action]
    if transition.roles:
        raise ValueError(f"{action} is started by a user; fire it with fire().")
    fired, entries, now = [], [], timezone.now()
    with transaction.atomic():
        cases = (
            WaiverRequest.objects.select_for_update(of=("self",))
            .select_related("authority", "product", "organisation")
            .filter(pk__in=list(reasons))
            .order_by("pk")
        )
        for case in cases:
            try:
                entries.append(
                    _apply(
                        transition, case, None, {"reason": reasons[case.pk]}, reasons[case.pk], now
                    )
                )
            except DomainError:
                continue
            fired.append(case)
        # One UPDATE per set of new values (for a lapse: one), not one per case.
        groups: dict[str, tuple[dict[str, Any], list[int]]] = {}
        for case, entry in zip(fired, entries, strict=True):
            values = {f: getattr(case, f) for f in AUDITED_FIELDS if f in entry.changes}
            groups.setdefault(repr(sorted(values.items())), (values, []))[1].append(case.pk)
        for values, pks in groups.values():
            WaiverRequest.objects.filter(pk__in=pks).update(
                version=F("version") + 1, updated_at=now, **values
            )
        audit.append(entries)
        cases_transitioned.send(sender=WaiverRequest, waivers=fired, action=action, actor=None)
    return fired


def _apply(
    transition: Transition,
    case: WaiverRequest,
    actor: User | None,
    params: Params,
    reason: str,
    now: datetime,
) -> AuditEntry:
    """Check and apply a transition to a locked case (not saved); return its unsaved audit entry."""
    _permit(transition, case, actor)
    if case.state not in transition.sources:
        raise TransitionNotAllowed(transition.action, case.state, transition.label)
    refusal = _refusal(transition, case, actor)
    if refusal:
        raise NotPermitted(refusal)
    transition.guard(case, actor, params)
    before, from_state = _snapshot(case), case.state
    target = transition.effect(case, actor, params) or transition.target
    assert target is not None
    case.state = target
    case.version += 1
    case.updated_at = now
    return audit.entry(
        case,
        actor=actor,
        action=transition.action,
        from_state=from_state,
        to_state=target,
        changes=diff(before, _snapshot(case)) | params.get("_changes", {}),
        reason=reason or str(params.get("message") or params.get("reason") or ""),
    )
