"""More than one machine: two application nodes (gunicorn, each in its own working directory with
its own empty private folder: no shared disk) and two Celery workers, on the one PostgreSQL (the
test database), Redis (ZCP_TEST_REDIS_URL) and object store (moto in server mode).

A decision taken on node A owes a letter: a worker renders it into the store and node B serves
it, byte for byte what the store holds and what its SHA-256 says. A recalculation asked for on
node A is taken by a worker that is then killed (SIGKILL) in the middle of it: the sweep, run
here as beat would run it, hands it to the other worker.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounting import tasks as accounting_tasks
from accounting.models import CalculationRun, ParkYear
from applications import tasks as application_tasks
from applications.models import Letter, LetterStatus
from tests.applications.builders import complete_application, drive_to, open_batch
from tests.object_store import env as object_store_env
from tests.object_store import free_port, moto_server, private_storage_settings
from tests.reviews.conftest import add_energy_data
from tests.services.conftest import CeleryWorker, celery_broker_url, database_url  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(django_settings.BASE_DIR)
START_TIMEOUT_SECONDS = 60
HELD_SECONDS = 60  # worker 1 holds the recalculation this long: it is killed well before


class Node:
    """One application machine: gunicorn on its own port, in its own folder."""

    def __init__(self, name: str, folder: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir()
        self.folder = folder
        self.log = (folder / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--pythonpath",
                str(ROOT),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "60",
                "--name",
                name,
                "zcparks.wsgi:application",
            ],
            cwd=folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**env, "ZCP_PRIVATE_STORAGE_ROOT": str(folder / "private")},
        )

    def wait(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.folder / "gunicorn.log").read_text(errors="replace"))
            try:
                if requests.get(f"{self.url}/accounts/login/", timeout=10).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or still loading
                pass
            time.sleep(0.2)
        raise RuntimeError(f"node on {self.url} did not answer")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def signed_in(user) -> requests.Session:
    """A browser's session for `user`, valid on every node (sessions are in the database)."""
    client = Client()
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set(
        django_settings.SESSION_COOKIE_NAME,
        client.cookies[django_settings.SESSION_COOKIE_NAME].value,
    )
    return browser


def post(browser: requests.Session, node: Node, path: str, data: dict) -> requests.Response:
    """A form post as the browser sends it: the CSRF cookie from a page of the same site."""
    if "csrftoken" not in browser.cookies:
        browser.get(f"{node.url}/accounts/login/", timeout=30)
    token = browser.cookies["csrftoken"]
    return browser.post(
        f"{node.url}{path}",
        data={**data, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{node.url}{path}"},
        timeout=60,
        allow_redirects=False,
    )


def until(predicate, timeout: float, beat=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if beat:
            beat()
        time.sleep(0.25)
    pytest.fail(f"not done within {timeout} s")


def beat() -> None:
    """What celery beat does every minute, here every moment."""
    accounting_tasks.sweep()
    application_tasks.sweep()


@pytest.fixture
def machines(cast, tmp_path, settings, celery_broker_url, monkeypatch):  # noqa: F811
    from zcparks.celery import app

    # The application under national review, built before the broker is set: what it queues
    # (a calculation, mail) runs here, inline, and leaves the workers nothing of it to do.
    batch = open_batch()
    add_energy_data(cast.park_a, batch.year - 1)
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "under_national_review", cast
    )
    monkeypatch.setenv("CELERY_BROKER_URL", celery_broker_url)
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_BROKER_URL = celery_broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.ZCP_EFFECT_RETRY_SECONDS = 2  # a message handed over 2 s ago is taken as lost
    app.close()
    app.amqp._producer_pool = None
    app.conf.broker_url = celery_broker_url
    app.conf.task_always_eager = False
    started: list = []
    with moto_server(tmp_path) as store:
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("CELERY_", "PROMETHEUS_", "ZCP_S3_"))
            },
            "DJANGO_SETTINGS_MODULE": "zcparks.settings",
            "DATABASE_URL": database_url(django_settings.DATABASES["default"]),
            "CELERY_BROKER_URL": celery_broker_url,
            "ZCP_SIGNING_DIR": str(settings.ZCP_SIGNING_DIR),
            "PYTHONUNBUFFERED": "1",
            **object_store_env(store),
        }
        settings.STORAGES = {**settings.STORAGES, "private": private_storage_settings(store)}
        workers: list[CeleryWorker] = []
        try:
            nodes = [Node(name, tmp_path / name, env) for name in ("node-a", "node-b")]
            started.extend(nodes)
            workers += [
                CeleryWorker(
                    env={
                        **env,
                        "ZCP_PRIVATE_STORAGE_ROOT": str(tmp_path / "w1"),
                        "ZCP_TEST_TASK_DELAY_SECONDS": str(HELD_SECONDS),
                    },
                    log_path=tmp_path / "worker-1.log",
                    name=f"zcp-w1-{os.getpid()}-{time.monotonic_ns()}@localhost",
                ),
                CeleryWorker(
                    env={**env, "ZCP_PRIVATE_STORAGE_ROOT": str(tmp_path / "w2")},
                    log_path=tmp_path / "worker-2.log",
                    name=f"zcp-w2-{os.getpid()}-{time.monotonic_ns()}@localhost",
                ),
            ]
            for worker in workers:
                worker.start()
                started.append(worker)
            for node in nodes:
                node.wait()
            yield application, nodes, workers, store, tmp_path
        finally:
            for thing in reversed(started):
                thing.stop()
            app.close()
            app.amqp._producer_pool = None
            app.conf.broker_url = saved["broker_url"]
            app.conf.task_always_eager = saved["task_always_eager"]


