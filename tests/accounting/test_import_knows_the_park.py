"""An import knows whose data it is: a zcp-case/1 file naming another park, province or year is
shown as such in the preview and is imported only with the user's explicit acknowledgement."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounting.models import FuelRecord, ImportBatch, ParkYear

from .conftest import VALID_CASES, import_case, load_case, upload

pytestmark = pytest.mark.django_db

GREEN = VALID_CASES[0]


def case_bytes(**changes) -> bytes:
    case = load_case(GREEN)
    park = changes.pop("park", None)
    if park is not None:
        case["park"] = park
    case.update(changes)
    return json.dumps(case, default=str, ensure_ascii=False).encode()


def test_a_file_of_another_park_is_named_and_needs_acknowledgement(
    cast, client, trial_set, on_commit
):
    content = case_bytes(park={"name": "鄂尔多斯零碳产业园", "province": "内蒙古自治区"}, year=2025)
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, content, name="case.json")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert (
        "文件所属园区“鄂尔多斯零碳产业园”（内蒙古自治区）与当前园区“甲园区”（江苏省）不一致" in page
    )
    assert 'name="acknowledge"' in page

    refused = client.post(response["Location"], {"confirm": "1"})
    assert refused.status_code == 400
    assert "须勾选确认后才能导入" in refused.content.decode()
    assert not FuelRecord.objects.exists() and not ImportBatch.objects.exists()

    done = client.post(response["Location"], {"confirm": "1", "acknowledge": "1"})
    assert done.status_code == 302
    assert ImportBatch.objects.count() == 1 and FuelRecord.objects.exists()


def test_a_file_of_another_year_is_named_and_needs_acknowledgement(
    cast, client, trial_set, on_commit
):
    content = case_bytes(park={"name": "甲园区", "province": "江苏省"}, year=2024)
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, content, name="case.json")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "文件所属年度 2024 与当前年度 2025 不一致" in page
    assert "文件所属园区" not in page
    assert client.post(response["Location"], {"confirm": "1"}).status_code == 400
    assert not ImportBatch.objects.exists()
    client.post(response["Location"], {"confirm": "1", "acknowledge": "1"})
    assert ImportBatch.objects.count() == 1


def test_a_file_of_this_park_and_year_imports_without_acknowledgement(
    cast, client, trial_set, on_commit
):
    content = case_bytes(park={"name": "甲园区", "province": "江苏省"}, year=2025)
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, content, name="case.json")
    page = client.get(response["Location"]).content.decode()
    assert "不一致" not in page and 'name="acknowledge"' not in page
    assert client.post(response["Location"], {"confirm": "1"}).status_code == 302
    assert ImportBatch.objects.count() == 1


def test_a_workbook_exported_from_another_park_is_named_and_needs_acknowledgement(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_b)
    import_case(client, cast.park_b, load_case(GREEN))
    assert ParkYear.objects.filter(park=cast.park_b).exists()
    exported = client.get(
        reverse("accounting:download", args=[cast.park_b.pk, 2025, "data.xlsx"])
    ).content

    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, exported)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "文件所属园区“乙园区”（江苏省）与当前园区“甲园区”（江苏省）不一致" in page
    assert client.post(response["Location"], {"confirm": "1"}).status_code == 400
    assert not ParkYear.objects.filter(park=cast.park_a).exists()

    # Its own export names its own park and year: no warning.
    client.force_login(cast.applicant_b)
    own = upload(client, cast.park_b, 2025, exported)
    assert own.status_code == 302
    assert "不一致" not in client.get(own["Location"]).content.decode()
