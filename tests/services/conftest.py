"""A real Celery worker on Redis, working on the pytest TEST database (PostgreSQL).

Use with ``@pytest.mark.redis``, ``@pytest.mark.postgres`` and
``@pytest.mark.django_db(transaction=True)`` (the worker is another process: it sees only
committed data). The fixture ``celery_worker`` starts
``python -m celery -A zcparks worker --pool=solo`` with DATABASE_URL pointing at the test
database and CELERY_BROKER_URL at ``ZCP_TEST_REDIS_URL`` (a separate Redis db, flushed first),
points this process's Celery app at the same broker (no eager mode), and waits until the worker
answers a ping. The returned object has ``.process``, ``.stop()``, ``.kill()`` (SIGKILL, as a
crash would) and ``.start()`` (again), and ``.log()`` (the worker's output so far).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings

# Generous: a worker boots Django and connects to both services, slowly on a loaded machine.
PING_TIMEOUT_SECONDS = 90


def database_url(db: dict) -> str:
    assert db["ENGINE"].endswith("postgresql"), "the worker fixture needs PostgreSQL"
    user = quote(db.get("USER") or "", safe="")
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{db['NAME']}"


@dataclass
class CeleryWorker:
    env: dict[str, str]
    log_path: Path
    name: str
    process: subprocess.Popen | None = None
    _log: object = field(default=None, repr=False)

    def start(self) -> CeleryWorker:
        from zcparks.celery import app

        assert self.process is None or self.process.poll() is not None, "worker already running"
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "zcparks",
                "worker",
                "--pool=solo",
                "-l",
                "warning",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=django_settings.BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + PING_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.log()}")
            try:
                replies = app.control.ping(destination=[self.name], timeout=0.5)
            except Exception:
                # A pooled connection to a broker that has restarted since: drop the pools.
                app.close()
                app.amqp._producer_pool = None
                continue
            if replies:
                return self
        self.kill()
        raise RuntimeError(
            f"celery worker did not answer a ping in {PING_TIMEOUT_SECONDS} s:\n{self.log()}"
        )

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM): the worker finishes its current task first."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would; acks_late tasks are delivered again."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self._close_log()

    def log(self) -> str:
        return (
            self.log_path.read_text(encoding="utf-8", errors="replace")
            if self.log_path.exists()
            else ""
        )

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@pytest.fixture
def celery_broker_url():
    url = os.environ.get("ZCP_TEST_REDIS_URL")
    if not url:
        pytest.skip("ZCP_TEST_REDIS_URL is not set")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def celery_worker(transactional_db, settings, celery_broker_url, tmp_path, monkeypatch):
    from zcparks.celery import app

    # Celery reads the CELERY_BROKER_URL environment variable before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", celery_broker_url)

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_BROKER_URL = celery_broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.close()  # drop any pooled connection to the previous broker
    # close() keeps the producer pool (used by sends and by control.ping): drop it too, or the
    # pings go to the broker of an earlier send and the worker never answers.
    app.amqp._producer_pool = None
    app.conf.broker_url = celery_broker_url
    app.conf.task_always_eager = False
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zcparks.settings",
        "DATABASE_URL": database_url(django_settings.DATABASES["default"]),
        "CELERY_BROKER_URL": celery_broker_url,
        "ZCP_PRIVATE_STORAGE_ROOT": str(settings.PRIVATE_STORAGE_ROOT),
        "ZCP_SIGNING_DIR": str(settings.ZCP_SIGNING_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    worker = CeleryWorker(
        env=env,
        log_path=tmp_path / "celery-worker.log",
        name=f"zcp-test-{os.getpid()}-{time.monotonic_ns()}@localhost",
    )
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        app.close()
        app.amqp._producer_pool = None
        app.conf.broker_url = saved["broker_url"]
        app.conf.task_always_eager = saved["task_always_eager"]


def wait_for(predicate, timeout: float = 30, interval: float = 0.2, beat=None, explain=None):
    """Poll ``predicate`` until it returns something truthy; return it (or fail after timeout).

    ``beat``: called every 5 s meanwhile, as Celery beat calls the sweeps; ``explain``: what to
    print when the time is up (a worker's log, say)."""
    deadline = time.monotonic() + timeout
    next_beat = time.monotonic() + 5
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if beat is not None and time.monotonic() >= next_beat:
            beat()
            next_beat = time.monotonic() + 5
        time.sleep(interval)
    detail = f"\n{explain()}" if explain is not None else ""
    pytest.fail(f"condition not met within {timeout} s{detail}")


# --- A Redis server the test owns ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    """`redis-server` on a free port with no persistence: stopping it loses every key, as a
    crash of an unpersisted broker would, and `start()` again brings it back empty."""

    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        import redis

        assert self.process is None or self.process.poll() is not None, "redis already running"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited early:\n{self.log_path.read_text()}")
            try:
                if redis.Redis.from_url(self.url, socket_timeout=0.5).ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not answer within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # as a crash: nothing is written, nothing survives
            self.process.wait(10)


@pytest.fixture
def redis_server(tmp_path):
    """A Redis server started and stopped by the test itself."""
    if shutil.which("redis-server") is None:
        message = "needs the redis-server program"
        if os.environ.get("ZCP_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} (ZCP_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)
    server = RedisServer(port=free_port(), log_path=tmp_path / "redis-server.log").start()
    try:
        yield server
    finally:
        server.stop()
