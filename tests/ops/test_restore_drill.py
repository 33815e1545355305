"""The backup (deploy/backup) and the restore drill (deploy/restore-drill) for real: pg_dump of
the test database and the private files, restored into a fresh database, where every letter's
SHA-256 and seal, every submission's snapshot SHA-256 and every evidence file's SHA-256 verify;
a letter altered in the backup makes the drill fail and name it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from applications.models import Letter, LetterStatus
from tests.reviews.conftest import (  # noqa: F401
    _tasks_run_inline,
    approved_letter,
    submitted_with_energy,
)
from tests.services.conftest import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(django_settings.BASE_DIR)


def run(script: str, *args: str, settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "ZCP_S3_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="zcparks.settings",
        PYTHON=sys.executable,
        DATABASE_URL=database_url(django_settings.DATABASES["default"]),
        ZCP_PRIVATE_STORAGE_ROOT=str(settings.PRIVATE_STORAGE_ROOT),
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


def test_a_backup_restores_into_a_fresh_database_where_every_record_verifies(
    approved_letter,  # noqa: F811 (the fixture)
    settings,
    tmp_path,
):
    backup = tmp_path / "backup"
    made = run("backup", str(backup), settings=settings)
    assert made.returncode == 0, made.stderr
    assert (backup / "database.dump").stat().st_size > 0
    assert (backup / "files" / approved_letter.file).is_file()

    drill = run("restore-drill", str(backup), settings=settings)
    assert drill.returncode == 0, drill.stdout + drill.stderr
    letters = Letter.objects.filter(status=LetterStatus.READY).count()
    assert letters >= 1
    assert f"verified letters: {letters}, submissions: 1, attachments: 4" in drill.stdout
    assert "restore drill passed" in drill.stdout

    # A letter changed in the backup (one byte) no longer verifies: the drill fails, naming it.
    letter = backup / "files" / approved_letter.file
    content = bytearray(letter.read_bytes())
    content[len(content) // 2] ^= 0x01
    letter.write_bytes(bytes(content))
    drill = run("restore-drill", str(backup), settings=settings)
    assert drill.returncode != 0
    assert f"letter {approved_letter.reference}: SHA-256" in drill.stderr
    assert "restore drill passed" not in drill.stdout
