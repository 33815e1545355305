"""Production start-up refuses a missing or unsafe setting and names the variable to set.

Settings are read at import, so each case imports them in a fresh interpreter with its own
environment (as gunicorn or a Celery worker would start). The interpreters are forked from one
started once per file, which has imported what the settings import (Django, Celery, the zcparks
package) but never the settings themselves: each case's child is given its environment before
the settings are first imported, as a new process would be, without paying Python's and
Celery's start-up again."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SHOWN = ("ZCP_PUBLIC_BASE_URL", "ALLOWED_HOSTS", "DEBUG")


def environment(*, production: bool = True, **variables: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "EMAIL_"))
        and k not in {"ZCP_CACHE_URL", "ZCP_PUBLIC_BASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="zcparks.settings",
        ZCP_PRODUCTION="1" if production else "0",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    if production:
        env.update(
            DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
            DJANGO_ALLOWED_HOSTS="zcparks.example.cn",
            ZCP_PUBLIC_BASE_URL="https://zcparks.example.cn",
        )
    for name, value in variables.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


# Runs in the one long-lived interpreter: for each request (a line of JSON) a forked child
# takes the request's environment, runs its code as `python -c` would (an uncaught exception's
# traceback on stderr, exit status 1) and writes its output to the files named.
FORK_SERVER = r"""
import json, os, sys, traceback
import dj_database_url, zcparks, zcparks.environment, zcparks.production, zcparks.storage_config
assert "zcparks.settings" not in sys.modules
for line in sys.stdin:
    request = json.loads(line)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.environ.clear()
            os.environ.update(request["env"])
            for fd, name in ((1, "out"), (2, "err")):
                os.dup2(os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            try:
                exec(compile(request["code"], "<string>", "exec"), {"__name__": "__main__"})
                status = 0
            except SystemExit as exit:
                status = exit.code if isinstance(exit.code, int) else 1
            except BaseException:
                traceback.print_exc()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)
    _pid, waited = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(waited), flush=True)
"""

_server: list[subprocess.Popen] = []


@pytest.fixture(scope="module", autouse=True)
def _fork_server():
    yield
    for server in _server:
        server.stdin.close()
        server.wait(timeout=60)
    _server.clear()


def run_fresh(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -c code` with the environment `env` (forked, see FORK_SERVER)."""
    if not _server:
        _server.append(
            subprocess.Popen(
                [sys.executable, "-c", FORK_SERVER],
                cwd=ROOT,
                env=environment(production=False),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    server = _server[0]
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder) / "out", Path(folder) / "err"
        request = {"code": code, "env": env, "out": str(out), "err": str(err)}
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        status = server.stdout.readline()
        assert status, "the fork server ended"
        return subprocess.CompletedProcess(
            ["python", "-c", code],
            int(status),
            out.read_text() if out.exists() else "",
            err.read_text() if err.exists() else "",
        )


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, zcparks.settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {SHOWN!r}}}))"
    )
    return run_fresh(code, env)


def started(env: dict[str, str]) -> dict:
    result = start(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(env: dict[str, str]) -> str:
    result = start(env)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_production_starts_with_the_public_address_and_its_host():
    assert started(environment()) == {
        "ZCP_PUBLIC_BASE_URL": "https://zcparks.example.cn",
        "ALLOWED_HOSTS": ["zcparks.example.cn"],
        "DEBUG": False,
    }


def test_production_refuses_to_start_without_the_public_base_url():
    message = refused(environment(ZCP_PUBLIC_BASE_URL=None))
    assert "ZCP_PUBLIC_BASE_URL" in message and "QR" in message


def test_production_refuses_an_empty_public_base_url():
    assert "ZCP_PUBLIC_BASE_URL" in refused(environment(ZCP_PUBLIC_BASE_URL=" "))


@pytest.mark.parametrize(
    "url",
    ["http://zcparks.example.cn", "zcparks.example.cn", "https://", "ftp://zcparks.example.cn"],
)
def test_production_refuses_a_public_base_url_that_is_not_https_with_a_host(url):
    message = refused(environment(ZCP_PUBLIC_BASE_URL=url))
    assert "ZCP_PUBLIC_BASE_URL must be a https://" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://zcparks.example.cn/zcp",
        "https://zcparks.example.cn/verify/",
        "https://zcparks.example.cn/?lang=en",
        "https://zcparks.example.cn#top",
    ],
)
def test_a_public_base_url_with_a_path_query_or_fragment_is_refused(url):
    message = refused(environment(ZCP_PUBLIC_BASE_URL=url))
    assert "ZCP_PUBLIC_BASE_URL must be the scheme and host only" in message


