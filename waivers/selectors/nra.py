"""What NRA staff read: the queue of their NRA's cases and one case with everything it shows.

Every query starts from ``waivers_for(user)``, so a case of another NRA is simply absent (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Floor
from django.utils import timezone

from .. import case_counts, sql
from ..access import case_scope, waivers_for
from ..models import (
    OPEN_STATES,
    Certificate,
    Message,
    Organisation,
    Product,
    ReliancePolicy,
    Role,
    User,
    WaiverRequest,
)

DEFAULT_TARGET_DAYS = ReliancePolicy._meta.get_field("target_review_days").get_default()

SORTS = {
    # Oldest submission first: served by the index queue_by_state_submitted.
    "age": ("submitted_at", "pk"),
    # Longest on the clock first (paused time excluded): computed, sorted after the index filter.
    "clock": ("-clock_seconds", "submitted_at", "pk"),
}


def target_review_days(user: User) -> int:
    """The review-time target of the user's NRA (its policy's, or the policy default)."""
    if user.nra_id is None:
        return DEFAULT_TARGET_DAYS
    policy = ReliancePolicy.objects.filter(authority_id=user.nra_id)
    target = policy.values_list("target_review_days", flat=True).first()
    return DEFAULT_TARGET_DAYS if target is None else target


def with_clock_seconds(
    qs: QuerySet[WaiverRequest], now: datetime | None = None
) -> QuerySet[WaiverRequest]:
    """Annotate ``clock_seconds``: the SQL twin of ``clock_days``, in seconds.

    It runs from submission to the decision, stands still from ``clock_paused_since`` and
    excludes ``clock_paused_seconds`` of earlier pauses, exactly as ``WaiverRequest.clock_days``
    counts (a test holds the two together). In SQL so that the queue can filter and sort by it
    and still paginate in the database; from the case's own columns, so a sort needs no join.
    """
    end = Coalesce(
        "decided_at",
        "clock_paused_since",
        Value(now or timezone.now(), output_field=DateTimeField()),
    )
    return qs.annotate(
        clock_seconds=ExpressionWrapper(
            sql.EpochSeconds(end) - sql.EpochSeconds("submitted_at") - F("clock_paused_seconds"),
            output_field=FloatField(),
        )
    )


def with_clock(
    qs: QuerySet[WaiverRequest], now: datetime | None = None, *, target_days: int | None = None
) -> QuerySet[WaiverRequest]:
    """The review clock against the NRA's target: ``clock_seconds``, ``days_on_clock`` (whole
    days), ``target_days`` and ``overdue`` (an open case past it).

    ``target_days`` is the target when every case is one NRA's, as in its queue: it spares
    joining each case to its authority's policy (the join kept the count and the clock sort
    from being index-only scans of the case table).
    """
    target = (
        Value(target_days)
        if target_days is not None
        else Coalesce("authority__policy__target_review_days", Value(DEFAULT_TARGET_DAYS))
    )
    return with_clock_seconds(qs, now).annotate(
        days_on_clock=Floor(F("clock_seconds") / 86400, output_field=IntegerField()),
        target_days=target,
        overdue=Case(
            When(
                Q(clock_seconds__gt=F("target_days") * 86400) & Q(state__in=OPEN_STATES),
                then=Value(True),
            ),
            default=Value(False),
        ),
    )


def queue(
    *,
    user: User,
    state: str | None = None,
    scope: str | None = None,
    assignee: str | None = None,
    check_status: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    sort: str = "age",
    target_days: int | None = None,
) -> QuerySet[WaiverRequest]:
    """The cases of the user's NRA that need action, filtered and sorted as the queue asks.

    ``target_days`` is the NRA's review target (``target_review_days``), read here for the
    overdue filter when the caller has not read it already.

    Page it with ``paging.IdsFirstPaginator`` and ``with_queue_columns``: the count and a deep
    page's ids come from the filters and sort alone, and only the page's rows are joined and
    annotated. Index use (migration 0003 and
    WaiverRequest.Meta.indexes):
    - the open cases (the default) are read from open_queue_by_submission in submission order,
      and the scope, assignee and overdue filters and the sort by clock from the columns it
      includes: any page, and the count, are index-only;
    - a decided ``state`` uses queue_by_state_submitted (authority, state, submitted_at);
    - ``check_status`` reads the case's own column (kept with its results), which the open-queue
      index includes;
    - ``q`` ORs three index scans (see ``_matching``).
    """
    if sort not in SORTS:
        sort = "age"
    qs = waivers_for(user)
    if overdue is not None:
        target = target_review_days(user) if target_days is None else target_days
        qs = with_clock(qs, target_days=target)
    elif sort == "clock":
        qs = with_clock_seconds(qs)
    qs = qs.filter(state=state) if state else qs.filter(state__in=OPEN_STATES)
    if scope:
        qs = qs.filter(scope=scope)
    if assignee == "mine":
        qs = qs.filter(reviewer=user)
    elif assignee == "unassigned":
        qs = qs.filter(reviewer__isnull=True)
    if check_status:
        qs = qs.filter(check_status="" if check_status == "none" else check_status)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)  # type: ignore[misc]  # annotated by with_clock
    if q and q.strip():
        qs = qs.filter(_matching(q.strip()))
    return qs.order_by(*SORTS[sort])


#: The columns of a queue row (with_queue_columns).
QUEUE_ROW_FIELDS = (
    "reference",
    "state",
    "scope",
    "version",
    "organisation__name",
    "authority_id",
    "product__name",
    "product__atmp_class",
    "reviewer__username",
    "reviewer__first_name",
    "reviewer__last_name",
    "recommended_by_id",
    "submitted_at",
    "decided_at",
    "clock_paused_since",
    "clock_paused_seconds",
    "check_status",
)


def with_queue_columns(
    qs: QuerySet[WaiverRequest], *, target_days: int | None = None
) -> QuerySet[WaiverRequest]:
    """What a queue row shows besides the case: applicant, product, assignee, clock, worst check.

    Only the columns a row shows or its Take button's guard reads (``workflow.allowed_actions``):
    a case's justification, sampling and assessment are most of its bytes, and decoding them
    for 25 rows cost more than the page's SQL.
    """
    return (
        with_clock(qs, target_days=target_days)
        .select_related("organisation", "product", "reviewer")
        .only(*QUEUE_ROW_FIELDS)
    )


def _matching(term: str) -> Q:
    """Reference, applicant or product containing ``term``, each alternative indexable alone.

    An OR across joined tables cannot use any index; matching organisations and products are
    looked up first (trigram indexes, migration 0003) and passed as lists, so PostgreSQL ORs
    three bitmap index scans on the case table. (A subquery instead of a list would be planned
    as a hashed sub-plan, which no index serves.)
    """
    organisations = Organisation.objects.filter(name__icontains=term).values_list("pk", flat=True)
    products = Product.objects.filter(name__icontains=term).values_list("pk", flat=True)
    return (
        Q(reference__icontains=term)
        | Q(organisation_id__in=list(organisations))
        | Q(product_id__in=list(products))
    )


#: Queue filters on the case's own columns: a count under them changes only with a case. (The
#: check status reads the results, ``overdue`` the time, a search the names of applicants and
#: products.)
OWN_COLUMN_FILTERS = ("state", "scope", "assignee")


def queue_size(user: User, cases: QuerySet[WaiverRequest], filters: dict[str, Any]) -> int:
    """How many cases ``cases``, the queue ``queue(user=user, **filters)``, holds: kept until one
    of the NRA's cases changes (waivers.case_counts) when its filters are on own columns only."""
    given = {name: value for name, value in filters.items() if value is not None}
    if any(name not in (*OWN_COLUMN_FILTERS, "sort") for name in given):
        return cases.count()
    if given.get("assignee") == "mine":
        given["assignee"] = f"reviewer:{user.pk}"
    own = sorted((name, given[name]) for name in OWN_COLUMN_FILTERS if name in given)
    return case_counts.count(cases, scope=case_scope(user), filters="queue?" + urlencode(own))


