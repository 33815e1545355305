"""A real worker on Redis and PostgreSQL picks up a data change and writes a new run."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction

from accounting import publishing, services, tasks
from accounting.case_upload import parse_case_file
from accounting.data_entry import replace_data
from accounting.models import CalculationRun, ElectricityRecord, ParkYear, RunStatus
from applications.models import Park, Province

from .conftest import wait_for

CASE = (
    Path(__file__).resolve().parent.parent
    / "accounting"
    / "acceptance"
    / "cases"
    / "01-green-medium.json"
)
EXPECTED = CASE.parent.parent / "expected" / CASE.name


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recalculates_after_a_data_change(celery_worker, settings):
    settings.ZCP_RECALC_COUNTDOWN_SECONDS = 0
    publishing.load_bundled_factor_sets()
    park = Park.objects.create(name="服务测试园区", province=Province.objects.get(code="32"))
    with transaction.atomic():
        park_year = ParkYear.objects.create(park=park, year=2025)
        replace_data(park_year, parse_case_file(CASE.read_bytes(), year=2025))
    first = wait_for(lambda: CalculationRun.objects.filter(park_year=park_year).first())
    assert first.status == RunStatus.SUCCEEDED, first.error
    expected = json.loads(EXPECTED.read_text(), parse_float=Decimal)
    assert abs(Decimal(first.result["intensity"]) - expected["intensity"]) < Decimal("1e-12")

    # A change of data (more grid power) after commit → the worker writes a second run.
    with transaction.atomic():
        ElectricityRecord.objects.create(
            park_year=park_year, month=1, direction="import", kind="grid", mwh=Decimal("100000")
        )
        tasks.request_recalculation(park_year)
    second = wait_for(
        lambda: CalculationRun.objects.filter(park_year=park_year).exclude(pk=first.pk).first()
    )
    assert second.status == RunStatus.SUCCEEDED
    assert Decimal(second.result["emissions_t"]["electricity"]) == (
        Decimal(first.result["emissions_t"]["electricity"]) + Decimal("83250")
    )
    assert CalculationRun.objects.filter(park_year=park_year).count() == 2  # old run kept
    park_year.refresh_from_db()
    assert park_year.recalc_queued_at is None
    assert not services.latest_result(park, 2025).pending
