"""Django's Redis cache, failing open, and keeping one redis-py client per connection pool.

Failing open: the cache only ever saves work (the API throttles' counters, the case counts), so
while Redis is unreachable every call answers as a miss (a read finds nothing, a write stores
nothing) instead of raising: pages, API calls and workflow actions go on, unthrottled and
uncached. Each failure is counted (``failures`` for ``/healthz``, a counter for ``/metrics``) and
the first of an outage is logged, as is the recovery; after a failure the cache stays away from Redis for
``RETRY_AFTER_SECONDS``, so an unanswering server costs one timeout, not one per call.

One client: Django builds a new ``redis.Redis`` for every cache call, and redis-py fills ~170
response callbacks in each one's ``__init__``: a cache call cost 0.16 ms of CPU instead of 0.05,
and an API request makes three (the throttle's get and set, the case count; bench/README.md, "API
list: third round"). A client holds no connection of its own (the pool does) and is safe to
share between threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends import redis
from prometheus_client import Counter
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import prometheus  # noqa: F401  (before any metric: the multi-process set-up)

logger = logging.getLogger(__name__)

#: What an unreachable or unanswering Redis raises (redis-py wraps the socket's errors in these).
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 5.0
FAIL_OPEN_MISSES = Counter(
    "portal_cache_fail_open_misses", "Cache calls answered as a miss: Redis was unreachable."
)


class RedisCacheClient(redis.RedisCacheClient):
    # Django's own, which its stubs leave out.
    _client: Callable[..., Any]
    _get_connection_pool: Callable[[bool], Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


def _fails_open(miss: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A cache method that answers ``miss(*args, **kwargs)`` while Redis is unreachable."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def guarded(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            if self._down_until and time.monotonic() < self._down_until:
                self._count_failure()
                return miss(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                self._went_down(exc)
                return miss(*args, **kwargs)
            if self._down_until:
                self._came_back()
            return result

        return guarded

    return decorate


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _refused(*args: Any, **kwargs: Any) -> bool:
    return False


def _default(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _none_found(*args: Any, **kwargs: Any) -> dict[Any, Any]:
    return {}


def _none_stored(data: dict[Any, Any], *args: Any, **kwargs: Any) -> list[Any]:
    return list(data)


class RedisCache(redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._down_until = 0.0
        self._lock = threading.Lock()
        #: Calls answered as a miss because Redis was unreachable, since the process started.
        self.failures = 0

    def _count_failure(self) -> None:
        with self._lock:
            self.failures += 1
        FAIL_OPEN_MISSES.inc()

    def _went_down(self, exc: Exception) -> None:
        self._count_failure()
        if not self._down_until:
            logger.warning("Cache unreachable, answering every call as a miss: %s", exc)
        self._down_until = time.monotonic() + RETRY_AFTER_SECONDS

    def _came_back(self) -> None:
        self._down_until = 0.0
        logger.warning("Cache reachable again (%d calls answered as misses so far)", self.failures)

    def ping(self) -> None:
        """Ask Redis itself, raising if it does not answer (the health check's question)."""
        self._cache.get_client(write=True).ping()

    get = _fails_open(_default)(redis.RedisCache.get)
    get_many = _fails_open(_none_found)(redis.RedisCache.get_many)
    has_key = _fails_open(_refused)(redis.RedisCache.has_key)
    add = _fails_open(_refused)(redis.RedisCache.add)
    set = _fails_open(_nothing)(redis.RedisCache.set)
    set_many = _fails_open(_none_stored)(redis.RedisCache.set_many)
    touch = _fails_open(_refused)(redis.RedisCache.touch)
    delete = _fails_open(_refused)(redis.RedisCache.delete)
    delete_many = _fails_open(_nothing)(redis.RedisCache.delete_many)
    clear = _fails_open(_refused)(redis.RedisCache.clear)
