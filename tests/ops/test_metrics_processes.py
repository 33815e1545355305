"""Under gunicorn and Celery's pool every process counts for itself: with
PROMETHEUS_MULTIPROC_DIR each writes its counts there and /metrics, in whichever process it is
asked, adds up all of them. Start-up refuses a folder that is not there and an address list
that is not addresses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(settings.BASE_DIR)

# One process of the site: two sign-in pages answered and one task run inline, then it exits.
CHILD = """
import django
django.setup()
from django.test import Client
from zcparks.celery import app

@app.task(name="tests.metrics.in_a_process")
def in_a_process():
    return 1

client = Client()
for _ in range(2):
    assert client.get("/accounts/login/").status_code == 200
assert in_a_process.delay().get() == 1
"""


def child_env(**variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "PROMETHEUS_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="zcparks.settings", **variables)
    return env


def run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.django_db
def test_the_scrape_adds_up_the_counts_of_every_process(client, settings, tmp_path):
    for _ in range(2):
        result = run(CHILD, child_env(PROMETHEUS_MULTIPROC_DIR=str(tmp_path)))
        assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("*.db")), "the processes wrote no files"

    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }
    # Both processes' answers, and only theirs (this one counts in its own memory).
    login = (("method", "GET"), ("route", "login"), ("status", "2xx"))
    assert samples[("zcparks_http_requests_total", login)] == 4
    assert samples[("zcparks_http_request_duration_seconds_count", (("route", "login"),))] == 4
    task = (("outcome", "success"), ("task", "tests.metrics.in_a_process"))
    assert samples[("zcparks_celery_tasks_total", task)] == 2
    assert (
        "zcparks_http_requests_total",
        (("method", "GET"), ("route", "metrics"), ("status", "2xx")),
    ) not in samples


def test_start_up_refuses_a_multiprocess_folder_that_is_not_there(tmp_path):
    missing = tmp_path / "no-such-folder"
    result = run("import zcparks.settings", child_env(PROMETHEUS_MULTIPROC_DIR=str(missing)))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PROMETHEUS_MULTIPROC_DIR" in result.stderr.strip().splitlines()[-1]


def test_start_up_refuses_an_allowed_address_that_is_not_one():
    result = run(
        "import zcparks.settings",
        child_env(ZCP_METRICS_ALLOWED_IPS="127.0.0.1,prometheus.internal"),
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ZCP_METRICS_ALLOWED_IPS" in last and "prometheus.internal" in last
