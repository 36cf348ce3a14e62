"""What follows a change, decided inside its transaction and run after the commit.

Connected in ``WaiversConfig.ready``: a case transition notifies the people it concerns and, for
a signed decision, queues its letter; a change of a case's evidence or sites re-runs its checks;
a change of the authority register or a reliance policy re-runs the maturity check of the cases
affected (once per transaction, however many rows changed).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model

from ..models import (
    Recognition,
    ReliancePolicy,
    Role,
    State,
    User,
    WaiverRequest,
)
from . import notifications, outbox
from .notifications import applicants, assigned_reviewer, nra_staff

ISSUE_LETTER = "waivers.tasks.issue_letter"
RUN_CHECKS = "waivers.tasks.run_case_checks"
RECHECK_MATURITY = "waivers.tasks.recheck_maturity"

#: The transitions that sign a decision, each of which is written up in a letter.
SIGNED_DECISIONS = {"sign", "revoke"}

Recipients = Callable[[WaiverRequest], Iterable[User | int]]


def _queue(w: WaiverRequest) -> Iterable[User]:
    return nra_staff(w, Role.REVIEWER, Role.APPROVER)


def _approvers(w: WaiverRequest) -> Iterable[User]:
    return nra_staff(w, Role.APPROVER)


def _applicants_and_reviewer(w: WaiverRequest) -> list[User | int]:
    return [*applicants(w), *assigned_reviewer(w)]


def _applicants_and_approvers(w: WaiverRequest) -> list[User | int]:
    return [*applicants(w), *_approvers(w)]


#: action → (e-mail template under templates/emails/, who is told)
CONCERNS: dict[str, tuple[str, Recipients]] = {
    "submit": ("submitted", _queue),
    "assign": ("assigned", assigned_reviewer),
    "request_information": ("information_requested", applicants),
    "respond": ("responded", assigned_reviewer),
    "recommend": ("recommended", _approvers),
    "return": ("returned", assigned_reviewer),
    "sign": ("decided", _applicants_and_reviewer),
    "revoke": ("revoked", _applicants_and_reviewer),
    "lapse": ("expired", _applicants_and_approvers),
    "withdraw": ("withdrawn", assigned_reviewer),
}


#: action → e-mail template confirming to the person who acted that it went through
CONFIRMATIONS = {"submit": "submission_received"}


def on_case_transitioned(
    sender: Any, *, waiver: WaiverRequest, action: str, actor: User | None, **kwargs: Any
) -> None:
    concern = CONCERNS.get(action)
    if concern:
        event, recipients = concern
        actor_id = actor.pk if actor else None
        people = [u for u in recipients(waiver) if getattr(u, "pk", u) != actor_id]
        notifications.notify(
            notifications.notices(
                people,
                event=event,
                waiver=waiver,
                occasion=f"{waiver.pk}:v{waiver.version}",
                actor=actor,
                state=State(waiver.state).label,
            )
        )
    if action in CONFIRMATIONS and actor is not None:
        notifications.notify(
            notifications.notices(
                [actor],
                event=CONFIRMATIONS[action],
                waiver=waiver,
                occasion=f"{waiver.pk}:v{waiver.version}",
                actor=actor,
            )
        )
    if action in SIGNED_DECISIONS:
        outbox.enqueue(
            ISSUE_LETTER, dedupe_key=f"letter:{waiver.pk}:{waiver.state}", waiver_id=waiver.pk
        )
    if action == "submit":
        outbox.enqueue(RUN_CHECKS, waiver_id=waiver.pk)


def on_case_evidence_changed(
    sender: Any, *, instance: Model, action: str, reverse: bool, pk_set: set[int] | None, **kw: Any
) -> None:
    """Evidence or sites added to or removed from a case (either side of the relation)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    waiver_ids = (pk_set or set()) if reverse else {instance.pk}
    for waiver_id in sorted(waiver_ids):
        outbox.enqueue(RUN_CHECKS, waiver_id=waiver_id)


# Register and policy changes: collected per thread, flushed once after the commit ------------

_pending = threading.local()


def _collect(kind: str, pk: int | None) -> None:
    if pk is None:
        return
    if not hasattr(_pending, "ids"):
        _pending.ids = {"authority_ids": set(), "nra_ids": set()}
    _pending.ids[kind].add(pk)
    # Registered on every change: the first flush after the commit takes all, the rest find none.
    transaction.on_commit(_flush_register_changes)


def _flush_register_changes() -> None:
    ids = getattr(_pending, "ids", None)
    if not ids or not (ids["authority_ids"] or ids["nra_ids"]):
        return
    _pending.ids = {"authority_ids": set(), "nra_ids": set()}
    outbox.enqueue(
        RECHECK_MATURITY,
        authority_ids=sorted(ids["authority_ids"]),
        nra_ids=sorted(ids["nra_ids"]),
    )


def on_recognition_changed(sender: Any, *, instance: Recognition, **kwargs: Any) -> None:
    _collect("authority_ids", instance.authority_id)


def on_policy_changed(sender: Any, *, instance: ReliancePolicy, **kwargs: Any) -> None:
    _collect("nra_ids", instance.authority_id)


def on_mra_partners_changed(
    sender: Any, *, instance: Model, action: str, reverse: bool, pk_set: set[int] | None, **kw: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:
        for pk in ReliancePolicy.objects.filter(pk__in=pk_set or ()).values_list(
            "authority_id", flat=True
        ):
            _collect("nra_ids", pk)
    else:
        _collect("nra_ids", getattr(instance, "authority_id", None))


def connect() -> None:
    """Wire the receivers (called once from WaiversConfig.ready)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .. import workflow

    workflow.case_transitioned.connect(on_case_transitioned, dispatch_uid="jobs-transitions")
    for through in (WaiverRequest.certificates.through, WaiverRequest.sites.through):
        m2m_changed.connect(
            on_case_evidence_changed, sender=through, dispatch_uid=f"jobs-evidence-{through}"
        )
    post_save.connect(on_recognition_changed, sender=Recognition, dispatch_uid="jobs-recog-save")
    post_delete.connect(on_recognition_changed, sender=Recognition, dispatch_uid="jobs-recog-del")
    post_save.connect(on_policy_changed, sender=ReliancePolicy, dispatch_uid="jobs-policy-save")
    m2m_changed.connect(
        on_mra_partners_changed,
        sender=ReliancePolicy.mra_partners.through,
        dispatch_uid="jobs-policy-mra",
    )
