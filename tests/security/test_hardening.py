"""Hardening: production settings, headers and CSP (the login throttle has its own)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)


def production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("ZCP_CACHE_URL", None)
    env.update(
        ZCP_PRODUCTION="1",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="zcparks.example.cn",
        ZCP_PUBLIC_BASE_URL="https://zcparks.example.cn",
        DJANGO_SETTINGS_MODULE="zcparks.settings",
        # Production runs Celery on Redis and its cache beside it (nothing connects to check).
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    return env


def test_check_deploy_with_production_settings_reports_nothing():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_cookies_are_secure_and_debug_is_off():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["False", "True", "True", "True"], result.stderr


def test_pages_carry_a_content_security_policy_without_inline_script(client, cast):
    client.force_login(cast.national)
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "default-src 'self'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_style_attributes():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text
        ):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        if re.search(r"\sstyle=\"", text):
            offenders.append(f"{path.relative_to(ROOT)}: style attribute")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path.relative_to(ROOT)}: inline event handler")
    assert offenders == []
