"""Bulk-generate a national-scale data set for the benchmarks (see bench/README.md).

The data is synthetic but shaped like a regional reliance network after years of use: several
receiving NRAs of very different sizes, organisations whose case counts follow a long tail, every
workflow state, review clocks that stopped for information requests, granted waivers used batch
after batch, certificates that expired or are about to, and a hash-chained audit trail per case
whose hashes are computed by ``AuditEntry.compute_hash`` itself, so ``verify_audit_trail`` passes.
Last, the real expiry sweep runs for yesterday, so the data set is as a portal swept every day
leaves it (announcements, digests, a recorded sweep), and the benchmark's sweep is today's.

Nothing of the workflow is written twice: each case's steps are the shortest route through
``waivers.workflow.TRANSITIONS`` to its state (by way of a request for information for some),
acted by whoever the transition's roles name, and each row starts from its model's columns and
defaults. Run it as ``manage.py generate_load_data`` (a thin command over this module).

Rows go in with PostgreSQL's COPY (``bulk_create`` on other databases, for the tests), one
transaction per chunk of cases. Certificate rows point at files that were never written: the
benchmarks measure queries, not downloads.

Safety: the command only fills a database that holds no organisation, certificate or waiver
request, so it can never mix synthetic cases into real ones. ``--force`` overrides that for a
throw-away database.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from waivers.audit import CHAIN_FIELDS
from waivers.models import (
    GENESIS,
    GRANTED_STATES,
    AtmpClass,
    AuditEntry,
    Authority,
    Certificate,
    Chain,
    CheckResult,
    CheckStatus,
    Message,
    Organisation,
    Outcome,
    Product,
    ProductionModel,
    ReferenceCounter,
    ReliancePolicy,
    Role,
    Scope,
    Signature,
    Site,
    State,
    User,
    WaiverRequest,
)
from waivers.services import expiry, register
from waivers.services.two_factor import AUTHENTICATOR
from waivers.workflow import (
    DECIDED_STATE,
    MEANING_TEXT,
    PRE_DECISION,
    REVOCATION_MEANING,
    SIGNING_MEANING,
    TRANSITIONS,
    Transition,
)

#: Password of every generated user; the benchmarks sign in with it.
BENCH_PASSWORD = "bench-load-2026"
#: Authenticator secret (hex, as django-otp stores it) of every generated NRA staff member, who
#: must use two-factor sign-in: the benchmarks compute its code.
BENCH_TOTP_KEY = hashlib.sha1(BENCH_PASSWORD.encode()).hexdigest()
#: Fixed accounts the benchmarks use: a reviewer and an approver of the largest NRA, an applicant.
BENCH_REVIEWER, BENCH_APPROVER, BENCH_APPLICANT = (
    "bench-reviewer",
    "bench-approver",
    "bench-applicant",
)

#: Receiving NRAs of the network and their share of the cases (one national authority dominates).
RECEIVING = (
    ("KZ-NCEMDMD", 0.55),
    ("EG-EDA", 0.2),
    ("NG-NAFDAC", 0.1),
    ("JO-JFDA", 0.08),
    ("MY-NPRA", 0.07),
)
#: Authorities that issue GMP certificates and CPPs; the last ones are not mature.
ISSUERS = (
    "EU-EMA",
    "US-FDA",
    "GB-MHRA",
    "CH-SMC",
    "JP-PMDA",
    "DE-PEI",
    "FR-ANSM",
    "CA-HC",
    "AU-TGA",
    "KR-MFDS",
    "SG-HSA",
    "CN-NMPA",
    "IR-IFDA",
)
EVIDENCE = {
    Scope.IMPORT_TESTING: ["gmp", "cpp", "coa"],
    Scope.REGISTRATION_TESTING: ["gmp", "cpp"],
    Scope.CLINICAL_TRIAL: ["gmp", "coa"],
}
STATE_WEIGHTS = {
    State.DRAFT: 8,
    State.SUBMITTED: 9,
    State.UNDER_REVIEW: 14,
    State.INFORMATION_REQUESTED: 5,
    State.RECOMMENDED: 4,
    State.APPROVED: 31,
    State.PARTIALLY_APPROVED: 6,
    State.REJECTED: 7,
    State.WITHDRAWN: 6,
    State.REVOKED: 2,
    State.EXPIRED: 8,
}


def _reachable(states: Iterable[str]) -> frozenset[str]:
    """``states`` and every state the workflow can take a case to from them."""
    seen, todo = set(states), list(states)
    while todo:
        here = todo.pop()
        for t in TRANSITIONS.values():
            if here in t.sources:
                todo += t.targets - seen
                seen |= t.targets
    return frozenset(seen)


@functools.cache
def _route(*stops: str) -> tuple[tuple[Transition, str, str], ...]:
    """The shortest way through the workflow from a new draft to each of ``stops`` in turn.

    Steps are (transition, from, to); ties go to the first transition of the table and the first
    target in sorted order, so the route of a state is the same in every run. Cached: a data set
    asks for the same dozen routes a hundred thousand times.
    """
    route: list[tuple[Transition, str, str]] = []
    here: str = State.DRAFT
    for stop in stops:
        came_from: dict[str, tuple[Transition, str]] = {}
        frontier: list[str] = [here]
        while stop not in came_from and frontier:
            ahead = []
            for state in frontier:
                for t in TRANSITIONS.values():
                    if state not in t.sources:
                        continue
                    for target in sorted(t.targets):
                        if target != here and target not in came_from:
                            came_from[target] = (t, state)
                            ahead.append(target)
            frontier = ahead
        if stop not in came_from:
            raise ValueError(f"The workflow has no way from {here} to {stop}.")
        leg, at = [], stop
        while at != here:
            t, before = came_from[at]
            leg.append((t, before, at))
            at = before
        route += reversed(leg)
        here = stop
    return tuple(route)


OPEN = PRE_DECISION - {State.DRAFT}
DECIDED = _reachable(TRANSITIONS["sign"].targets)
GRANTED_ONCE = _reachable(GRANTED_STATES)
OUTCOME_OF: dict[str, str] = {state: outcome for outcome, state in DECIDED_STATE.items()}
#: What the generated trail says of the steps that carry a reason.
REASONS = {
    "withdraw": "No longer imported.",
    "revoke": "GMP certificate withdrawn.",
    "lapse": "The waiver's validity ended.",
}
CHECKS = ("completeness", "consistency", "maturity", "validity")

ORG_WORDS = [
    "Helix",
    "Nordic",
    "Aurora",
    "Vector",
    "Cellular",
    "Meridian",
    "Apex",
    "Boreal",
    "Cobalt",
    "Delta",
    "Lumen",
    "Orion",
    "Pioneer",
    "Quantum",
    "Sierra",
    "Tidal",
    "Vireo",
    "Zenith",
    "Alpine",
    "Baltic",
    "Caspian",
    "Danube",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lyra",
]
ORG_KINDS = ("Biologics", "Cell Therapies", "Gene Medicines", "Therapeutics", "Biotech", "Pharma")
ORG_SUFFIXES = ("AG", "GmbH", "Ltd", "Inc.", "S.A.", "B.V.", "AB", "K.K.", "Sp. z o.o.")
COUNTRIES = ("DE", "US", "GB", "CH", "FR", "NL", "SE", "JP", "KR", "BE", "IE", "PL", "IT", "ES")
CITIES = ("Basel", "Zürich", "Leiden", "Łódź", "Boston", "Cambridge", "Kyoto", "Lyon", "Mainz")
PRODUCT_HEADS = [
    "ati",
    "axi",
    "beti",
    "cilta",
    "lis",
    "obe",
    "tisa",
    "ide",
    "eti",
    "valo",
    "ona",
    "dela",
    "zol",
    "nadi",
    "rex",
]
PRODUCT_MIDS = ["ca", "gen", "lecl", "mar", "vo", "pa", "dar", "ri", "tu", "so"]
PRODUCT_STEMS = {
    AtmpClass.CT: ("leucel", "temcel", "matcel"),
    AtmpClass.GT: ("parvovec", "gene", "repvec"),
    AtmpClass.TEP: ("dermagraft", "chondrocel"),
    AtmpClass.TRADITIONAL: ("mab", "cept"),
}


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: datetime, rng: random.Random) -> datetime:
    """A time of working day on ``day``'s date, in whole seconds (stored and hashed alike)."""
    return day.replace(
        hour=rng.randint(7, 18), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0
    )


