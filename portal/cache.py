"""Django's Redis cache, keeping one redis-py client per connection pool.

Django builds a new ``redis.Redis`` for every cache call, and redis-py fills ~170 response
callbacks in each one's ``__init__``: a cache call cost 0.16 ms of CPU instead of 0.05, and an
API request makes three (the throttle's get and set, the case count; bench/README.md, "API
list: third round"). A client holds no connection of its own (the pool does) and is safe to
share between threads.
"""

from collections.abc import Callable
from typing import Any

from django.core.cache.backends import redis


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


class RedisCache(redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