def queue_counts(user: User) -> dict[str, int]:
    """How many of the NRA's cases need action, per open state (zero included), one query, kept
    until one of them changes (waivers.case_counts).

    Only the open states: decided cases accumulate for years, and counting them on every visit
    would cost more than the whole queue page (the state filter still reaches them).
    """

    def counted() -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(OPEN_STATES, 0)
        rows = waivers_for(user).filter(state__in=OPEN_STATES).values_list("state")
        counts.update(dict(rows.order_by().annotate(n=Count("pk"))))
        return counts

    return case_counts.kept(case_scope(user), "queue-states", counted)


def colleagues(user: User) -> QuerySet[User]:
    """Who a case of the user's NRA may be assigned to: active reviewers and approvers there."""
    return User.objects.filter(
        nra_id=user.nra_id, is_active=True, role__in=(Role.REVIEWER, Role.APPROVER)
    ).order_by("last_name", "first_name", "username")


def case_for_review(*, user: User, reference: str) -> WaiverRequest:
    """One case with everything its page shows, loaded in a fixed number of queries.

    Raises WaiverRequest.DoesNotExist for a case the user may not see.
    """
    return (
        with_clock(waivers_for(user))
        .select_related(
            "organisation", "authority__policy", "product", "reviewer", "recommended_by"
        )
        .prefetch_related(
            "sites",
            Prefetch(
                "certificates",
                queryset=_certificates_with_metadata(),
            ),
            "check_results",
            Prefetch("messages", queryset=_messages()),
            "signatures",
        )
        .get(reference=reference)
    )


def _certificates_with_metadata() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("issuing_authority", "site", "product").order_by(
        "kind", "issued_on"
    )


def _messages() -> QuerySet[Message]:
    return Message.objects.select_related("author").order_by("at", "pk")