Row = dict[str, Any]


def _blank(model: type[models.Model]) -> Row:
    """A row of ``model``: each of its columns, holding the field's default until filled in."""
    return {f.attname: f.get_default() for f in model._meta.concrete_fields}


class _Writer:
    """Appends rows to one table: COPY on PostgreSQL, bulk_create elsewhere (the tests' SQLite).

    A row is a mapping of the model's column names; a table's rows all name the same columns.
    """

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def write(self, model: type[models.Model], rows: list[Row]) -> None:
        if not rows:
            return
        table = model._meta.db_table
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        columns = list(rows[0])
        if not self.copy:
            objs = [model(**row) for row in rows]
            model._default_manager.bulk_create(objs, batch_size=500)
            # bulk_create stamps an auto_now_add field with the time of writing; COPY keeps ours.
            stamped = [
                c for c in columns if getattr(model._meta.get_field(c), "auto_now_add", False)
            ]
            if stamped:
                for obj, row in zip(objs, rows, strict=True):
                    for c in stamped:
                        setattr(obj, c, row[c])
                model._default_manager.bulk_update(objs, stamped, batch_size=500)
            return
        fields = {f.attname: f for f in model._meta.concrete_fields}
        json_columns = [i for i, c in enumerate(columns) if isinstance(fields[c], models.JSONField)]
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                values = [row[c] for c in columns]
                for i in json_columns:
                    values[i] = json.dumps(values[i], cls=DjangoJSONEncoder)
                copy.write_row(values)


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1


