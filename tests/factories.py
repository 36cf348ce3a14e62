"""factory_boy factories: the smallest valid objects, overridable per test."""

import time
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from waivers.assessment import CRITERIA
from waivers.models import (
    Authority,
    Certificate,
    CheckResult,
    Organisation,
    Product,
    Recognition,
    ReliancePolicy,
    Role,
    Site,
    State,
    User,
    WaiverRequest,
)
from waivers.services.cases import next_reference
from waivers.services.checks import storing
from waivers.workflow import fire

PASSWORD = "correct horse battery staple"
TODAY = timezone.now().date()


def minimal_pdf(text: str = "evidence") -> bytes:
    """A tiny but well-formed PDF (pypdf parses it), unique per text so SHA-256 differs."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"XX-AUTH{n}")
    name = factory.LazyAttribute(lambda o: f"Authority {o.code}")
    country = "XX"


class RecognitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recognition

    authority = factory.SubFactory(AuthorityFactory)
    scheme = "SRA"
    valid_from = None
    valid_to = None


class MatureAuthorityFactory(AuthorityFactory):
    recognition = factory.RelatedFactory(RecognitionFactory, factory_related_name="authority")


class NraFactory(AuthorityFactory):
    receives_requests = True
    policy = factory.RelatedFactory(
        "tests.factories.PolicyFactory", factory_related_name="authority"
    )


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReliancePolicy

    authority = factory.SubFactory(AuthorityFactory, receives_requests=True)
    schemes = ["SRA", "WLA", "PICS"]
    required_evidence = {
        "import_testing": ["gmp", "cpp", "coa"],
        "registration_testing": ["gmp", "cpp"],
        "clinical_trial": ["gmp", "coa"],
    }


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    country = "CH"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    role = Role.APPLICANT
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ApplicantFactory(UserFactory):
    role = Role.APPLICANT


class ReviewerFactory(UserFactory):
    role = Role.REVIEWER
    organisation = None
    nra = factory.SubFactory(NraFactory)


class ApproverFactory(ReviewerFactory):
    role = Role.APPROVER


class AuthenticatorFactory(factory.django.DjangoModelFactory):
    """A user's confirmed authenticator app (two-factor sign-in)."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(ApplicantFactory)
    name = "Authenticator app"
    confirmed = True


def authenticator_code(device: TOTPDevice) -> str:
    """The code the device's app shows now, or the next one if now's was already used: django-otp
    takes each time step's code once and accepts the next step's a little early."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address = "1 Factory Road"
    country = "CH"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    atmp_class = "GT"
    production_model = "MTS"
    storage = "≤ −60 °C"
    shelf_life_days = Decimal("365")


class CertificateFactory(factory.django.DjangoModelFactory):
    """A GMP certificate by default; use the kind-specific subclasses for the others."""

    class Meta:
        model = Certificate

    organisation = factory.SubFactory(OrganisationFactory)
    kind = "gmp"
    file = factory.LazyAttribute(
        lambda o: ContentFile(minimal_pdf(o.number), name="certificate.pdf")
    )
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size = 1000
    number = factory.Sequence(lambda n: f"CERT-{n}")
    issuing_authority = factory.SubFactory(MatureAuthorityFactory)
    issued_on = TODAY - timedelta(days=100)
    valid_until = TODAY + timedelta(days=600)
    site = factory.SubFactory(SiteFactory, organisation=factory.SelfAttribute("..organisation"))
    inspected_on = TODAY - timedelta(days=120)


class CppFactory(CertificateFactory):
    kind = "cpp"
    site = None
    inspected_on = None
    product = factory.SubFactory(
        ProductFactory, organisation=factory.SelfAttribute("..organisation")
    )
    exporting_country = "CH"
    importing_country = "KZ"
    licensed = True


class CoaFactory(CertificateFactory):
    kind = "coa"
    issuing_authority = None
    inspected_on = None
    valid_until = None
    product = factory.SubFactory(
        ProductFactory, organisation=factory.SelfAttribute("..organisation")
    )
    batch_number = factory.Sequence(lambda n: f"B{n:05d}")
    issued_on = TODAY - timedelta(days=10)
    manufactured_on = TODAY - timedelta(days=12)
    batch_expires_on = TODAY + timedelta(days=300)
    conforms = True
    released_by = "QP"


class WaiverRequestFactory(factory.django.DjangoModelFactory):
    """A complete draft: sites, product and the evidence an import-testing waiver needs."""

    class Meta:
        model = WaiverRequest
        skip_postgeneration_save = True

    reference = factory.LazyFunction(next_reference)
    organisation = factory.SubFactory(OrganisationFactory)
    authority = factory.SubFactory(NraFactory)
    scope = "import_testing"
    product = factory.SubFactory(
        ProductFactory, organisation=factory.SelfAttribute("..organisation")
    )
    justification = "Autologous product; testing would consume the dose."
    batch_size = Decimal("100")
    release_units = Decimal("5")
    retention_units = Decimal("2")
    stability_units = Decimal("0")
    in_country_units = Decimal("4")
    units_per_patient = Decimal("10")

    @factory.post_generation
    def evidence(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        site = SiteFactory(organisation=obj.organisation)
        obj.sites.add(site)
        obj.certificates.add(
            CertificateFactory(organisation=obj.organisation, site=site),
            CppFactory(organisation=obj.organisation, product=obj.product),
            CoaFactory(organisation=obj.organisation, product=obj.product, site=site),
        )


def worst_stored_status(case) -> str:
    """The worst of the case's stored check results, read from the results ('' if none)."""
    statuses = CheckResult.objects.filter(waiver=case).values_list("status", flat=True)
    return max(statuses, key=("pass", "warn", "fail").index, default="")


