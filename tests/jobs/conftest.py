"""Helpers for the background-job tests: a case taken through review to a signed decision."""

import pytest

from ..factories import bring_to


@pytest.fixture
def decide(applicant, reviewer, approver, django_capture_on_commit_callbacks):
    """Take a case to a signed decision, running what is queued after each commit."""

    def _decide(case, outcome="approve", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            case = bring_to(
                case,
                "recommended",
                applicant=applicant,
                reviewer=reviewer,
                outcome=outcome,
                **extra,
            )
        with django_capture_on_commit_callbacks(execute=True):
            return bring_to(case, "decided", approver=approver)

    return _decide


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
