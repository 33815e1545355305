"""Production shares one cache across processes (the API's rate limit counts per token, not per
gunicorn worker); development keeps its in-process cache. Settings are read at import, so each
case imports them in a fresh interpreter with its own environment; no Redis is needed."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REDIS_CACHE = "zcparks.redis_cache.RedisCache"
LOCMEM_CACHE = "django.core.cache.backends.locmem.LocMemCache"


def settings_env(*, production: bool, **variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"ZCP_CACHE_URL", "CELERY_BROKER_URL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="zcparks.settings", ZCP_PRODUCTION="1" if production else "0")
    if production:
        env.update(
            DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
            DJANGO_ALLOWED_HOSTS="zcparks.example.cn",
            ZCP_PUBLIC_BASE_URL="https://zcparks.example.cn",
        )
    env.update(variables)
    return env


def import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import json, zcparks.settings as s; print(json.dumps(s.CACHES['default']))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def default_cache(env: dict[str, str]) -> dict[str, str]:
    result = import_settings(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("broker", "cache"),
    [
        ("redis://:s3cret@redis.internal:6380/0", "redis://:s3cret@redis.internal:6380/1"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
        (
            "rediss://zcp:s3cret@redis.internal:6390/13?ssl_cert_reqs=required",
            "rediss://zcp:s3cret@redis.internal:6390/14?ssl_cert_reqs=required",
        ),
    ],
)
def test_production_caches_on_the_brokers_redis_server_in_the_next_database(broker, cache):
    cache_settings = default_cache(settings_env(production=True, CELERY_BROKER_URL=broker))
    assert cache_settings == {"BACKEND": REDIS_CACHE, "LOCATION": cache, "KEY_PREFIX": "zcparks"}


def test_cache_url_wins_over_the_broker_in_production():
    env = settings_env(
        production=True,
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        ZCP_CACHE_URL="redis://cache.internal:6379/5",
    )
    assert default_cache(env)["LOCATION"] == "redis://cache.internal:6379/5"


def test_cache_url_alone_is_enough_for_production():
    env = settings_env(production=True, ZCP_CACHE_URL="redis://cache.internal:6379/5")
    assert default_cache(env) == {
        "BACKEND": REDIS_CACHE,
        "LOCATION": "redis://cache.internal:6379/5",
        "KEY_PREFIX": "zcparks",
    }


@pytest.mark.parametrize("broker", ["", "amqp://guest@rabbit.internal//"])
def test_production_without_redis_refuses_to_start(broker):
    result = import_settings(settings_env(production=True, CELERY_BROKER_URL=broker))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ZCP_CACHE_URL" in result.stderr and "CELERY_BROKER_URL" in result.stderr


def test_production_refuses_a_broker_on_the_last_redis_database():
    result = import_settings(
        settings_env(production=True, CELERY_BROKER_URL="redis://redis.internal:6379/15")
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "ZCP_CACHE_URL" in result.stderr


def test_development_keeps_its_in_process_cache_even_with_a_redis_broker():
    env = settings_env(production=False, CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert default_cache(env) == {"BACKEND": LOCMEM_CACHE, "LOCATION": "zcparks"}


def test_development_uses_the_cache_url_when_set():
    env = settings_env(production=False, ZCP_CACHE_URL="redis://127.0.0.1:6379/3")
    assert default_cache(env)["LOCATION"] == "redis://127.0.0.1:6379/3"
