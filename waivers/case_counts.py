"""Exact counts of the cases a scope sees, cached until one of those cases changes.

Counting an NRA's tens of thousands of cases walks as many index entries on every list request:
the API list's count, the queue's, and the queue's counts per state (bench/README.md, "API list:
second round" and "Fourth round"). A count is kept per scope (``access.case_scope``) and
filter, tagged with the scope's current generation; every change to a case (``cases_changed``,
called where each change is audited) drops the generation of every scope that may see it once the
change is committed, so the next count is taken afresh. Generations are random, never reused: a
generation lost from the cache (evicted, restarted) cannot revive a count taken under an old one.

Only a cache shared by every process can hear every change: with the embedded default's
process-local cache, ``CASE_COUNT_CACHE_SECONDS`` is 0 and every count is taken from the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from . import access
from .models import WaiverRequest

T = TypeVar("T")


def _generation_key(scope: str) -> str:
    return f"case-counts:generation:{scope}"


def count(cases: QuerySet[Any], *, scope: str | None, filters: str | None) -> int:
    """``cases.count()``, the cases being the scope's under ``filters`` (a canonical text of
    filters on the cases' own columns); None for either means the count cannot be cached."""
    if filters is None:
        return cases.count()
    return kept(scope, filters, cases.count)


def kept(scope: str | None, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, a figure about the scope's cases that only a change to one of them can
    change (``key`` names it within the scope), kept until such a change commits."""
    timeout = settings.CASE_COUNT_CACHE_SECONDS
    if scope is None or not timeout:
        return compute()
    generation_key, entry_key = _generation_key(scope), f"case-counts:{scope}:{key}"
    found = cache.get_many([generation_key, entry_key])
    generation = found.get(generation_key)
    if generation is None:
        generation = uuid.uuid4().hex
        if not cache.add(generation_key, generation, timeout=None):
            return compute()  # another request started the generation meanwhile
    entry = found.get(entry_key)
    if entry is not None and entry[0] == generation:
        return cast(T, entry[1])
    figure = compute()
    cache.set(entry_key, (generation, figure), timeout)
    return figure


def cases_changed(cases: Iterable[WaiverRequest], **_signal: Any) -> None:
    """Forget the counts of every scope that may see these cases, once the change is committed
    (before it, a count could still be taken from the old rows and kept under the new generation)."""
    keys = sorted({_generation_key(scope) for case in cases for scope in access.scopes_of(case)})
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)
