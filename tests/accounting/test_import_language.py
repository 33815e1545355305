"""The workbook is in the template's (Chinese) language whatever the page's language: an export
asked for from the English interface imports back from the Chinese one, and a Chinese workbook
imports from the English interface."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounting.models import FuelRecord, GenerationRecord
from accounting.models.data import FUEL_USE_LABELS

from .conftest import VALID_CASES, case_rows, import_case, load_case, upload, workbook_bytes

pytestmark = pytest.mark.django_db


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"


def chinese_labels(labels: dict) -> set[str]:
    with translation.override("zh-hans"):
        return {str(v) for v in labels.values()}


def test_an_english_export_has_chinese_labels_and_imports_from_the_chinese_interface(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[2]))
    in_english(client)
    exported = client.get(reverse("accounting:download", args=[cast.park_a.pk, 2025, "data.xlsx"]))
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content), read_only=True)
    uses = {row[3] for row in book["燃料"].iter_rows(min_row=2, values_only=True)}
    assert uses and uses <= chinese_labels(FUEL_USE_LABELS)
    fossil = {row[3] for row in book["园区内发电"].iter_rows(min_row=2, values_only=True)}
    assert fossil <= {"是", "否"}
    client.force_login(cast.applicant_b)
    in_chinese(client)
    response = upload(client, cast.park_b, 2025, exported.content, name="export.xlsx")
    assert response.status_code == 302, response.content.decode()[:3000]
    client.post(response["Location"], {"confirm": "1", "acknowledge": "1"})  # 甲园区's file
    assert FuelRecord.objects.filter(park_year__park=cast.park_b).count() == (
        FuelRecord.objects.filter(park_year__park=cast.park_a).count()
    )
    assert GenerationRecord.objects.filter(park_year__park=cast.park_b).count() == (
        GenerationRecord.objects.filter(park_year__park=cast.park_a).count()
    )


def test_a_workbook_with_chinese_labels_imports_from_the_english_interface(
    cast, client, trial_set, on_commit
):
    rows = case_rows(load_case(VALID_CASES[0]))
    with translation.override("zh-hans"):
        for row in rows["fuels"]:
            row[3] = str(FUEL_USE_LABELS[row[3]])
    client.force_login(cast.applicant_a)
    in_english(client)
    response = upload(client, cast.park_a, 2025, workbook_bytes(rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    preview = client.get(response["Location"])
    assert "Confirm import" in preview.content.decode()
