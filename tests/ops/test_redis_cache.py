"""The site's Redis cache (zcparks/redis_cache.py): Django's, with one client object per
connection pool, so that a signed-in request does not build a new redis-py client for each of its
cache calls (the session, the data generation, the page)."""

from __future__ import annotations

import os

import pytest
import redis
from django.core.cache import caches

from applications import health

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("ZCP_TEST_REDIS_URL") or settings.CELERY_BROKER_URL
    settings.CACHES = {
        "default": {
            "BACKEND": "zcparks.redis_cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "zcp-test-reused-client",
        }
    }
    cache = caches["default"]
    yield cache
    cache.clear()


def test_every_cache_call_uses_one_client_and_answers_as_djangos(redis_cache, monkeypatch):
    made = []
    real_init = redis.Redis.__init__

    def counting_init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_init)
    redis_cache.set("generation", 41, None)
    assert redis_cache.incr("generation") == 42
    assert redis_cache.add("generation", 1) is False
    redis_cache.set_many({"a": b"\x00page\x00", "b": {"headers": [("X", "1")]}}, 60)
    assert redis_cache.get_many(["a", "b", "generation"]) == {
        "a": b"\x00page\x00",
        "b": {"headers": [("X", "1")]},
        "generation": 42,
    }
    redis_cache.delete("a")
    assert redis_cache.get("a") is None and redis_cache.get("generation") == 42
    # Django's own backend made one client per call here (eleven); this one makes one in all.
    assert len(made) == 1


def test_the_health_check_finds_the_cache_server(redis_cache, settings):
    assert health.redis_urls()["cache"] == settings.CACHES["default"]["LOCATION"]
    assert health.check_redis()["status"] == health.OK
