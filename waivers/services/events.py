"""What follows a change, decided inside its transaction and run after the commit.

Connected in ``WaiversConfig.ready``: a case transition notifies the people it concerns and, for
a signed decision, queues its letter; a change of a case's evidence or sites re-runs its checks;
a change of the authority register or a reliance policy re-runs the maturity check of the cases
affected (once per transaction, however many rows changed).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
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
from ..selectors.notifications import applicants_of, assigned_reviewer, nra_staff_of
from . import notifications, outbox

ISSUE_LETTER = "waivers.tasks.issue_letter"
RUN_CHECKS = "waivers.tasks.run_case_checks"
RECHECK_MATURITY = "waivers.tasks.recheck_maturity"

#: The transitions that sign a decision, each of which is written up in a letter.
SIGNED_DECISIONS = {"sign", "revoke"}


@dataclass(frozen=True)
class Audience:
    """Who is told of a transition: the organisation's applicants, the addressed NRA's staff in
    some roles, the assigned reviewer."""

    applicants: bool = False
    nra_roles: tuple[str, ...] = ()
    reviewer: bool = False

    def of(self, waivers: list[WaiverRequest]) -> dict[int, list[int]]:
        """Each case's people (user ids), in at most two queries however many cases."""
        by_organisation: dict[int, list[int]] = defaultdict(list)
        if self.applicants:
            for pk, org in applicants_of({w.organisation_id for w in waivers}).values_list(
                "pk", "organisation_id"
            ):
                by_organisation[org].append(pk)
        by_nra: dict[int, list[int]] = defaultdict(list)
        if self.nra_roles:
            for pk, nra in nra_staff_of(
                {w.authority_id for w in waivers}, *self.nra_roles
            ).values_list("pk", "nra_id"):
                by_nra[nra].append(pk)
        return {
            w.pk: [
                *by_organisation[w.organisation_id],
                *by_nra[w.authority_id],
                *(assigned_reviewer(w) if self.reviewer else []),
            ]
            for w in waivers
        }


QUEUE = Audience(nra_roles=(Role.REVIEWER, Role.APPROVER))
REVIEWER = Audience(reviewer=True)
APPLICANTS = Audience(applicants=True)
APPROVERS = Audience(nra_roles=(Role.APPROVER,))

#: action → (e-mail template under templates/emails/, who is told). A lapse is told in the
#: expiry sweep's digest (services.expiry), which fires it.
CONCERNS: dict[str, tuple[str, Audience]] = {
    "submit": ("submitted", QUEUE),
    "assign": ("assigned", REVIEWER),
    "request_information": ("information_requested", APPLICANTS),
    "respond": ("responded", REVIEWER),
    "recommend": ("recommended", APPROVERS),
    "return": ("returned", REVIEWER),
    "sign": ("decided", Audience(applicants=True, reviewer=True)),
    "revoke": ("revoked", Audience(applicants=True, reviewer=True)),
    "withdraw": ("withdrawn", REVIEWER),
}


#: action → e-mail template confirming to the person who acted that it went through
CONFIRMATIONS = {"submit": "submission_received"}


def on_case_transitioned(
    sender: Any, *, waiver: WaiverRequest, action: str, actor: User | None, **kwargs: Any
) -> None:
    on_cases_transitioned(sender, waivers=[waiver], action=action, actor=actor)


def on_cases_transitioned(
    sender: Any, *, waivers: list[WaiverRequest], action: str, actor: User | None, **kwargs: Any
) -> None:
    """Tell the people concerned, queue letters and checks; one notify for all the cases."""
    concern = CONCERNS.get(action)
    if concern:
        event, audience = concern
        people = audience.of(waivers)
        actor_id = actor.pk if actor else None
        notifications.notify(
            notice
            for waiver in waivers
            for notice in notifications.notices(
                [u for u in people[waiver.pk] if u != actor_id],
                event=event,
                waiver=waiver,
                occasion=f"{waiver.pk}:v{waiver.version}",
                actor=actor,
                state=State(waiver.state).label,
            )
        )
    for waiver in waivers:
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
    transaction.on_commit(_flush_register_changes, robust=True)


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

    from .. import audit, case_counts, workflow

    audit.cases_changed.connect(case_counts.cases_changed, dispatch_uid="case-counts")
    workflow.case_transitioned.connect(on_case_transitioned, dispatch_uid="jobs-transitions")
    workflow.cases_transitioned.connect(on_cases_transitioned, dispatch_uid="jobs-transitions-many")
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
