"""What a monitor asks: is every part the site needs answering, and is work getting done?

Each check returns a small dict with its `status` ("ok", "failing", or "skipped"/"inline" when
the deployment does not use that part) and counts or timings, never a URL, host or message
from an exception: the answer is public (monitors do not log in), so it says which part fails
and leaves the reason to the server's log.

A small module rather than django-health-check: half of what matters here (pending letters and
recalculations, the inline mode of Celery) is this project's own, and its answer shape is ours.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from accounting.models import CalculationRun, ParkYear
from zcparks.celery import app
from zcparks.storage import private_storage

from .models import EffectStatus, Letter, LetterStatus, PendingEffect

logger = logging.getLogger(__name__)

OK, FAILING = "ok", "failing"
REDIS_SCHEMES = {"redis", "rediss"}
REDIS_CACHES = {"django.core.cache.backends.redis.RedisCache", "zcparks.redis_cache.RedisCache"}

Check = dict[str, Any]


def _timeout() -> float:
    return float(settings.ZCP_HEALTH_TIMEOUT_SECONDS)


def _failing(name: str, error: BaseException) -> Check:
    # The exception text may hold a host or credentials: it goes to the log, only its class out.
    logger.warning("health check %s failing: %r", name, error)
    return {"status": FAILING, "error": type(error).__name__}


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK}


def redis_urls() -> dict[str, str]:
    """The Redis servers the site uses, by role: Celery's broker and the shared cache."""
    urls: dict[str, str] = {}
    broker = settings.CELERY_BROKER_URL
    if broker and urlsplit(broker).scheme in REDIS_SCHEMES:
        urls["broker"] = broker
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND") in REDIS_CACHES:
        location = cache.get("LOCATION")
        # Django's Redis cache takes one URL, a comma-separated string or a list; the first
        # server is the one written to.
        first = location[0] if isinstance(location, list | tuple) else str(location).split(",")[0]
        urls["cache"] = first.strip()
    return urls


def check_redis() -> Check:
    urls = redis_urls()
    if not urls:
        return {"status": "skipped"}
    answer: Check = {"status": OK}
    for role, url in urls.items():
        client = redis.Redis.from_url(
            url, socket_timeout=_timeout(), socket_connect_timeout=_timeout()
        )
        try:
            client.ping()
        except Exception as error:
            answer = {**_failing(f"redis ({role})", error), "server": role}
            break
        finally:
            client.close()
    return answer


def check_celery() -> Check:
    """At least one worker answers a ping within the timeout. With no broker the tasks run
    inside the request ("inline"), so there is no worker to ask."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "inline"}
    # The broker named by the settings (the app keeps the URL it was configured with).
    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        # One try: a broker that refuses now fails the check now instead of after retries.
        conn.ensure_connection(max_retries=0)
        replies = app.control.ping(timeout=_timeout(), connection=conn)
    if not replies:
        logger.warning("health check celery failing: no worker answered a ping")
        return {"status": FAILING, "workers": 0}
    return {"status": OK, "workers": len(replies)}


def check_storage() -> Check:
    """Write, read back and delete a small file where evidence and letters are kept."""
    name = f"health/probe-{uuid.uuid4().hex}.txt"
    content = b"zcparks health probe"
    saved = private_storage.save(name, ContentFile(content))
    try:
        with private_storage.open(saved, "rb") as probe:
            if probe.read() != content:
                raise OSError("the probe file read back differs from what was written")
    finally:
        private_storage.delete(saved)
    if private_storage.exists(saved):
        raise OSError("the probe file is still there after deleting it")
    return {"status": OK}


def pending_counts(older_than: timedelta) -> dict[str, int]:
    """Work that should have been done by now: effects (letter renderings, mail) still pending,
    letters still 生成中, park-years whose data changed without a newer calculation."""
    cutoff = timezone.now() - older_than
    latest_as_of = (
        CalculationRun.objects.filter(park_year=OuterRef("pk"))
        .order_by("-started_at", "-id")
        .values("inputs_as_of")[:1]
    )
    recalculations = (
        ParkYear.objects.filter(inputs_changed_at__lt=cutoff)
        .annotate(last=Subquery(latest_as_of))
        .filter(Q(last__isnull=True) | Q(inputs_changed_at__gt=F("last")))
        .count()
    )
    return {
        "recalculations": recalculations,
        "effects": PendingEffect.objects.filter(
            status=EffectStatus.PENDING, created_at__lt=cutoff
        ).count(),
        "letters": Letter.objects.filter(
            status=LetterStatus.PENDING, created_at__lt=cutoff
        ).count(),
    }


def check_pending() -> Check:
    minutes = int(settings.ZCP_HEALTH_PENDING_MINUTES)
    counts = pending_counts(timedelta(minutes=minutes))
    status = FAILING if any(counts.values()) else OK
    if status == FAILING:
        logger.warning("health check pending failing: %s older than %s min", counts, minutes)
    return {"status": status, "older_than_minutes": minutes, **counts}


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "redis": check_redis,
    "celery": check_celery,
    "storage": check_storage,
    "pending": check_pending,
}


def run_checks() -> dict[str, Any]:
    """Every check with its time; the whole answer is "ok" only when none is failing."""
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        if name == "celery" and results.get("redis", {}).get("server") == "broker":
            # Without its broker no worker can answer; do not wait for the ping to say so.
            results[name] = {"status": FAILING, "error": "BrokerUnreachable"}
            continue
        if name == "pending" and results["database"]["status"] != OK:
            results[name] = {"status": FAILING, "error": "DatabaseUnreachable"}
            continue
        started = time.perf_counter()
        try:
            result = check()
        except Exception as error:
            result = _failing(name, error)
        result["ms"] = round((time.perf_counter() - started) * 1000)
        results[name] = result
    failing = [name for name, result in results.items() if result["status"] == FAILING]
    return {"status": FAILING if failing else OK, "failing": failing, "checks": results}
