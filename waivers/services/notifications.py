"""Telling people what concerns them: an in-app notification and an e-mail, each sent once.

A notification's ``dedupe_key`` names the event, the person and the occasion, so a task or a sweep
that runs twice creates nothing new; its e-mail is claimed row by row before sending, so two
workers never send the same e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models import Notification, User, WaiverRequest
from . import outbox

logger = logging.getLogger(__name__)

SEND_EMAILS = "waivers.tasks.send_notification_emails"
#: Notices stored per round trip, fewer when their bodies are long: a digest of the expiry sweep
#: may list thousands of occasions, and a round trip's text is copied several times on its way.
BATCH = 2000
BATCH_CHARS = 2_000_000


@dataclass(frozen=True)
class Notice:
    user_id: int
    waiver_id: int | None
    event: str
    subject: str
    body: str
    dedupe_key: str


def render(event: str, **context: Any) -> tuple[str, str]:
    """Subject (the template's first line) and body from templates/emails/<event>.txt."""
    context.setdefault("site_url", settings.SITE_URL)
    waiver = context.get("waiver")
    if isinstance(waiver, WaiverRequest):
        context.setdefault(
            "case_url", settings.SITE_URL + reverse("case_detail", args=[waiver.reference])
        )
    text = render_to_string(f"emails/{event}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip()[:300], body.strip()


def notices(
    users: Iterable[User | int],
    *,
    event: str,
    waiver: WaiverRequest | None,
    occasion: str,
    **ctx: Any,
) -> list[Notice]:
    """One notice per person for one occasion (e.g. a case version, a certificate's expiry date)."""
    subject, body = render(event, waiver=waiver, **ctx)
    return [
        Notice(
            user_id=uid,
            waiver_id=waiver.pk if waiver else None,
            event=event,
            subject=subject,
            body=body,
            dedupe_key=dedupe_key(event, occasion, uid),
        )
        for uid in recipient_ids(users)
    ]


def recipient_ids(users: Iterable[User | int]) -> list[int]:
    return sorted({u.pk if isinstance(u, User) else u for u in users})


def dedupe_key(event: str, occasion: str, user_id: int) -> str:
    """What makes a notice once-only: the event, the occasion and the person."""
    return f"{event}:{occasion}:u{user_id}"[:200]


def already_sent(keys: Iterable[str]) -> set[str]:
    """The keys among these that a notification was stored under before."""
    return set(
        Notification.objects.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", flat=True)
    )


def notify(items: Iterable[Notice]) -> int:
    """Store the notices not sent before and queue their e-mails; returns how many were new.

    ``items`` is read in batches, so a generator of many notices is stored without holding them all.
    """
    new = 0
    for batch in _batches(items):
        unique = {n.dedupe_key: n for n in batch}
        sent = already_sent(unique)
        now = timezone.now()
        fresh = [
            Notification(
                user_id=n.user_id,
                waiver_id=n.waiver_id,
                event=n.event,
                subject=n.subject,
                body=n.body,
                dedupe_key=key,
                created_at=now,
            )
            for key, n in unique.items()
            if key not in sent
        ]
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
        new += len(fresh)
    if new:
        outbox.enqueue(SEND_EMAILS)
    return new


def _batches(items: Iterable[Notice]) -> Iterator[list[Notice]]:
    batch: list[Notice] = []
    chars = 0
    for notice in items:
        batch.append(notice)
        chars += len(notice.body)
        if len(batch) == BATCH or chars >= BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def send_pending_emails(limit: int = 1000) -> int:
    """E-mail every notification not e-mailed yet; each one is claimed first, so it goes once."""
    sent = 0
    waiting = (
        Notification.objects.filter(emailed_at__isnull=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("created_at")[:limit]
    )
    for notification in waiting:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.user.email],
            )
        except Exception:
            # Give the claim back so the retry sends it.
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


# The in-app list (its reads are in selectors.notifications) ------------------------------


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all, or ``ids``) as read; someone else's are untouched."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
