"""The Redis cache keeps one redis-py client per connection pool (portal/cache.py)."""

import threading

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


def test_cache_calls_share_one_client():
    assert cache._cache.get_client(write=True) is cache._cache.get_client()


def test_a_shared_client_serves_every_thread():
    def write(n: int) -> None:
        for i in range(50):
            cache.set(f"cache-test:{n}:{i}", (n, i), 10)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = cache.get_many([f"cache-test:{n}:{i}" for n in range(8) for i in range(50)])
    assert found == {f"cache-test:{n}:{i}": (n, i) for n in range(8) for i in range(50)}
    cache.delete_many(list(found))