def test_a_public_base_url_with_credentials_is_refused():
    message = refused(environment(ZCP_PUBLIC_BASE_URL="https://admin:pw@zcparks.example.cn"))
    assert "ZCP_PUBLIC_BASE_URL must not carry a user name or password" in message


def test_a_trailing_slash_and_a_port_are_kept_as_the_address():
    env = environment(ZCP_PUBLIC_BASE_URL="https://zcparks.example.cn:8443/")
    assert started(env)["ZCP_PUBLIC_BASE_URL"] == "https://zcparks.example.cn:8443"


def test_production_refuses_to_start_without_allowed_hosts():
    message = refused(environment(DJANGO_ALLOWED_HOSTS=None))
    assert "DJANGO_ALLOWED_HOSTS" in message


def test_production_refuses_any_host():
    env = environment(DJANGO_ALLOWED_HOSTS="zcparks.example.cn,*")
    assert "DJANGO_ALLOWED_HOSTS" in refused(env)


def test_production_refuses_a_public_address_its_hosts_would_refuse():
    message = refused(environment(ZCP_PUBLIC_BASE_URL="https://zcp.other.cn"))
    assert "ZCP_PUBLIC_BASE_URL" in message and "DJANGO_ALLOWED_HOSTS" in message


def test_allowed_hosts_may_cover_the_public_host_by_a_domain_pattern():
    env = environment(
        DJANGO_ALLOWED_HOSTS=".example.cn", ZCP_PUBLIC_BASE_URL="https://zcp.example.cn"
    )
    assert started(env)["ZCP_PUBLIC_BASE_URL"] == "https://zcp.example.cn"


def test_production_refuses_debug():
    assert "DJANGO_DEBUG" in refused(environment(DJANGO_DEBUG="1"))


def test_production_refuses_an_empty_secret_key():
    assert "DJANGO_SECRET_KEY" in refused(environment(DJANGO_SECRET_KEY=""))


def test_development_defaults_to_the_local_server_and_accepts_http():
    assert started(environment(production=False))["ZCP_PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"
    env = environment(production=False, ZCP_PUBLIC_BASE_URL="http://192.168.1.5:8000/")
    assert started(env)["ZCP_PUBLIC_BASE_URL"] == "http://192.168.1.5:8000"


def test_development_refuses_a_path_mistake_too():
    env = environment(production=False, ZCP_PUBLIC_BASE_URL="http://127.0.0.1:8000/zcp")
    assert "ZCP_PUBLIC_BASE_URL" in refused(env)


MAIL = "import zcparks.settings as s; print(s.EMAIL_BACKEND, s.EMAIL_USE_TLS, s.EMAIL_TIMEOUT)"


def mail_settings(env: dict[str, str]) -> list[str]:
    result = run_fresh(MAIL, env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_sends_mail_by_smtp_with_a_timeout_and_development_prints_it():
    smtp, console = (
        "django.core.mail.backends.smtp.EmailBackend",
        ("django.core.mail.backends.console.EmailBackend"),
    )
    assert mail_settings(environment()) == [smtp, "False", "30"]
    assert mail_settings(environment(production=False))[0] == console
    assert mail_settings(environment(EMAIL_USE_TLS="1", EMAIL_TIMEOUT="5"))[1:] == ["True", "5"]


def test_starttls_and_ssl_together_are_refused_naming_both():
    message = refused(environment(EMAIL_USE_TLS="1", EMAIL_USE_SSL="1"))
    assert "EMAIL_USE_TLS" in message and "EMAIL_USE_SSL" in message
