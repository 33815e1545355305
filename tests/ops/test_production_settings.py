"""Production start-up refuses a missing or unsafe setting and names the variable to set.

Settings are read at import, so each case imports them in a fresh interpreter with its own
environment (as gunicorn or a Celery worker would start)."""

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


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, zcparks.settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {SHOWN!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


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
    result = subprocess.run(
        [sys.executable, "-c", MAIL], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
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
