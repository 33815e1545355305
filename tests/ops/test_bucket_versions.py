"""Bucket versioning (decision D40), against a real S3-compatible server (moto in server mode):
`manage.py bucket_versioning` says whether the private files' bucket keeps earlier versions, and
the restore drill with --bucket-at restores a letter spoilt in the bucket after the backup from
its earlier version, while the bucket as it is now fails the drill, naming the letter."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.object_store import env as store_env
from tests.object_store import moto_server, private_storage_settings
from tests.reviews.conftest import (  # noqa: F401
    _tasks_run_inline,
    approved_letter,
    submitted_with_energy,
)
from tests.services.conftest import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto")) as running:
        running.client().put_bucket_versioning(
            Bucket=running.bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        yield running


@pytest.fixture(autouse=True)
def _private_files_on_the_store(store, settings):
    settings.STORAGES = {**settings.STORAGES, "private": private_storage_settings(store)}


def run(script: str, *args: str, store, settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "ZCP_S3_"))}
    env.update(
        store_env(store),
        DJANGO_SETTINGS_MODULE="zcparks.settings",
        PYTHON=sys.executable,
        DATABASE_URL=database_url(django_settings.DATABASES["default"]),
        ZCP_SIGNING_DIR=str(settings.ZCP_SIGNING_DIR),
    )
    return subprocess.run(
        [str(ROOT / "deploy" / script), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_command_reports_whether_the_bucket_keeps_versions(store, capsys):
    call_command("bucket_versioning")
    assert f"bucket {store.bucket}: versioning Enabled" in capsys.readouterr().out
    store.client().put_bucket_versioning(
        Bucket=store.bucket, VersioningConfiguration={"Status": "Suspended"}
    )
    try:
        with pytest.raises(CommandError, match="versioning Suspended; turn it on with"):
            call_command("bucket_versioning")
    finally:
        store.client().put_bucket_versioning(
            Bucket=store.bucket, VersioningConfiguration={"Status": "Enabled"}
        )


def test_a_bucket_never_versioned_is_reported_and_cannot_go_back(store, settings, tmp_path):
    store.client().create_bucket(Bucket="zcparks-unversioned")
    options = private_storage_settings(store)
    options = {**options, "OPTIONS": {**options["OPTIONS"], "bucket_name": "zcparks-unversioned"}}
    settings.STORAGES = {**settings.STORAGES, "private": options}
    with pytest.raises(CommandError, match="zcparks-unversioned: versioning never enabled"):
        call_command("bucket_versioning")
    with pytest.raises(CommandError, match="has no versioning"):
        call_command("export_private_files", str(tmp_path), at=timezone.now().isoformat())


def test_the_drill_restores_a_letter_spoilt_after_the_backup_from_its_earlier_version(
    approved_letter,  # noqa: F811 (the fixture)
    store,
    settings,
    tmp_path,
):
    assert store.read(approved_letter.file)  # the letter is in the bucket
    backup = tmp_path / "backup"
    made = run("backup", str(backup), store=store, settings=settings)
    assert made.returncode == 0, made.stderr
    time.sleep(1.1)  # S3 times are to the second
    backed_up = timezone.now().isoformat()
    time.sleep(1.1)
    # After the backup the letter is overwritten in the bucket (a new version, one byte off).
    spoilt = bytearray(store.read(approved_letter.file))
    spoilt[len(spoilt) // 2] ^= 0x01
    store.client().put_object(Bucket=store.bucket, Key=approved_letter.file, Body=bytes(spoilt))
    assert store.read(approved_letter.file) == bytes(spoilt)

    now = run(
        "restore-drill",
        "--bucket-at",
        timezone.now().isoformat(),
        str(backup),
        store=store,
        settings=settings,
    )
    assert now.returncode != 0
    assert f"letter {approved_letter.reference}: SHA-256" in now.stderr

    then = run(
        "restore-drill", "--bucket-at", backed_up, str(backup), store=store, settings=settings
    )
    assert then.returncode == 0, then.stdout + then.stderr
    assert "copied" in then.stdout and "restore drill passed" in then.stdout