def test_two_nodes_and_two_workers_share_the_database_the_broker_and_the_files(cast, machines):
    application, (node_a, node_b), (worker_1, worker_2), store, folder = machines
    year = application.batch.year - 1
    park_year = ParkYear.objects.get(park=cast.park_a, year=year)
    runs_before = CalculationRun.objects.filter(park_year=park_year).count()
    park, national = signed_in(cast.applicant_a), signed_in(cast.national)

    # A decision on node A owes a letter: whichever worker takes it renders it into the store,
    # and node B serves it.
    response = post(
        national,
        node_a,
        reverse("review_decide", args=[application.pk, "approve"]),
        {"comment": "同意纳入建设名单", "confirmed_act": "1"},
    )
    assert response.status_code == 302, response.text
    letter = until(
        lambda: Letter.objects.filter(
            application=application, kind="assessment", status=LetterStatus.READY
        ).first(),
        40,
        beat,
    )
    response = national.get(
        f"{node_b.url}{reverse('letter_download', args=[application.pk, letter.pk])}", timeout=60
    )
    assert response.status_code == 200
    assert response.content == store.read(letter.file)
    assert hashlib.sha256(response.content).hexdigest() == letter.sha256

    # Worker 2 goes down for a moment, so worker 1 takes the recalculation asked for on node A,
    # starts it (the task clears its queued marker first) and dies in the middle of it.
    worker_2.stop()
    response = post(
        park, node_a, reverse("accounting:recalculate", args=[cast.park_a.pk, year]), {}
    )
    assert response.status_code == 302, response.text
    assert ParkYear.objects.filter(pk=park_year.pk, recalc_queued_at__isnull=False).exists()
    until(
        lambda: ParkYear.objects.filter(pk=park_year.pk, recalc_queued_at__isnull=True).exists(), 30
    )
    worker_1.kill()
    assert CalculationRun.objects.filter(park_year=park_year).count() == runs_before
    # Worker 2 is back; the sweep hands it what the dead worker held.
    worker_2.start()
    until(
        lambda: CalculationRun.objects.filter(park_year=park_year).count() > runs_before, 40, beat
    )
    park_year.refresh_from_db()
    latest = CalculationRun.objects.filter(park_year=park_year).latest("started_at", "pk")
    assert latest.inputs_as_of >= park_year.inputs_changed_at
    assert "ZCP_TEST_TASK_DELAY_SECONDS" not in worker_2.env  # worker 1 never finished it

    # No machine kept a file of its own: everything is in the store.
    for machine in ("node-a", "node-b", "w1", "w2"):
        private = folder / machine / "private" if machine.startswith("node") else folder / machine
        assert not private.exists() or not any(p.is_file() for p in private.rglob("*"))
    assert worker_2.process.poll() is None