def assessment(answers=None):
    """A reviewer's checklist as the workflow takes it: every criterion met (or as ``answers``
    says, criterion key → answer), each with a note."""
    chosen = {c.key: "met" for c in CRITERIA} | (answers or {})
    return {
        key: {"answer": a, "note": f"Assessed {key} against the evidence."}
        for key, a in chosen.items()
    }


CHECKLIST_MET = {c.key: "met" for c in CRITERIA}


def checklist_post(answers=None, **extra):
    """The recommend form's POST data: every criterion answered with a note."""
    data = {}
    for key, entry in assessment(answers).items():
        data[f"{key}_answer"] = entry["answer"]
        data[f"{key}_note"] = entry["note"]
    return data | extra


class CheckResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckResult

    waiver = factory.SubFactory(WaiverRequestFactory)
    check_name = factory.Sequence(lambda n: f"check{n}")
    status = "pass"
    detail = "Fine."
    ran_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Stored as the checks store results: the case's check_status follows."""
        with storing([kwargs["waiver"].pk]):
            return super()._create(model_class, *args, **kwargs)


def queued_case(nra, *, state=State.SUBMITTED, days_ago=1, paused_days=0, **kwargs):
    """A case already in the NRA's queue, set up directly (the queue only reads)."""
    now = timezone.now()
    return WaiverRequestFactory(
        authority=nra,
        state=state,
        submitted_at=now - timedelta(days=days_ago),
        clock_paused_seconds=int(paused_days * 86400),
        evidence=False,
        **kwargs,
    )


#: The stages a test starts a case from, in the order the workflow reaches them, each with the
#: state it leaves the case in.
STAGES = {
    "submitted": State.SUBMITTED,
    "under_review": State.UNDER_REVIEW,
    "recommended": State.RECOMMENDED,
    "decided": None,
}


def bring_to(
    case,
    stage,
    *,
    applicant=None,
    reviewer=None,
    approver=None,
    outcome="approve",
    **recommendation,
):
    """Take a case through the workflow to ``stage``, as its people would: the one way a test
    brings a case to a state.

    It starts where the case stands (a complete draft, or a case an earlier call left at a stage),
    so only the people of the remaining steps need be named. The recommendation is ``outcome``
    with a met checklist and a rationale (a partial one with conditions) unless
    ``recommendation`` says otherwise; the decision is the approver's signature.
    """
    if stage not in STAGES:
        raise ValueError(f"No stage {stage!r}; choose one of {', '.join(STAGES)}.")
    if outcome == "partial":
        recommendation.setdefault("conditions", "Identity test on the first imported batch.")
    recommendation.setdefault("rationale", "The site is inspected by a mature authority.")
    recommendation.setdefault("assessment", assessment())
    steps = [
        ("submit", applicant, {}),
        ("assign", reviewer, {}),
        ("recommend", reviewer, {"outcome": outcome, **recommendation}),
        ("sign", approver, {"password": PASSWORD, "meaning": "approval"}),
    ]
    reached = [State.DRAFT, *STAGES.values()]
    start = reached.index(case.state) if case.state in reached else len(steps)
    for name, (action, actor, params) in list(zip(STAGES, steps, strict=True))[start:]:
        case = fire(case, action, actor=actor, **params)
        if name == stage:
            return case
    raise ValueError(f"A case {case.state} cannot be brought to {stage!r}.")
