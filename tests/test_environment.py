"""Every variable read from the environment is declared once (zcparks/environment.py), listed in
the README with the same description, and parsed strictly: a mistyped value stops the start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from zcparks import environment

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| (.+) \|$")
# A name in quotes read from os.environ, also across a line break.
READ = re.compile(
    r"(?:environ\.get|environ\.setdefault|environ\.pop|getenv)\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']"
    r"|environ\[\s*[\"']([A-Z][A-Z0-9_]+)[\"']\s*\]"
)
# Read by Django, the shell, pytest-xdist or a library, not settings of this project; bench/ has its
# own README.
NOT_OURS = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "PATH", "PYTEST_XDIST_WORKER"}


def readme_table() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    return [m.groups() for line in section.splitlines() if (m := ROW.match(line))]


def test_the_readme_lists_exactly_the_declared_variables_with_their_descriptions():
    rows = readme_table()
    names = [name for name, _description in rows]
    assert len(names) == len(set(names)), "a variable listed twice"
    declared = {v.name: v.description for v in (*environment.VARIABLES, *environment.TOOLING)}
    assert dict(rows) == declared


def test_each_description_is_one_line():
    for variable in (*environment.VARIABLES, *environment.TOOLING):
        assert "\n" not in variable.description and "|" not in variable.description


def test_every_variable_the_code_reads_is_declared():
    read: dict[str, set[str]] = {}
    paths = [
        ROOT / "dev.py",
        *[
            p
            for d in ("zcparks", "applications", "accounting", "tests")
            for p in (ROOT / d).rglob("*.py")
        ],
    ]
    for path in paths:
        for match in READ.finditer(path.read_text(encoding="utf-8")):
            read.setdefault(match.group(1) or match.group(2), set()).add(path.name)
    undeclared = set(read) - set(environment.DECLARED) - NOT_OURS
    assert not undeclared, {name: read[name] for name in undeclared}
    assert {"PORT", "ZCP_TEST_REDIS_URL", "ZCP_REQUIRE_SERVICES"} <= set(read)  # it sees reads


def test_the_settings_read_the_environment_only_through_the_declarations():
    settings_source = (ROOT / "zcparks" / "settings.py").read_text(encoding="utf-8")
    assert not READ.search(settings_source)
    assert "environment.read_all(os.environ)" in settings_source


def test_unset_and_empty_give_the_defaults_and_production_changes_some():
    development = environment.read_all({"EMAIL_HOST": "", "DJANGO_DEBUG": " "})
    assert development["EMAIL_HOST"] == "localhost"
    assert development["DJANGO_DEBUG"] is True
    assert development["ZCP_MAX_REQUEST_BYTES"] == 21 * 1024 * 1024
    production = environment.read_all({"ZCP_PRODUCTION": "1", "ZCP_MAX_IMPORT_BYTES": "1048576"})
    assert production["DJANGO_DEBUG"] is False
    assert production["DJANGO_SECRET_KEY"] == ""
    assert production["ZCP_LOG_JSON"] is True
    assert production["ZCP_MAX_REQUEST_BYTES"] == 21 * 1024 * 1024  # attachments still 20 MiB


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("ZCP_PRODUCTION", "On", True),
        ("ZCP_PRODUCTION", "no", False),
        ("EMAIL_PORT", " 587 ", 587),
        ("ZCP_TRUSTED_PROXY_COUNT", "0", 0),
        ("ZCP_HEALTH_TIMEOUT_SECONDS", "0.5", 0.5),
        ("DJANGO_ALLOWED_HOSTS", "a.example.cn, b.example.cn,", ["a.example.cn", "b.example.cn"]),
        ("ZCP_LOG_LEVEL", "info", "INFO"),
        ("ZCP_API_RATE", "5000/hour", "5000/hour"),
    ],
)
def test_a_well_formed_value_is_parsed(name, raw, value):
    assert environment.read_all({name: raw})[name] == value


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("ZCP_PRODUCTION", "yes-please"),
        ("EMAIL_USE_TLS", "ture"),
        ("EMAIL_PORT", "25a"),
        ("EMAIL_PORT", "0"),
        ("ZCP_TRUSTED_PROXY_COUNT", "-1"),
        ("ZCP_MAX_IMPORT_BYTES", "20MB"),
        ("ZCP_HEALTH_TIMEOUT_SECONDS", "nan"),
        ("ZCP_HEALTH_TIMEOUT_SECONDS", "-3"),
        ("ZCP_LOG_LEVEL", "LOUD"),
        ("ZCP_API_RATE", "120 per minute"),
        ("DATABASE_CONN_MAX_AGE", "１０"),  # full-width digits
    ],
)
def test_a_mistyped_value_is_an_error_naming_the_variable(name, raw):
    with pytest.raises(ImproperlyConfigured) as refused:
        environment.read_all({name: raw})
    assert str(refused.value).startswith(f"{name}={raw!r}: ")


def test_the_start_stops_on_a_mistyped_boolean_and_names_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ZCP_"))}
    env.update(DJANGO_SETTINGS_MODULE="zcparks.settings", ZCP_PRODUCTION="yes-please")
    done = subprocess.run(
        [sys.executable, "-c", "import zcparks.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ZCP_PRODUCTION=")
    assert "yes-please" in last
