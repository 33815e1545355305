"""What /metrics measures at scrape time: messages waiting in the Celery queues on the Redis
broker, and the outbox's pending effects (letter renderings, e-mails) in the database.

The counters of requests and tasks are zcparks/metrics.py's; these are gauges read fresh at each
scrape, so they are right whichever process answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import redis
from django.conf import settings
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from zcparks.celery import app

from .health import REDIS_SCHEMES
from .models import EffectStatus, PendingEffect

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue's messages of priority 0 in a list named after the queue
# and those of priorities 3, 6 and 9 in lists named `<queue>\x06\x16<priority>`.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)


def queue_names() -> list[str]:
    names = [app.conf.task_default_queue]
    names += [queue.name for queue in app.conf.task_queues or () if queue.name not in names]
    return names


def redis_queue_lengths(broker_url: str) -> dict[str, int]:
    """Messages waiting in each Celery queue on the Redis broker (taken by no worker yet)."""
    timeout = float(settings.ZCP_HEALTH_TIMEOUT_SECONDS)
    client = redis.Redis.from_url(
        broker_url, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        lengths: dict[str, int] = {}
        for name in queue_names():
            keys = [name, *(f"{name}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.llen(key)
            lengths[name] = sum(pipe.execute())
        return lengths
    finally:
        client.close()


class QueueCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        broker = settings.CELERY_BROKER_URL
        if broker and urlsplit(broker).scheme in REDIS_SCHEMES:
            reachable = GaugeMetricFamily(
                "zcparks_celery_broker_up", "1 when the Redis broker answered this scrape"
            )
            queues = GaugeMetricFamily(
                "zcparks_celery_queue_length",
                "Messages waiting in a Celery queue on the Redis broker",
                labels=["queue"],
            )
            try:
                lengths = redis_queue_lengths(broker)
            except redis.RedisError as error:
                # The address may be in the message: the log has it, the scrape only a 0.
                logger.warning("metrics: the broker's queue lengths are unreadable: %r", error)
                reachable.add_metric([], 0)
            else:
                reachable.add_metric([], 1)
                for name, length in lengths.items():
                    queues.add_metric([name], length)
            yield reachable
            yield queues
        pending = GaugeMetricFamily(
            "zcparks_pending_effects",
            "Letter renderings and e-mails waiting in the outbox (PendingEffect rows pending)",
        )
        pending.add_metric([], PendingEffect.objects.filter(status=EffectStatus.PENDING).count())
        yield pending
