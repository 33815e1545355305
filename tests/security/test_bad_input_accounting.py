"""Hostile input to the energy-data forms and the import: a message naming the field (or the
sheet, row and column), status 400, and not one row written."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from openpyxl import Workbook

from accounting import publishing
from accounting.models import (
    ElectricityRecord,
    Enterprise,
    FuelRecord,
    GuidingInputs,
    ImportBatch,
    ParkYear,
    ProcessRecord,
)
from accounting.sheets import SHEETS
from tests.factories import ParkFactory, UserFactory

DATA_MODELS = (
    ParkYear,
    Enterprise,
    FuelRecord,
    ElectricityRecord,
    ProcessRecord,
    GuidingInputs,
    ImportBatch,
)
HOSTILE_NUMBERS = [
    "-1",
    "-0.000001",
    "1e16",
    "10000000000000000",
    "0.1234567",
    "abc",
    "1,5",
    "NaN",
    "Infinity",
    "--1",
    "<script>alert(1)</script>",
    " ",
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in DATA_MODELS}


@pytest.fixture
def applicant(client, cast):
    publishing.load_bundled_factor_sets()
    client.force_login(cast.applicant_a)
    return client


def post_rows(client, park, kind: str, rows: list[dict[str, Any]], year: int = 2025):
    data = {
        f"{kind}-TOTAL_FORMS": str(len(rows)),
        f"{kind}-INITIAL_FORMS": "0",
        f"{kind}-MIN_NUM_FORMS": "0",
        f"{kind}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{kind}-{i}-{key}": value for key, value in row.items()})
    return client.post(reverse("accounting:records", args=[park.pk, year, kind]), data)


def upload(client, park, content: bytes, name: str, year: int = 2025):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("accounting:upload", args=[park.pk, year]), {"file": file})


def workbook(rows: dict[str, list[list]], tweak=None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title)
        ws.append(sheet.headers)
        for row in rows.get(sheet.key, []):
            ws.append(row)
    if tweak:
        tweak(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ROWS = {
    "enterprises": [["甲公司", None, None]],
    "fuels": [["甲公司", 1, "diesel", "end_use", "100"]],
    "electricity": [[None, None, "import", "grid", "5000"]],
}


def error_text(response) -> str:
    return " | ".join(str(e) for e in (response.context.get("errors") or []))


# --- the forms -----------------------------------------------------------------------------------


def test_a_new_years_record_pages_open_without_creating_anything(applicant, cast) -> None:
    before = counts()
    for kind in (
        "enterprises",
        "fuels",
        "electricity",
        "generation",
        "heat",
        "processes",
        "products",
    ):
        response = applicant.get(reverse("accounting:records", args=[cast.park_a.pk, 2025, kind]))
        assert response.status_code == 200, kind
    assert counts() == before


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_a_hostile_quantity_is_refused_naming_the_row_and_field(applicant, cast, value) -> None:
    before = counts()

    response = post_rows(
        applicant,
        cast.park_a,
        "electricity",
        [
            {"direction": "import", "kind": "grid", "mwh": "10"},
            {"direction": "import", "kind": "grid", "mwh": value},
        ],
    )

    assert response.status_code == 400
    assert any(line.startswith("第 2 行“电量 (MWh)”") for line in response.context["error_list"])
    assert counts() == before  # not even the valid first row, not even the park-year


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"fuel": "raw_coal", "use": "end_use", "quantity": "1"}, "原煤须拆分"),
        ({"fuel": "unobtainium", "use": "end_use", "quantity": "1"}, "unobtainium"),
        ({"fuel": "diesel", "use": "rocket_fuel", "quantity": "1"}, "用途"),
        ({"fuel": "diesel", "use": "end_use", "quantity": "1", "month": "13"}, "月份"),
        ({"fuel": "diesel", "use": "end_use", "quantity": "1", "month": "-1"}, "月份"),
        ({"fuel": "diesel", "use": "end_use", "quantity": "1", "enterprise": "999999"}, "企业"),
        ({"fuel": "diesel", "use": "end_use", "quantity": "1", "enterprise": "x"}, "企业"),
    ],
)
def test_unknown_codes_and_references_in_a_fuel_row_are_refused(applicant, cast, row, words):
    before = counts()

    response = post_rows(applicant, cast.park_a, "fuels", [row])

    assert response.status_code == 400
    assert any(words in line for line in response.context["error_list"]), response.context[
        "error_list"
    ]
    assert counts() == before


def test_an_electricity_kind_that_does_not_fit_the_direction_is_refused(applicant, cast):
    response = post_rows(
        applicant, cast.park_a, "electricity", [{"direction": "export", "kind": "grid", "mwh": "1"}]
    )

    assert response.status_code == 400
    assert any("“类型”" in line for line in response.context["error_list"])


def test_too_many_rows_in_one_post_are_refused(applicant, cast) -> None:
    before = counts()
    rows = [{"name": f"企业{i}"} for i in range(301)]

    response = post_rows(applicant, cast.park_a, "enterprises", rows)

    assert response.status_code == 400
    assert response.context["error_list"]
    assert counts() == before


def test_a_mangled_management_form_is_refused_not_crashed(applicant, cast) -> None:
    url = reverse("accounting:records", args=[cast.park_a.pk, 2025, "fuels"])
    for data in (
        {},
        {"fuels-TOTAL_FORMS": "abc", "fuels-INITIAL_FORMS": "0"},
        {"fuels-TOTAL_FORMS": "99999999999", "fuels-INITIAL_FORMS": "-5"},
    ):
        before = counts()
        response = applicant.post(url, data)
        assert response.status_code == 400
        assert counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"solid_waste_generated_t": "100", "solid_waste_utilized_t": "200"},
            "solid_waste_utilized_t",
        ),
        ({"solid_waste_generated_t": "-1"}, "solid_waste_generated_t"),
        ({"water_fresh_m3": "1e20"}, "water_fresh_m3"),
        ({"waste_heat_recoverable_tce": "0.12345678"}, "waste_heat_recoverable_tce"),
        ({"water_fresh_m3": "abc"}, "water_fresh_m3"),
    ],
)
def test_hostile_guiding_inputs_are_refused_on_their_field(applicant, cast, data, field):
    before = counts()

    response = applicant.post(reverse("accounting:guiding", args=[cast.park_a.pk, 2025]), data)

    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert counts() == before


class TestAnyQuantityStringIsAcceptedOrRefusedByField(HypothesisTestCase):
    """Arbitrary text in a number field: a 302 with the exact value stored, or a 400 naming it."""

    @classmethod
    def setUpTestData(cls):
        publishing.load_bundled_factor_sets()
        cls.park = ParkFactory(name="戊园区")
        cls.user = UserFactory(username="applicant_e", role="applicant", park=cls.park)

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        value=st.text(max_size=30)
        | st.decimals(allow_nan=True).map(str)
        | st.integers().map(str)
        | st.floats().map(repr)
    )
    def test_it(self, value) -> None:
        self.client.force_login(self.user)
        FuelRecord.objects.all().delete()
        before = FuelRecord.objects.count()

        response = post_rows(
            self.client,
            self.park,
            "electricity",
            [{"direction": "import", "kind": "grid", "mwh": value}],
        )

        if response.status_code == 302:
            stored, given_value = ElectricityRecord.objects.get().mwh, Decimal(value.strip())
            assert Decimal(0) <= stored < Decimal(10) ** 16
            if connection.vendor == "sqlite":
                # SQLite reads decimals back through a float (15 significant digits);
                # PostgreSQL's numeric is exact.
                assert abs(stored - given_value) <= given_value * Decimal("1e-14")
            else:
                assert stored == given_value
            ElectricityRecord.objects.all().delete()
        else:
            assert response.status_code == 400
            assert any("电量 (MWh)" in line for line in response.context["error_list"])
            assert FuelRecord.objects.count() == before


# --- the import ----------------------------------------------------------------------------------


def test_a_good_workbook_is_accepted_so_the_refusals_below_are_about_the_tweak(applicant, cast):
    assert upload(applicant, cast.park_a, workbook(GOOD_ROWS), "data.xlsx").status_code == 302


def _formula(book) -> None:
    book["电力"]["E2"] = "=1+1"


def _formula_in_name(book) -> None:
    book["企业"]["A2"] = '=HYPERLINK("http://evil.example","点我")'


@pytest.mark.parametrize(
    ("tweak", "words"),
    [(_formula, "“电力” 第 2 行 “E2”列：单元格含公式"), (_formula_in_name, "单元格含公式")],
)
def test_a_workbook_with_formulas_is_refused_naming_the_cell(applicant, cast, tweak, words):
    before = counts()

    response = upload(applicant, cast.park_a, workbook(GOOD_ROWS, tweak), "data.xlsx")

    assert response.status_code == 400
    assert words in error_text(response)
    assert counts() == before


def test_a_csv_zip_with_a_formula_is_refused_naming_the_cell(applicant, cast) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("企业.csv", "企业名称,统一社会信用代码,所属行业\n=cmd|' /C calc'!A0,,\n")
    before = counts()

    response = upload(applicant, cast.park_a, archive.getvalue(), "data.zip")

    assert response.status_code == 400
    assert "单元格含公式" in error_text(response)
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "data.xlsx", "空文件"),
        (b"MZ\x90\x00" + b"\x00" * 100, "data.xlsx", "XLSX"),
        (b"%PDF-1.4 not a workbook", "data.xlsx", "XLSX"),
        (b"PK\x03\x04 truncated zip", "data.xlsx", "XLSX"),
        (b"not a zip", "data.zip", "ZIP"),
        (b"", "data.json", "空文件"),
        (b"{", "data.json", "JSON"),
        (b"\xff\xfe\x00", "data.json", "JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "data.json", "JSON"),
        (b"[]", "data.json", "case"),
        (
            json.dumps(
                {
                    "schema": "zcp-case/1",
                    "park": {"name": "x"},
                    "year": 2025,
                    "factor_set": "ZCP-2025-trial",
                    "electricity": [{"direction": "import", "kind": "grid", "mwh": -5}],
                }
            ).encode(),
            "data.json",
            "electricity[0].mwh",
        ),
        (b"a,b\n1,2\n", "data.csv", ".xlsx"),
        (b"#!/bin/sh\n", "data.exe", ".xlsx"),
    ],
)
def test_a_broken_or_disguised_file_is_refused_with_a_message(
    applicant, cast, content, name, words
):
    before = counts()

    response = upload(applicant, cast.park_a, content, name)

    assert response.status_code in (200, 400)
    message = error_text(response) or " ".join(
        str(e) for e in response.context["form"].errors.get("file", [])
    )
    assert words in message, message
    assert counts() == before


def test_an_oversized_import_is_refused(applicant, cast, settings) -> None:
    settings.ZCP_MAX_IMPORT_BYTES = 1000
    before = counts()

    response = upload(applicant, cast.park_a, workbook(GOOD_ROWS), "data.xlsx")

    assert response.status_code == 400
    assert "过大" in error_text(response)
    assert counts() == before


def test_hostile_cells_in_every_column_are_each_named(applicant, cast) -> None:
    rows = {
        "enterprises": [["甲公司", None, None], ["长" * 201, None, None]],
        "fuels": [["乙公司", 13, "raw_coal", "rocket", "-1"]],
        "electricity": [[None, None, "sideways", "grid", "1e16"]],
    }
    before = counts()

    response = upload(applicant, cast.park_a, workbook(rows), "data.xlsx")

    assert response.status_code == 400
    text = error_text(response)
    for place in (
        "“企业” 第 3 行 “企业名称”列",
        "“燃料” 第 2 行 “月份”列",
        "“燃料” 第 2 行 “燃料”列",
        "“燃料” 第 2 行 “用途”列",
        "“燃料” 第 2 行 “消费量”列",
        "“电力” 第 2 行 “方向”列",
    ):
        assert place in text, place
    assert counts() == before


def test_the_same_file_twice_is_refused_the_second_time(applicant, cast) -> None:
    content = workbook(GOOD_ROWS)
    first = upload(applicant, cast.park_a, content, "data.xlsx")
    applicant.post(first["Location"], {"confirm": "1"})
    before = counts()

    response = upload(applicant, cast.park_a, content, "again.xlsx")

    assert response.status_code == 400
    assert "已导入过" in error_text(response)
    assert counts() == before


def test_a_forged_preview_address_is_not_found(applicant, cast) -> None:
    for sha in ("../../etc/passwd", "0" * 64, "A" * 64, "z" * 64):
        url = f"/energy/{cast.park_a.pk}/2025/import/{sha}/"
        assert applicant.get(url).status_code == 404
        assert applicant.post(url, {"cancel": "1"}).status_code == 404


@pytest.mark.parametrize("run", ["²", "abc", "-1", "99999999999999999999999", "1.5", "٣"])
def test_a_malformed_run_number_on_the_result_page_is_refused_naming_it(applicant, cast, run):
    ParkYear.objects.create(park=cast.park_a, year=2025)

    response = applicant.get(
        reverse("accounting:result", args=[cast.park_a.pk, 2025]), {"run": run}
    )

    assert response.status_code == 400
    assert "run" in response.content.decode()


def test_a_name_that_looks_like_a_formula_is_exported_as_text_and_imports_back(applicant, cast):
    from openpyxl import load_workbook

    name = '=HYPERLINK("http://evil.example","点我")'
    post_rows(applicant, cast.park_a, "enterprises", [{"name": name}])

    response = applicant.get(
        reverse("accounting:download", args=[cast.park_a.pk, 2025, "data.xlsx"])
    )

    book = load_workbook(io.BytesIO(response.content))
    cell = book["企业"]["A2"]
    assert (cell.value, cell.data_type) == (name, "s")  # text, not a live formula
    again = upload(applicant, cast.park_a, response.content, "again.xlsx")
    assert again.status_code == 302, error_text(again)
