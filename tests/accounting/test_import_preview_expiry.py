"""Import previews expire after ZCP_IMPORT_PREVIEW_HOURS: an old one is refused with a message
and deleted; the hourly beat task and the management command delete every expired one, and
keep those still within their time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from accounting import importers
from accounting.models import FuelRecord, ImportBatch
from accounting.tasks import remove_expired_previews

from .conftest import VALID_CASES, case_rows, load_case, upload, workbook_bytes

pytestmark = pytest.mark.django_db
GREEN = VALID_CASES[0]


def previews() -> list[Path]:
    folder = Path(django_settings.PRIVATE_STORAGE_ROOT) / "accounting-imports"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_a_preview_older_than_its_hours_is_refused_deleted_and_writes_nothing(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, workbook_bytes(case_rows(load_case(GREEN))))
    [stored] = previews()
    age(stored, django_settings.ZCP_IMPORT_PREVIEW_HOURS + 0.01)

    confirmed = client.post(response["Location"], {"confirm": "1"}, follow=True)

    assert "已超过 24 小时未确认" in confirmed.content.decode()
    assert previews() == []
    assert FuelRecord.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_a_preview_just_within_its_hours_is_still_confirmed(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, workbook_bytes(case_rows(load_case(GREEN))))
    [stored] = previews()
    age(stored, django_settings.ZCP_IMPORT_PREVIEW_HOURS - 0.01)

    client.post(response["Location"], {"confirm": "1"})

    assert ImportBatch.objects.count() == 1


def _stored_previews() -> tuple[Path, Path]:
    folder = Path(django_settings.PRIVATE_STORAGE_ROOT) / "accounting-imports"
    folder.mkdir(parents=True, exist_ok=True)
    old, fresh = folder / f"1-2025-{'a' * 64}.json", folder / f"1-2025-{'b' * 64}.json"
    for path in (old, fresh):
        path.write_text("{}", encoding="utf-8")
    age(old, django_settings.ZCP_IMPORT_PREVIEW_HOURS + 1)
    age(fresh, django_settings.ZCP_IMPORT_PREVIEW_HOURS - 1)
    return old, fresh


def test_the_beat_task_deletes_expired_previews_and_keeps_fresh_ones() -> None:
    old, fresh = _stored_previews()

    assert remove_expired_previews.apply().get() == 1

    assert not old.exists() and fresh.exists()


def test_the_command_deletes_expired_previews(capsys) -> None:
    old, fresh = _stored_previews()

    call_command("remove_expired_previews")

    assert not old.exists() and fresh.exists()
    assert "removed 1" in capsys.readouterr().out


def test_the_task_is_on_the_beat_schedule() -> None:
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}

    assert "accounting.remove_expired_previews" in tasks
    assert importers.remove_expired_previews() == 0  # nothing stored: nothing to do
