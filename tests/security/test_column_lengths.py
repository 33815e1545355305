"""What passes the import preview or the API's checks always fits its database column: every
text column is held to its model field's max_length, tried at the edge for every column."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import Workbook

from accounting import import_errors, importers, publishing, services
from accounting.models import Enterprise, ImportBatch
from accounting.sheets import SHEETS, SHEETS_BY_KEY

pytestmark = pytest.mark.django_db

TEXT_KINDS = {"text", "enterprise", "text_long"}
WRITTEN_TEXT_COLUMNS = [
    (sheet, column, importers.SHEET_MODELS[sheet.key]._meta.get_field(column.key).max_length)
    for sheet in SHEETS
    if sheet.key in importers.SHEET_MODELS
    for column in sheet.columns
    if column.kind in TEXT_KINDS and column.kind != "enterprise"
]


def errors_for(sheet, column, value: str) -> list[import_errors.RowError]:
    publishing.load_bundled_factor_sets()
    _code, fuels = services.fuels_for(None, 2025)
    row = [None] * len(sheet.columns)
    row[sheet.columns.index(column)] = value
    tables = {sheet.title: [(1, sheet.headers), (2, row)]}
    errors: list[import_errors.RowError] = []
    importers._parse_tables(tables, fuels, errors)
    return [e for e in errors if e.column == column.header]


def test_every_written_text_column_has_a_model_length() -> None:
    names = {(sheet.key, column.key) for sheet, column, _length in WRITTEN_TEXT_COLUMNS}

    assert ("enterprises", "credit_code") in names and ("processes", "basis") in names
    assert all(length for _sheet, _column, length in WRITTEN_TEXT_COLUMNS)


@pytest.mark.parametrize(
    ("sheet", "column", "length"),
    WRITTEN_TEXT_COLUMNS,
    ids=[f"{s.key}.{c.key}" for s, c, _l in WRITTEN_TEXT_COLUMNS],
)
def test_a_text_at_its_columns_length_passes_and_one_more_is_refused(sheet, column, length):
    assert errors_for(sheet, column, "字" * length) == []

    [error] = errors_for(sheet, column, "字" * (length + 1))
    assert (error.sheet, error.row) == (sheet.title, 2)
    assert str(length) in error.message


def workbook(enterprises: list[list]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    sheet = book.create_sheet(SHEETS_BY_KEY["enterprises"].title)
    sheet.append(SHEETS_BY_KEY["enterprises"].headers)
    for row in enterprises:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_19_character_credit_code_is_refused_at_the_preview_naming_the_cell(client, cast):
    publishing.load_bundled_factor_sets()
    client.force_login(cast.applicant_a)
    url = reverse("accounting:upload", args=[cast.park_a.pk, 2025])
    file = io.BytesIO(workbook([["甲公司", "9" * 19, "化工"]]))
    file.name = "data.xlsx"

    response = client.post(url, {"file": file})

    assert response.status_code == 400
    errors = [str(e) for e in response.context["errors"]]
    assert "工作表“企业” 第 2 行 “统一社会信用代码”列：最多 18 个字符" in errors, errors
    assert ImportBatch.objects.count() == 0 and Enterprise.objects.count() == 0


def test_the_api_refuses_a_19_character_credit_code_naming_its_json_path(cast):
    from rest_framework.test import APIClient

    from applications.kernel import tokens
    from tests.api.conftest import assert_error

    publishing.load_bundled_factor_sets()
    client = APIClient()
    issued = tokens.issue_token(cast.applicant_a, cast.park_a, "平台A")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    url = f"/api/v1/parks/{cast.park_a.pk}/years/2025/data/"

    def push(code: str):
        body = {
            "enterprises": [{"name": "甲公司", "credit_code": code}],
            "electricity": [{"direction": "import", "kind": "grid", "mwh": "10"}],
        }
        return client.put(url, json.dumps(body), content_type="application/json")

    fields = assert_error(push("9" * 19), 400)
    assert "18" in fields["enterprises[0].credit_code"]
    assert Enterprise.objects.count() == 0
    response = push("9" * 18)
    assert response.status_code != 500
    assert "enterprises[0].credit_code" not in response.content.decode()
