"""Prometheus metrics: requests and their latency by route name, Celery task outcomes, and who
may read them.

Labels are bounded on purpose: a route's *name* (`application_detail`), never its path (which
holds ids and would make one series per object), the method from a fixed list, the status as its
class (`2xx`); tasks by their registered name. Nothing about a person or a park is a label.

Under gunicorn and Celery's prefork pool every process counts for itself: with
`PROMETHEUS_MULTIPROC_DIR` set, prometheus_client writes each process's values to files there and
the scrape adds them up (docs/deployment.md). Without it (development, tests) the one process's
own registry answers.

Shared code: no app is imported here (the scrape-time gauges of queues live in applications).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from zcparks.throttle import client_address

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # a path no route answers (a 404 before any view)

REQUESTS = Counter(
    "zcparks_http_requests",
    "HTTP requests answered, by method, route name and status class",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "zcparks_http_request_duration_seconds",
    "Seconds from the request's arrival to its answer, by route name",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
TASKS = Counter(
    "zcparks_celery_tasks",
    "Celery task runs ended, by task name and outcome (success, failure, retry)",
    ["task", "outcome"],
)


def route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None and match.view_name else UNMATCHED


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class RequestMetricsMiddleware:
    """Counts every answer and times it; first in MIDDLEWARE, so redirects and refusals by the
    other middleware are counted too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_name(request)
        method = request.method if request.method in METHODS else "other"
        LATENCY.labels(route=route).observe(time.perf_counter() - started)
        REQUESTS.labels(method=method, route=route, status=status_class(response.status_code)).inc()
        return response


# --- Celery signals (connected in zcparks/celery.py) -----------------------------------------


def _task_name(sender: Any) -> str:
    return getattr(sender, "name", None) or "unknown"


def task_succeeded(sender: Any = None, **_kwargs: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="success").inc()


def task_failed(sender: Any = None, **_kwargs: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="failure").inc()


def task_retried(sender: Any = None, **_kwargs: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="retry").inc()


# --- access and the scrape -------------------------------------------------------------------


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in settings.ZCP_METRICS_ALLOWED_IPS]


def scrape_allowed(request: HttpRequest) -> bool:
    """The client's address (behind ZCP_TRUSTED_PROXY_COUNT proxies, the one they saw) is in
    ZCP_METRICS_ALLOWED_IPS. A request forwarded by a proxy the settings do not declare is
    refused whatever its address: nginx on the same machine would otherwise pass every public
    client as 127.0.0.1."""
    if settings.ZCP_TRUSTED_PROXY_COUNT == 0 and request.META.get("HTTP_X_FORWARDED_FOR"):
        return False
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in allowed_networks())


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text format of every process's counters plus the gauges measured now (`extra`)."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        counted = CollectorRegistry()
        MultiProcessCollector(counted, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        counted = REGISTRY
    measured = CollectorRegistry(auto_describe=False)
    for collector in extra:
        measured.register(collector)
    # Each family stays in one piece, so the two texts may simply follow each other.
    return generate_latest(counted) + generate_latest(measured)
