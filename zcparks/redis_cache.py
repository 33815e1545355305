"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` for every cache operation, and
redis-py's constructor fills a table of some 170 response callbacks each time: with sessions
(D41), the data generation and the page (D42) that is three clients on every signed-in request,
about a quarter of the Python work of a page served from the cache. A `redis.Redis` is safe to
share between threads (each command takes a connection from the pool and gives it back), and the
pool itself notices a fork (gunicorn's --preload) and opens new connections in the child, so one
client per pool behaves exactly as the fresh ones did. Everything else is Django's.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
