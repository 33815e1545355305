"""/metrics: Prometheus' text format, only for the allowed addresses; requests counted by route
name and status class and timed, task outcomes counted through Celery's signals, and the queues
(the Redis broker's lists, the outbox's pending rows) measured at the scrape."""

from __future__ import annotations

import pytest
import redis
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from applications import workflow
from applications.models import EffectStatus, PendingEffect
from tests.applications.builders import complete_application, drive_to, open_batch
from tests.services.conftest import celery_broker_url, free_port  # noqa: F401
from zcparks.celery import app

pytestmark = pytest.mark.django_db

URL = "/metrics"


@app.task(name="tests.metrics.succeeds")
def succeeds() -> str:
    return "done"


@app.task(name="tests.metrics.fails")
def fails() -> None:
    raise RuntimeError("this task fails on purpose")


@app.task(name="tests.metrics.retries_once", bind=True, max_retries=1)
def retries_once(self, attempt: int = 0) -> str:
    if attempt == 0:
        raise self.retry(kwargs={"attempt": 1}, countdown=0)
    return "done"


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get(URL, **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_route_is_metrics():
    assert reverse("metrics") == URL


def test_a_request_to_a_named_route_counts_and_times_it_by_name(client, cast):
    before = scrape(client)
    client.force_login(cast.applicant_a)
    park_url = reverse("park_detail", kwargs={"park_id": cast.park_a.pk})
    assert client.get(park_url).status_code == 200
    after = scrape(client)

    labels = {"method": "GET", "route": "park_detail", "status": "2xx"}
    assert value(after, "zcparks_http_requests_total", **labels) == (
        value(before, "zcparks_http_requests_total", **labels) + 1
    )
    count = "zcparks_http_request_duration_seconds_count"
    assert value(after, count, route="park_detail") == value(before, count, route="park_detail") + 1
    # The route's name, never its path (ids would make one series per park).
    assert not any(str(cast.park_a.pk) in dict(key[1]).get("route", "") for key in after)
    assert not any(park_url in str(key) for key in after)


def test_status_classes_are_counted_apart(client, cast):
    before = scrape(client)
    client.force_login(cast.applicant_b)
    other_park = reverse("park_detail", kwargs={"park_id": cast.park_a.pk})
    assert client.get(other_park).status_code == 404
    client.logout()
    assert client.get(reverse("park_list")).status_code == 302
    assert client.get("/no/such/page/").status_code == 404
    after = scrape(client)

    def grew(**labels: str) -> float:
        name = "zcparks_http_requests_total"
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew(method="GET", route="park_detail", status="4xx") == 1
    assert grew(method="GET", route="park_list", status="3xx") == 1
    assert grew(method="GET", route="unmatched", status="4xx") == 1
    assert grew(method="GET", route="park_detail", status="2xx") == 0


def test_tasks_run_inline_count_success_failure_and_retry_by_name(client):
    before = scrape(client)
    assert succeeds.delay().get() == "done"
    failed = fails.delay()
    assert failed.failed()
    assert retries_once.delay().get() == "done"
    after = scrape(client)

    def grew(task: str, outcome: str) -> float:
        name = "zcparks_celery_tasks_total"
        return value(after, name, task=task, outcome=outcome) - value(
            before, name, task=task, outcome=outcome
        )

    assert grew("tests.metrics.succeeds", "success") == 1
    assert grew("tests.metrics.succeeds", "failure") == 0
    assert grew("tests.metrics.fails", "failure") == 1
    assert grew("tests.metrics.fails", "success") == 0
    assert grew("tests.metrics.retries_once", "retry") == 1
    assert grew("tests.metrics.retries_once", "success") == 1


def test_pending_effects_are_read_from_the_database_at_the_scrape(client, cast):
    assert value(scrape(client), "zcparks_pending_effects") == 0
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    PendingEffect.objects.update(status=EffectStatus.DONE)
    # The test's transaction never commits, so the letter, the mail and the opening of the
    # construction programme stay pending.
    workflow.approve(cast.national, application, "同意纳入建设名单")

    assert value(scrape(client), "zcparks_pending_effects") == 3


@pytest.mark.redis
def test_queue_length_is_the_brokers_redis_lists(client, settings, celery_broker_url):  # noqa: F811
    settings.CELERY_BROKER_URL = celery_broker_url
    broker = redis.Redis.from_url(celery_broker_url)
    try:
        assert value(scrape(client), "zcparks_celery_queue_length", queue="celery") == 0
        broker.rpush("celery", "m1", "m2", "m3")
        broker.rpush("celery\x06\x169", "urgent")  # a priority-9 message, kombu's naming
        samples = scrape(client)
        assert value(samples, "zcparks_celery_queue_length", queue="celery") == 4
        assert value(samples, "zcparks_celery_broker_up") == 1
        broker.lpop("celery")
        assert value(scrape(client), "zcparks_celery_queue_length", queue="celery") == 3
    finally:
        broker.flushdb()
        broker.close()


def test_a_broker_that_does_not_answer_is_reported_down_not_a_failed_scrape(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.ZCP_HEALTH_TIMEOUT_SECONDS = 0.5
    samples = scrape(client)
    assert value(samples, "zcparks_celery_broker_up") == 0
    assert ("zcparks_celery_queue_length", (("queue", "celery"),)) not in samples


def test_an_address_not_allowed_gets_a_404(client):
    assert client.get(URL, REMOTE_ADDR="203.0.113.7").status_code == 404
    assert client.post(URL, REMOTE_ADDR="203.0.113.7").status_code == 404
    assert client.get(URL, REMOTE_ADDR="::1").status_code == 200


def test_allowed_addresses_come_from_the_setting_networks_included(client, settings):
    settings.ZCP_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get(URL, REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get(URL, REMOTE_ADDR="127.0.0.1").status_code == 404


def test_a_request_forwarded_by_a_proxy_is_judged_by_the_client_behind_it(client, settings):
    # nginx on the machine: REMOTE_ADDR is 127.0.0.1 for every public client.
    public = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.4"}
    settings.ZCP_TRUSTED_PROXY_COUNT = 0  # a proxy the settings do not declare: refused
    assert client.get(URL, **public).status_code == 404
    settings.ZCP_TRUSTED_PROXY_COUNT = 1
    assert client.get(URL, **public).status_code == 404
    on_the_machine = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    assert client.get(URL, **on_the_machine).status_code == 200


def test_it_answers_get_only_to_allowed_addresses(client):
    assert client.post(URL).status_code == 405
