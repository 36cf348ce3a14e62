import importlib

import pytest
from django.core.cache import cache
from django.db import connection

from waivers.models import Role

from .factories import (
    PASSWORD,
    ApplicantFactory,
    ApproverFactory,
    ReviewerFactory,
    WaiverRequestFactory,
    bring_to,
)
from .world import World


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing stays real (sign-in, tokens and signatures check passwords) but cheap."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager_tasks(request, settings):
    """Background tasks run in-process, unless the test drives a real worker (``worker`` mark).

    The suite runs with REDIS_URL set, which turns eager mode off in settings; Celery reads its
    configuration once, so the running app's setting is switched too.
    """
    if request.node.get_closest_marker("worker"):
        yield
        return
    from portal.celery import app

    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


#: The SQLite triggers that refuse a DELETE on the audit trail and its checkpoints.
sqlite_delete_triggers = importlib.import_module(
    "waivers.migrations.0014_sqlite_audit_refuses_delete"
)


@pytest.fixture(autouse=True)
def _sqlite_trail_emptied_past_its_triggers(request):
    """PostgreSQL empties a transactional test's tables with TRUNCATE, which row triggers do not
    see; SQLite deletes their rows, which the audit tables' triggers refuse. Before that, on SQLite
    the audit tables are emptied with their DELETE triggers lifted, and the triggers put back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if connection.vendor != "sqlite" or not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")  # so the flush comes after this fixture's end
    yield
    with connection.cursor() as cursor:
        for statement in sqlite_delete_triggers.statements(sqlite_delete_triggers.DROP):
            cursor.execute(statement)
        cursor.execute("DELETE FROM waivers_auditentry")
        cursor.execute("DELETE FROM waivers_auditcheckpoint")
        for statement in sqlite_delete_triggers.statements(sqlite_delete_triggers.CREATE):
            cursor.execute(statement)


@pytest.fixture(autouse=True)
def _counts_uncached(settings):
    """Factories write cases straight to the database, unheard by the count cache, and each
    test's rows are rolled back under a cache that outlives them: counts are taken afresh unless a
    test of the cache turns it on (``cached_counts``)."""
    settings.CASE_COUNT_CACHE_SECONDS = 0


@pytest.fixture
def cached_counts(settings):
    """The count cache as production runs it, empty at the start and the end of the test."""
    settings.CASE_COUNT_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def broker_at():
    """Point the Celery app at another broker for the test (e.g. an unused port: "down")."""
    from kombu import pools

    from portal.celery import app

    original = app.conf.broker_url

    def _reset_pools():
        # Kombu caches connections and producers per broker; drop them all so the next
        # publish connects to the broker now configured.
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    def _point(url):
        _reset_pools()
        app.conf.broker_url = url

    yield _point
    _reset_pools()
    app.conf.broker_url = original


@pytest.fixture
def unused_port():
    """A local TCP port nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def case(db):
    """A complete draft addressed to an NRA, with its applicant, reviewer and approver."""
    return WaiverRequestFactory()


@pytest.fixture
def applicant(case):
    return ApplicantFactory(organisation=case.organisation)


@pytest.fixture
def reviewer(case):
    return ReviewerFactory(nra=case.authority)


@pytest.fixture
def approver(case):
    return ApproverFactory(nra=case.authority, role=Role.APPROVER)


@pytest.fixture
def other_reviewer(db):
    """A reviewer of another NRA."""
    return ReviewerFactory()


# The case of ``case`` at each stage of its review, brought there through the workflow.


@pytest.fixture
def submitted(case, applicant):
    return bring_to(case, "submitted", applicant=applicant)


@pytest.fixture
def under_review(submitted, reviewer):
    return bring_to(submitted, "under_review", reviewer=reviewer)


@pytest.fixture
def recommended(under_review, reviewer):
    return bring_to(under_review, "recommended", reviewer=reviewer)


@pytest.fixture
def approved(recommended, approver):
    return bring_to(recommended, "decided", approver=approver)


@pytest.fixture
def world(db) -> World:
    """Two organisations filing to two NRAs, and their people (tests/world.py)."""
    return World()


@pytest.fixture
def password() -> str:
    return PASSWORD