@dataclass
class _Org:
    pk: int
    name: str
    country: str
    applicants: list[int]
    sites: list[tuple[int, str]]
    products: list[tuple[int, str, str]]


@dataclass
class _Nra:
    pk: int
    code: str
    country: str
    share: float
    reviewers: list[int] = field(default_factory=list)
    approvers: list[int] = field(default_factory=list)


#: The tables a chunk of cases fills, in the order they are written (referenced ones first).
TABLES: tuple[type[models.Model], ...] = (
    Certificate,
    WaiverRequest,
    WaiverRequest.sites.through,
    WaiverRequest.certificates.through,
    AuditEntry,
    CheckResult,
    Signature,
    Message,
)


class Generator:
    """Builds the rows chunk by chunk; every random choice comes from one seeded generator."""

    def __init__(
        self,
        *,
        cases: int,
        certificates: int,
        audit_per_case: int,
        long_case_entries: int,
        seed: int,
        now: datetime,
    ) -> None:
        self.rng = random.Random(seed)
        self.cases, self.certificates = cases, certificates
        self.audit_per_case, self.long_case_entries = audit_per_case, long_case_entries
        self.now = now
        self.writer = _Writer()
        self.hasher = AuditEntry(prev_hash=GENESIS)
        self.blank = {m: _blank(m) for m in (WaiverRequest, Certificate)}
        self.names: dict[int, str] = {}

    # Reference data, people, organisations, sites and products: small, so plain bulk_create.

    def prepare(self) -> None:
        if not Authority.objects.exists():
            register.load(
                register.DEFAULT_FILE.read_text(encoding="utf-8-sig"),
                reason="the shipped register, for synthetic load data",
            )
        by_code = {a.code: a for a in Authority.objects.filter(code__in=[c for c, _ in RECEIVING])}
        self.issuers = list(
            Authority.objects.filter(code__in=ISSUERS).values_list("pk", "country", "code")
        )
        if not by_code or not self.issuers:
            raise CommandError("The authority register lacks the NRAs the generator needs.")
        self.nras = []
        for code, share in RECEIVING:
            nra = by_code.get(code)
            if nra is None:
                continue
            Authority.objects.filter(pk=nra.pk).update(receives_requests=True)
            ReliancePolicy.objects.get_or_create(
                authority=nra,
                defaults={"schemes": ["SRA", "WLA", "PICS"], "required_evidence": EVIDENCE},
            )
            self.nras.append(_Nra(nra.pk, code, nra.country, share))
        password = make_password(BENCH_PASSWORD)
        self._people(password)
        self._organisations(password)

    def _users(self, specs: list[dict[str, Any]], password: str) -> list[int]:
        existing = set(
            User.objects.filter(username__in=[s["username"] for s in specs]).values_list(
                "username", flat=True
            )
        )
        fresh = [User(password=password, **s) for s in specs if s["username"] not in existing]
        User.objects.bulk_create(fresh, batch_size=1000)
        TOTPDevice.objects.bulk_create(
            [
                TOTPDevice(user=u, name=AUTHENTICATOR, key=BENCH_TOTP_KEY, confirmed=True)
                for u in User.objects.filter(username__in=[u.username for u in fresh])
                if u.must_use_two_factor
            ],
            batch_size=1000,
        )
        rows = User.objects.filter(username__in=[s["username"] for s in specs])
        by_name = {u.username: u for u in rows}
        for u in by_name.values():
            self.names[u.pk] = u.printed_name
        return [by_name[s["username"]].pk for s in specs]

    def _people(self, password: str) -> None:
        tag = _next_id(User)
        for i, nra in enumerate(self.nras):
            reviewers = max(3, round(self.cases * nra.share / 2000))
            specs = [
                {
                    "username": BENCH_REVIEWER if i == 0 and k == 0 else f"rev{tag}-{nra.code}-{k}",
                    "first_name": "Reviewer",
                    "last_name": f"{k} {nra.code}",
                    "role": Role.REVIEWER,
                    "nra_id": nra.pk,
                }
                for k in range(reviewers)
            ]
            nra.reviewers = self._users(specs, password)
            specs = [
                {
                    "username": BENCH_APPROVER
                    if i == 0 and k == 0
                    else f"appr{tag}-{nra.code}-{k}",
                    "first_name": "Approver",
                    "last_name": f"{k} {nra.code}",
                    "role": Role.APPROVER,
                    "nra_id": nra.pk,
                }
                for k in range(max(2, reviewers // 4))
            ]
            nra.approvers = self._users(specs, password)

    def _organisations(self, password: str) -> None:
        rng, base = self.rng, _next_id(Organisation)
        count = max(3, self.cases // 50)
        orgs = [
            Organisation(
                name=f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)} {base + i:05d} "
                f"{rng.choice(ORG_SUFFIXES)}",
                country=rng.choice(COUNTRIES),
            )
            for i in range(count)
        ]
        Organisation.objects.bulk_create(orgs, batch_size=1000)
        orgs = list(Organisation.objects.filter(pk__gte=base).order_by("pk"))
        sites, products = [], []
        for org in orgs:
            for j in range(rng.randint(1, 3)):
                city = rng.choice(CITIES)
                sites.append(
                    Site(
                        organisation=org,
                        name=f"{city} plant {j + 1}",
                        address=f"{rng.randint(1, 200)} Industriestrasse, {city}",
                        country=rng.choice(COUNTRIES),
                    )
                )
            for j in range(rng.randint(2, 6)):
                cls = rng.choice(list(AtmpClass))
                name = (
                    rng.choice(PRODUCT_HEADS)
                    + rng.choice(PRODUCT_MIDS)
                    + rng.choice(PRODUCT_STEMS[cls])
                ).capitalize()
                products.append(
                    Product(
                        organisation=org,
                        name=f"{name} {j + 1}",
                        atmp_class=cls,
                        production_model=ProductionModel.MTO
                        if cls == AtmpClass.CT
                        else ProductionModel.MTS,
                        storage="≤ −150 °C vapour phase of liquid nitrogen"
                        if cls == AtmpClass.CT
                        else "2–8 °C",
                        shelf_life_days=Decimal(rng.choice([3, 14, 180, 365, 730])),
                    )
                )
        Site.objects.bulk_create(sites, batch_size=1000)
        Product.objects.bulk_create(products, batch_size=1000)
        specs = []
        for org in orgs:
            specs += [
                {
                    "username": BENCH_APPLICANT
                    if org is orgs[0] and k == 0
                    else f"app{org.pk}-{k}",
                    "first_name": "Applicant",
                    "last_name": f"{k} of {org.name}",
                    "role": Role.APPLICANT,
                    "organisation_id": org.pk,
                    "is_organisation_admin": k == 0,
                }
                for k in range(2)
            ]
        applicant_ids = iter(self._users(specs, password))
        site_rows: dict[int, list[tuple[int, str]]] = {}
        for pk, org_id, country in Site.objects.filter(organisation__in=orgs).values_list(
            "pk", "organisation_id", "country"
        ):
            site_rows.setdefault(org_id, []).append((pk, country))
        product_rows: dict[int, list[tuple[int, str, str]]] = {}
        for pk, org_id, atmp_class, model in Product.objects.filter(
            organisation__in=orgs
        ).values_list("pk", "organisation_id", "atmp_class", "production_model"):
            product_rows.setdefault(org_id, []).append((pk, atmp_class, model))
        self.orgs = [
            _Org(
                o.pk,
                o.name,
                o.country,
                [next(applicant_ids), next(applicant_ids)],
                site_rows[o.pk],
                product_rows[o.pk],
            )
            for o in orgs
        ]
        # A long tail: a few organisations file most requests.
        self.org_weights = list(
            itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(self.orgs)))
        )

    # Cases and everything hanging off them, in chunks.

    def run(self, chunk: int, progress: Any = None) -> None:
        self.case_id, self.cert_id = _next_id(WaiverRequest), _next_id(Certificate)
        self.first_case_id = self.case_id
        self.audit_id, self.check_id = _next_id(AuditEntry), _next_id(CheckResult)
        self.signature_id, self.message_id = _next_id(Signature), _next_id(Message)
        self.counters = dict(ReferenceCounter.objects.values_list("year", "last"))
        self.certs_left = self.certificates
        for start in range(0, self.cases, chunk):
            with transaction.atomic():
                self._chunk(start, min(start + chunk, self.cases))
            if progress:
                progress(min(start + chunk, self.cases))
        with transaction.atomic():
            for year, last in self.counters.items():
                ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(TABLES)):
                    cursor.execute(sql)
        postgres = connection.vendor == "postgresql" and connection.get_autocommit()
        if postgres:
            # The sweep below plans its queries on statistics of the full tables.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # As a live portal is left by its daily sweeps: announcements, digests, a recorded sweep.
        self.swept = expiry.sweep(today=(self.now - timedelta(days=1)).date())
        if postgres:
            # Statistics for the planner and a visibility map for index-only scans, as autovacuum
            # would leave them after a while; without it the first benchmarks see a colder DB.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def _chunk(self, start: int, end: int) -> None:
        rows: dict[type[models.Model], list[Row]] = {m: [] for m in TABLES}
        for k in range(start, end):
            self._case(k, rows)
        for model, table_rows in rows.items():
            self.writer.write(model, table_rows)

    def _case(self, k: int, rows: dict[type[models.Model], list[Row]]) -> None:
        rng, now = self.rng, self.now
        long_case = k == 0 and self.long_case_entries > 0
        nra = (
            self.nras[0]
            if long_case
            else rng.choices(self.nras, weights=[n.share for n in self.nras])[0]
        )
        org = rng.choices(self.orgs, cum_weights=self.org_weights)[0]
        state = State.APPROVED if long_case else _weighted(rng, STATE_WEIGHTS)
        case_id = self.case_id
        self.case_id += 1
        applicant = rng.choice(org.applicants)
        reviewer = rng.choice(nra.reviewers)
        approver = rng.choice(nra.approvers)

        # The case's way through the workflow: some withdrawn before submission, some decided
        # cases and every paused one by way of a request for information.
        pre_submission = state == State.WITHDRAWN and rng.random() < 0.4
        had_info = state == State.INFORMATION_REQUESTED or (
            state in DECIDED and rng.random() < 0.35
        )
        if state == State.DRAFT:
            stops: tuple[str, ...] = ()
        elif state == State.WITHDRAWN and not pre_submission:
            stops = (State.SUBMITTED, state)
        elif had_info and state != State.INFORMATION_REQUESTED:
            stops = (State.INFORMATION_REQUESTED, state)
        else:
            stops = (state,)
        steps = {t.action: to for t, _, to in _route(*stops)}

        # Open cases are recent; decided ones reach back six years.
        age_days = rng.uniform(1, 200) if state in OPEN else 6 * 365 * rng.random() ** 1.3 + 30
        if state == State.DRAFT:
            age_days = rng.uniform(0, 120)
        created = _at(now - timedelta(days=age_days), rng)
        created = min(created, now - timedelta(hours=1))
        submitted = (
            min(created + timedelta(days=rng.uniform(0.5, min(20, age_days / 4))), now)
            if "submit" in steps
            else None
        )
        decided = None
        if "sign" in steps:
            assert submitted is not None
            decided = min(
                submitted + timedelta(days=rng.uniform(10, 160)), now - timedelta(hours=1)
            )
            decided = max(decided, submitted + timedelta(minutes=10))
        product_id, atmp_class, production_model = rng.choice(org.products)
        sites = rng.sample(org.sites, k=min(len(org.sites), rng.choice([1, 1, 2])))
        scope = _weighted(
            rng, {Scope.IMPORT_TESTING: 6, Scope.REGISTRATION_TESTING: 2, Scope.CLINICAL_TRIAL: 2}
        )

        linked = self._certificates(case_id, org, applicant, nra, sites, product_id, created, rows)
        for site_id, _ in sites:
            rows[WaiverRequest.sites.through].append(
                {"waiverrequest_id": case_id, "site_id": site_id}
            )
        for cert_id in linked:
            rows[WaiverRequest.certificates.through].append(
                {"waiverrequest_id": case_id, "certificate_id": cert_id}
            )

        recommended = "recommend" in steps
        outcome = OUTCOME_OF[steps["sign"]] if "sign" in steps else ""
        valid_until = (
            (decided + timedelta(days=rng.choice([365, 730, 1095]))).date()
            if decided and state in GRANTED_ONCE
            else None
        )
        if state in GRANTED_STATES and valid_until and rng.random() < 0.9:
            # Most granted waivers are still valid; the rest are for the expiry sweep to lapse.
            valid_until = max(valid_until, (now + timedelta(days=rng.uniform(1, 900))).date())
        paused_since = (
            _at(now - timedelta(days=rng.uniform(1, 30)), rng)
            if state == State.INFORMATION_REQUESTED
            else None
        )
        if paused_since is not None and submitted is not None:
            paused_since = max(paused_since, submitted + timedelta(minutes=5))
        paused_seconds = rng.randint(2, 30) * 86400 if had_info and paused_since is None else 0
        assigned = "assign" in steps

        entries = self._story(
            state=state,
            stops=stops,
            created=created,
            submitted=submitted,
            decided=decided,
            paused_since=paused_since,
            applicant=applicant,
            reviewer=reviewer,
            approver=approver,
            sites=[s for s, _ in sites],
            certificates=linked,
            long_case=long_case,
        )
        updated = max(e[0] for e in entries)
        head = self._audit(case_id, entries, rows[AuditEntry])

        batch = Decimal(
            1 if production_model == ProductionModel.MTO else rng.choice([50, 200, 400])
        )
        year = created.year
        self.counters[year] = self.counters.get(year, 0) + 1
        checked = (
            {name: _weighted(rng, {"pass": 80, "warn": 12, "fail": 8}) for name in CHECKS}
            if submitted is not None
            else {}
        )
        one_dose = batch == 1
        rows[WaiverRequest].append(
            {
                **self.blank[WaiverRequest],
                "id": case_id,
                "reference": f"WR-{year}-{self.counters[year]:06d}",
                "organisation_id": org.pk,
                "authority_id": nra.pk,
                "scope": scope,
                "product_id": product_id,
                "justification": f"In-country testing would consume {rng.randint(5, 60)} % of a "
                f"batch of an {AtmpClass(atmp_class).label.lower()}.",
                "batch_size": batch,
                "release_units": Decimal(0 if one_dose else 6),
                "retention_units": Decimal(0 if one_dose else 2),
                "stability_units": Decimal(0 if one_dose else 2),
                "in_country_units": Decimal(0 if one_dose else 4),
                "testing_countries": rng.choice([1, 1, 2, 3]),
                "units_per_patient": Decimal(1),
                "shelf_life_days": Decimal(rng.choice([3, 14, 180, 365])),
                "shipping_days": Decimal(rng.choice([1, 2, 5])),
                "testing_days": Decimal(rng.choice([10, 30, 60])),
                "state": state,
                "version": len(entries),
                "created_by_id": applicant,
                "created_at": created,
                "updated_at": updated,
                "reviewer_id": reviewer if assigned else None,
                "submitted_at": submitted,
                "clock_paused_since": paused_since,
                "clock_paused_seconds": paused_seconds,
                "recommended_by_id": reviewer if recommended else None,
                "recommended_outcome": outcome if recommended else "",
                "rationale": "Mature-authority GMP inspection and CoA release by a qualified "
                "person."
                if recommended
                else "",
                "conditions": "Notify every imported batch with its CoA."
                if outcome == Outcome.PARTIAL
                else "",
                "outcome": outcome,
                "decided_at": decided,
                "valid_until": valid_until,
                "check_status": CheckStatus.worst(checked.values()),
                "audit_count": len(entries),
                "audit_head": head,
            }
        )
        for name, status in checked.items():
            rows[CheckResult].append(
                {
                    "id": self.check_id,
                    "waiver_id": case_id,
                    "check_name": name,
                    "status": status,
                    "detail": f"{name} check: {status}.",
                    "ran_at": updated,
                }
            )
            self.check_id += 1
        if decided is not None:
            signatures = [(approver, MEANING_TEXT[SIGNING_MEANING], decided)]
            if "revoke" in steps:
                signatures.append((approver, MEANING_TEXT[REVOCATION_MEANING], updated))
            for signer, meaning, at in signatures:
                rows[Signature].append(
                    {
                        "id": self.signature_id,
                        "waiver_id": case_id,
                        "signer_id": signer,
                        "printed_name": self.names[signer],
                        "meaning": meaning,
                        "signed_at": at,
                        "content_hash": hashlib.sha256(f"{case_id}:{meaning}".encode()).hexdigest(),
                    }
                )
                self.signature_id += 1
        if had_info and submitted is not None:
            asked = submitted + timedelta(days=2)
            said = [(reviewer, "information_request", "Please send the current GMP certificate.")]
            if "respond" in steps:
                said.append((applicant, "response", "Attached."))
            for n, (author, kind, body) in enumerate(said):
                rows[Message].append(
                    {
                        "id": self.message_id,
                        "waiver_id": case_id,
                        "author_id": author,
                        "kind": kind,
                        "body": body,
                        "at": asked + timedelta(days=3 * n),
                    }
                )
                self.message_id += 1

    def _certificates(
        self,
        case_id: int,
        org: _Org,
        applicant: int,
        nra: _Nra,
        sites: list[tuple[int, str]],
        product_id: int,
        created: datetime,
        rows: dict[type[models.Model], list[Row]],
    ) -> list[int]:
        """This case's share of the certificates: a GMP per site, a CPP, then CoAs of batches."""
        rng, today = self.rng, self.now.date()
        cases_left = self.cases - (case_id - self.first_case_id)
        count = -(-self.certs_left // cases_left)
        self.certs_left -= count
        linked = []
        for i in range(count):
            cert_id = self.cert_id
            self.cert_id += 1
            site_id, _ = sites[i % len(sites)]
            issuer_id, issuer_country, issuer_code = rng.choice(self.issuers)
            row = {
                **self.blank[Certificate],
                "id": cert_id,
                "organisation_id": org.pk,
                "uploaded_by_id": applicant,
            }
            if i < len(sites):
                issued = created.date() - timedelta(days=rng.randint(30, 1000))
                row.update(
                    kind="gmp",
                    number=f"GMP-{issuer_code}-{cert_id}",
                    issuing_authority_id=issuer_id,
                    issued_on=issued,
                    valid_until=issued + timedelta(days=1095),
                    site_id=site_id,
                    inspected_on=issued - timedelta(days=rng.randint(10, 90)),
                    scope="sterile, biological, ATMP",
                )
            elif i == len(sites):
                issued = created.date() - timedelta(days=rng.randint(10, 500))
                row.update(
                    kind="cpp",
                    number=f"CPP-{issuer_code}-{cert_id}",
                    issuing_authority_id=issuer_id,
                    issued_on=issued,
                    valid_until=issued + timedelta(days=730),
                    product_id=product_id,
                    exporting_country=issuer_country[:2],
                    importing_country=nra.country,
                    licensed=True,
                    licence_number=f"EU/1/{cert_id % 100:02d}/{cert_id}",
                    licence_holder=org.name[:200],
                )
            else:
                # Made, issued and uploaded before the day of generation: none dated ahead of the
                # closing sweep, none uploaded after it.
                made = min(
                    created.date() + timedelta(days=rng.randint(-60, 1500)),
                    today - timedelta(days=12),
                )
                row.update(
                    kind="coa",
                    number=f"COA-{cert_id}",
                    issued_on=made + timedelta(days=rng.randint(1, 10)),
                    product_id=product_id,
                    site_id=site_id,
                    batch_number=f"B{cert_id:08d}",
                    manufactured_on=made,
                    batch_expires_on=made + timedelta(days=rng.choice([3, 180, 365, 730])),
                    conforms=rng.random() > 0.002,
                    released_by="Qualified Person",
                )
            sha = hashlib.sha256(f"load-certificate-{cert_id}".encode()).hexdigest()
            row.update(
                file=f"evidence/{org.pk}/{sha[:32]}.pdf",
                original_name=f"{row['number']}.pdf",
                sha256=sha,
                size=rng.randint(80_000, 6_000_000),
                uploaded_at=datetime.combine(row["issued_on"], datetime.min.time(), tzinfo=UTC)
                + timedelta(days=1, hours=rng.randint(7, 18)),
            )
            rows[Certificate].append(row)
            if i <= len(sites) or i == len(sites) + 1:
                linked.append(cert_id)
        return linked

    def _story(
        self,
        *,
        state: str,
        stops: tuple[str, ...],
        created: datetime,
        submitted: datetime | None,
        decided: datetime | None,
        paused_since: datetime | None,
        applicant: int,
        reviewer: int,
        approver: int,
        sites: list[int],
        certificates: list[int],
        long_case: bool,
    ) -> list[tuple[datetime, int | None, str, str, str, dict[str, Any], str]]:
        """The case's life as (at, actor, action, from, to, changes, reason), in time order."""
        rng = self.rng
        target = (
            self.long_case_entries
            if long_case
            else rng.randint(max(1, self.audit_per_case - 8), self.audit_per_case + 8)
        )
        life: list[tuple[int | None, str, str, str, dict[str, Any], str]] = [
            (
                applicant,
                "create",
                "",
                State.DRAFT,
                {"sites": sites, "certificates": certificates},
                "",
            )
        ]

        def acting(t: Transition) -> int | None:
            if Role.APPLICANT in t.roles:
                return applicant
            if Role.REVIEWER in t.roles:
                return reviewer
            return approver if t.roles else None

        milestones = [
            (
                acting(t),
                t.action,
                source,
                to,
                {"reviewer": {"old": None, "new": reviewer}} if t.action == "assign" else {},
                REASONS.get(t.action, ""),
            )
            for t, source, to in _route(*stops)
        ]
        # Leaving a granted state closes the story: batches were notified before it, not after.
        closing = milestones.pop() if milestones and milestones[-1][2] in GRANTED_STATES else None
        padding = max(0, target - 1 - len(milestones) - (1 if closing else 0))
        # Drafts are edited before submission; granted waivers are then used batch after batch.
        edits = padding if state not in GRANTED_ONCE else min(padding, rng.randint(1, 4))
        batches = padding - edits
        batch_state = closing[2] if closing else state
        life += [
            (
                applicant,
                "edit",
                State.DRAFT,
                State.DRAFT,
                {"justification": {"old": f"v{n}", "new": f"v{n + 1}"}},
                "",
            )
            for n in range(edits)
        ]
        life += milestones
        life += [
            (
                applicant,
                "batch_notified",
                batch_state,
                batch_state,
                {"batch_number": f"B{n:05d}"},
                "",
            )
            for n in range(batches)
        ]
        if closing:
            life.append(closing)

        # Times: edits between creation and submission (or now), milestones spread over the review,
        # then batch notifications (and the closing step) between the decision and now.
        first_end = submitted or min(created + timedelta(days=30), self.now)
        times = [created]
        times += [created + (first_end - created) * (n + 1) / (edits + 2) for n in range(edits)]
        review_start = submitted or times[-1]
        review_end = decided or paused_since or self.now
        for n in range(len(milestones)):
            times.append(review_start + (review_end - review_start) * n / max(1, len(milestones)))
        after = times[-1]
        end = min(after + timedelta(days=400), self.now) if closing else self.now
        span = max(timedelta(hours=1), end - after)
        tail = batches + (1 if closing else 0)
        times += [after + span * (n + 1) / (tail + 1) for n in range(tail)]
        out, last = [], None
        for at, (actor, action, from_state, to_state, changes, reason) in zip(
            times, life, strict=True
        ):
            at = min(at.replace(microsecond=0), self.now)
            if last is not None and at <= last:
                at = last + timedelta(seconds=1)
            last = at
            out.append((at, actor, action, from_state, to_state, changes, reason))
        return out

    def _audit(
        self,
        case_id: int,
        entries: Iterable[tuple[datetime, int | None, str, str, str, dict[str, Any], str]],
        rows: list[Row],
    ) -> str:
        """Chain the entries with the model's own MAC, reusing one unsaved instance; the head."""
        h = self.hasher
        h.chain, h.waiver_id, h.prev_hash = Chain.CASE, case_id, GENESIS
        for seq, (at, actor, action, from_state, to_state, changes, reason) in enumerate(
            entries, 1
        ):
            h.seq, h.at, h.actor_id, h.action = seq, at, actor, action
            h.actor_name = self.names[actor] if actor else "system"
            h.from_state, h.to_state, h.changes, h.reason = from_state, to_state, changes, reason
            digest = h.compute_hash()
            h.hash = digest
            rows.append({"id": self.audit_id, **{f: getattr(h, f) for f in CHAIN_FIELDS}})
            self.audit_id += 1
            h.prev_hash = digest
        return h.prev_hash


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database with a national-scale synthetic data set for the benchmarks "
        "(refuses a database that holds organisations, certificates or cases unless --force)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--certificates", type=int, required=True)
        parser.add_argument(
            "--audit-per-case", type=int, default=20, help="Mean audit entries per case."
        )
        parser.add_argument(
            "--long-case-entries",
            type=int,
            default=1000,
            help="Audit entries of one long-lived granted waiver (0: none).",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--chunk", type=int, default=2000, help="Cases per transaction.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add to a database that already holds data (never on a real one).",
        )

    def handle(self, *args: object, **options: Any) -> None:
        cases, certificates = options["cases"], options["certificates"]
        if cases < 1 or certificates < 0:
            raise CommandError("--cases must be at least 1 and --certificates at least 0.")
        held = [
            m._meta.verbose_name_plural
            for m in (Organisation, Certificate, WaiverRequest)
            if m._default_manager.exists()
        ]
        if held and not options["force"]:
            raise CommandError(
                f"This database already holds {', '.join(map(str, held))}: generated data is only "
                "added to an empty database. Use a fresh one, or pass --force for a throw-away "
                "database."
            )
        started = time.monotonic()
        generator = Generator(
            cases=cases,
            certificates=certificates,
            audit_per_case=options["audit_per_case"],
            long_case_entries=options["long_case_entries"],
            seed=options["seed"],
            now=timezone.now().replace(microsecond=0),
        )
        with transaction.atomic():
            generator.prepare()

        def progress(done: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {done} cases ({time.monotonic() - started:.0f} s)")

        generator.run(options["chunk"], progress)
        elapsed = time.monotonic() - started
        if options["verbosity"]:
            counts = ", ".join(f"{t} {n}" for t, n in sorted(generator.writer.counts.items()))
            self.stdout.write(f"Generated in {elapsed:.1f} s: {counts}.")
            self.stdout.write(str(generator.swept))
