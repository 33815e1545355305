"""Running the demo set-up again adds what is missing and never overwrites what a user changed."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounting import data_entry
from accounting.models import (
    CalculationRun,
    ElectricityRecord,
    Enterprise,
    FuelRecord,
    GenerationRecord,
    GuidingInputs,
    HeatRecord,
    ParkYear,
    ProcessRecord,
)
from applications import services
from applications.demo import DEMO_PASSWORD
from applications.demo_applications import CLOSED_BATCH, OPEN_BATCH
from applications.models import (
    Application,
    ApplicationEvent,
    Attachment,
    Batch,
    Park,
    ReviewAssignment,
    ReviewComment,
    ReviewScore,
    Submission,
    User,
)

COUNTED = (
    Park,
    User,
    ParkYear,
    Enterprise,
    FuelRecord,
    ElectricityRecord,
    GenerationRecord,
    HeatRecord,
    ProcessRecord,
    GuidingInputs,
    CalculationRun,
    Batch,
    Application,
    Submission,
    ApplicationEvent,
    Attachment,
    ReviewAssignment,
    ReviewScore,
    ReviewComment,
)


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def subei_2025() -> ParkYear:
    return ParkYear.objects.get(park__members__username="park_subei", year=2025)


def correct_a_fuel_row(client, record: FuelRecord, quantity: str) -> None:
    """The park's energy manager corrects one row on the fuel entry page."""
    client.force_login(User.objects.get(username="park_subei"))
    prefix = "fuels-0-"
    response = client.post(
        reverse(
            "accounting:records", args=[record.park_year.park_id, record.park_year.year, "fuels"]
        ),
        {
            "fuels-TOTAL_FORMS": "1",
            "fuels-INITIAL_FORMS": "1",
            "fuels-MIN_NUM_FORMS": "0",
            "fuels-MAX_NUM_FORMS": "1000",
            f"{prefix}id": record.pk,
            f"{prefix}enterprise": record.enterprise_id,
            f"{prefix}month": record.month,
            f"{prefix}fuel": record.fuel,
            f"{prefix}use": record.use,
            f"{prefix}quantity": quantity,
        },
    )
    assert response.status_code == 302, response.content.decode()


def test_a_second_demo_load_keeps_every_user_edit_and_duplicates_nothing(client, db):
    load_demo()
    park_year = subei_2025()
    diesel = FuelRecord.objects.filter(park_year=park_year, fuel="diesel", month=1).get()
    correct_a_fuel_row(client, diesel, "123.456")
    assert FuelRecord.objects.get(pk=diesel.pk).quantity == Decimal("123.456")
    # The draft's applicant rewrites a field; another person renames themselves and sets their
    # own password; the administrator renames a park and a batch and opens the pilot again.
    draft = Application.objects.get(park__members__username="park_binhai", status="draft")
    basic = dict(draft.data["basic"], location="园区位于滨海新区核心区，用户改写。")
    services.save_section(draft, "basic", basic)
    person = User.objects.get(username="prov_jiangsu")
    person.display_name = "王审核"
    person.set_password("my-own-secret-9")
    person.save()
    Park.objects.filter(members__username="park_subei").update(name="苏北零碳产业园（更名）")
    reopened = timezone.now() + datetime.timedelta(days=30)
    Batch.objects.filter(name=CLOSED_BATCH).update(deadline=reopened)
    Batch.objects.filter(name=OPEN_BATCH).update(name="2025年第一批申报（更名）")
    changed_at = subei_2025().inputs_changed_at
    before = counts()

    load_demo()

    assert counts() == before
    assert FuelRecord.objects.get(pk=diesel.pk).quantity == Decimal("123.456")
    assert subei_2025().inputs_changed_at == changed_at
    draft.refresh_from_db()
    assert draft.data["basic"]["location"] == "园区位于滨海新区核心区，用户改写。"
    person.refresh_from_db()
    assert person.display_name == "王审核"
    assert person.check_password("my-own-secret-9") and not person.check_password(DEMO_PASSWORD)
    assert not Park.objects.filter(name="苏北示范零碳产业园").exists()
    assert Batch.objects.get(name=CLOSED_BATCH).deadline == reopened
    assert not Batch.objects.filter(name=OPEN_BATCH).exists()


def test_a_demo_year_the_park_emptied_stays_empty(db):
    load_demo()
    park_year = subei_2025()
    with transaction.atomic():
        data_entry.replace_data(park_year, {})
    load_demo()
    assert not FuelRecord.objects.filter(park_year=park_year).exists()
    assert not Enterprise.objects.filter(park_year=park_year).exists()


def test_the_demo_adds_what_is_missing(db):
    load_demo()
    ParkYear.objects.filter(park__members__username="park_xibu", year=2024).delete()
    Application.objects.filter(park__members__username="park_binhai").delete()
    User.objects.filter(username="prov_tianjin").delete()

    out = load_demo()

    assert FuelRecord.objects.filter(
        park_year__park__members__username="park_xibu", park_year__year=2024
    ).exists()
    assert CalculationRun.objects.filter(
        park_year__park__members__username="park_xibu", park_year__year=2024, status="succeeded"
    ).exists()
    assert Application.objects.filter(park__members__username="park_binhai").count() == 1
    assert User.objects.get(username="prov_tianjin").check_password(DEMO_PASSWORD)
    assert "prov_tianjin" in out
