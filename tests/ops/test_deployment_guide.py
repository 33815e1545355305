"""The deployment guide's files cannot go stale: every variable the settings read is in the
environment file (and nothing it lists is read by no one), the file as shipped passes the
production start-up checks, and nginx, gunicorn and the units agree with the settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ENV_FILE = ROOT / "deploy" / "zcparks.env"
GUIDE = ROOT / "docs" / "deployment.md"
NGINX = ROOT / "deploy" / "nginx" / "zcparks.conf"
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))

# Imports the settings with os.environ replaced by a mapping that notes every name asked for.
RECORDER = """
import json, os, sys
class Recorder(dict):
    # Only what zcparks' own modules ask for; the libraries they import read their own.
    seen = set()
    def note(self, key):
        if sys._getframe(2).f_globals.get("__name__", "").startswith("zcparks"):
            self.seen.add(key)
    def get(self, key, default=None):
        self.note(key); return super().get(key, default)
    def __getitem__(self, key):
        self.note(key); return super().__getitem__(key)
    def __contains__(self, key):
        self.note(key); return super().__contains__(key)
    def setdefault(self, key, default=None):
        self.note(key); return super().setdefault(key, default)
os.environ = Recorder(os.environ)
import zcparks.settings
print(json.dumps(sorted(Recorder.seen)))
"""
PRODUCTION = {
    "ZCP_PRODUCTION": "1",
    "DJANGO_SECRET_KEY": "k" * 60,
    "DJANGO_ALLOWED_HOSTS": "zcparks.example.cn",
    "ZCP_PUBLIC_BASE_URL": "https://zcparks.example.cn",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}
# Names read in zcparks/*.py, also on branches the two imports below do not take.
READ_IN_SOURCE = re.compile(
    r"(?:environ\.get|environ\.setdefault|getenv|env_\w+)\(\s*\"([A-Z][A-Z0-9_]+)\""
    r"|environ\[\s*\"([A-Z][A-Z0-9_]+)\"\s*\]"
)


def clean_env(**variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "ZCP_", "CELERY_", "EMAIL_", "DATABASE_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="zcparks.settings", PATH=os.environ.get("PATH", ""))
    env.update(variables)
    return env


def names_read_on_import(env: dict[str, str]) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", RECORDER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def names_read_by_the_settings() -> set[str]:
    names = names_read_on_import(clean_env()) | names_read_on_import(clean_env(**PRODUCTION))
    for path in (ROOT / "zcparks").rglob("*.py"):
        for match in READ_IN_SOURCE.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def names_in_env_file() -> dict[str, str | None]:
    """NAME -> value for set lines, NAME -> None for the commented-out ones."""
    names: dict[str, str | None] = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]+)=(.*)", line.strip())
        if match:
            names[match.group(2)] = None if match.group(1) else match.group(3)
    return names


def test_every_variable_the_settings_read_is_in_the_environment_file():
    read = names_read_by_the_settings()
    assert {
        "ZCP_PUBLIC_BASE_URL",
        "DJANGO_ALLOWED_HOSTS",
        "ZCP_HEALTH_TIMEOUT_SECONDS",
        "ZCP_LOG_JSON",
        "DATABASE_URL",
    } <= read  # the recorder sees what it should
    missing = read - set(names_in_env_file())
    assert not missing, f"add to deploy/zcparks.env: {sorted(missing)}"


def test_the_environment_file_lists_nothing_the_settings_do_not_read():
    stale = set(names_in_env_file()) - names_read_by_the_settings()
    assert not stale, f"read by no one: {sorted(stale)}"


def test_the_environment_file_as_shipped_passes_the_production_checks():
    values = {name: value for name, value in names_in_env_file().items() if value is not None}
    assert values["ZCP_PRODUCTION"] == "1"
    code = "import zcparks.settings as s; print(s.ZCP_PUBLIC_BASE_URL, s.DEBUG)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(**values),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["https://zcparks.example.cn", "False"]


def test_nginx_passes_the_proxy_headers_and_allows_the_largest_request():
    site = NGINX.read_text(encoding="utf-8")
    for header in (
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto $scheme",
        "X-Request-ID $request_id",
        "Host $host",
    ):
        assert f"proxy_set_header {header};" in site
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert megabytes * 1024 * 1024 > settings.ZCP_MAX_REQUEST_BYTES


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_each_unit_reads_the_environment_file_and_runs_from_the_checkout(unit):
    text = unit.read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/zcparks/zcparks.env" in text
    assert "WorkingDirectory=/srv/zcparks/app" in text
    for relative in re.findall(r"--config (\S+)", text):
        assert (ROOT / relative).is_file(), relative


def test_there_is_a_unit_for_the_web_the_worker_and_beat():
    assert [unit.name for unit in UNITS] == [
        "zcparks-beat.service",
        "zcparks-web.service",
        "zcparks-worker.service",
    ]


def test_the_guide_names_every_deployment_file_and_the_readme_links_it():
    guide = GUIDE.read_text(encoding="utf-8")
    for path in [ENV_FILE, NGINX, ROOT / "deploy" / "gunicorn.conf.py", *UNITS]:
        assert path.name in guide, path
    assert "/health/" in guide
    assert "docs/deployment.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_collected_static_files_are_readable_by_nginx_and_uploads_are_not(tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from zcparks.storage import private_storage

    static = storages.create_storage({**settings.STORAGES["staticfiles"]})
    static.location = str(tmp_path / "static")  # where collectstatic would write
    saved = static.save("css/site.css", ContentFile(b"body {}"))
    assert (tmp_path / "static" / saved).stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "static" / "css").stat().st_mode & 0o777 == 0o755

    evidence = private_storage.save("evidence/a.pdf", ContentFile(b"%PDF"))
    assert os.stat(private_storage.path(evidence)).st_mode & 0o007 == 0
