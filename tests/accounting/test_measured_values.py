"""A measured net calorific value (实测低位发热量) and carbon content per fuel row (D15), through
every door: XLSX import, the zcp-case/1 file, the web forms, the export; each gives the
engine's numbers for the same case, and the run's trace names the measured factors."""

from __future__ import annotations

import copy
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounting.method.engine import evaluate
from accounting.method.factor_set import bundled_factor_set
from accounting.method.results import dumps
from accounting.models import CalculationRun, FuelRecord, RunStatus

from .conftest import (
    VALID_CASES,
    case_rows,
    enter_case_by_forms,
    import_case,
    load_case,
    post_formset,
    upload,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

FS = bundled_factor_set("ZCP-2025-trial")


def measured_case() -> dict:
    """03-large-industrial with the logistics firm's diesel measured: NCV 43.1 GJ/t and carbon
    content 20.5 tC/TJ."""
    case = copy.deepcopy(load_case(VALID_CASES[2]))
    diesel = next(row for row in case["fuels"] if row["fuel"] == "diesel")
    diesel.update(ncv_gj_per_unit="43.1", carbon_tc_per_tj="20.5")
    return case


def latest_run(park) -> CalculationRun:
    return CalculationRun.objects.filter(park_year__park=park).latest("started_at", "id")


def assert_the_engines_numbers(run: CalculationRun) -> None:
    assert run.status == RunStatus.SUCCEEDED, run.error
    reference = evaluate(measured_case(), FS)
    default = evaluate(load_case(VALID_CASES[2]), FS)
    # Twelve monthly rows sum to the same quantities: the numbers agree to the last digit.
    assert Decimal(run.result["energy_tce"]) == reference.energy_tce != default.energy_tce
    total = Decimal(run.result["emissions_t"]["total"])
    assert total == reference.emissions_t["total"] != default.emissions_t["total"]
    codes = {row[run.trace["columns"].index("factor_code")] for row in run.trace["rows"]}
    assert {"diesel.emission_factor_measured", "diesel.tce_per_unit_measured"} <= codes
    assert "diesel.emission_factor" not in codes


def test_measured_values_imported_from_xlsx_are_stored_and_calculated(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    preview, confirm = import_case(client, cast.park_a, measured_case())
    assert confirm is not None and confirm.status_code == 302, preview.content.decode()[:2000]
    stored = FuelRecord.objects.filter(fuel="diesel")
    assert stored.count() == 12
    assert set(stored.values_list("ncv_gj_per_unit", "carbon_tc_per_tj")) == {
        (Decimal("43.1"), Decimal("20.5"))
    }
    assert not FuelRecord.objects.exclude(fuel="diesel").filter(ncv_gj_per_unit__isnull=False)
    assert_the_engines_numbers(latest_run(cast.park_a))


def test_measured_values_in_a_case_file_give_the_same_run(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    content = dumps(measured_case()).encode()
    response = upload(client, cast.park_a, 2025, content, "case.json")
    assert response.status_code == 302
    client.post(response["Location"], {"confirm": "1", "acknowledge": "1"})  # another park's case
    assert_the_engines_numbers(latest_run(cast.park_a))


def test_measured_values_entered_in_the_web_forms_give_the_same_run(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    responses = enter_case_by_forms(client, cast.park_a, measured_case())
    assert all(r.status_code == 302 for r in responses)
    assert_the_engines_numbers(latest_run(cast.park_a))


def test_the_fuel_form_refuses_a_measured_value_of_zero_and_writes_nothing(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    post_formset(client, cast.park_a, 2025, "enterprises", [{"name": "甲公司"}])
    before = FuelRecord.objects.count()
    row = {"month": 1, "fuel": "diesel", "use": "end_use", "quantity": "10",
           "ncv_gj_per_unit": "0"}  # fmt: skip
    row["enterprise"] = cast.park_a.energy_years.get().enterprises.get().pk
    response = post_formset(client, cast.park_a, 2025, "fuels", [row])
    assert response.status_code == 400
    assert "实测值须大于零" in response.content.decode()
    assert FuelRecord.objects.count() == before


def test_a_workbook_from_the_earlier_template_without_the_measured_columns_is_accepted(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    rows = case_rows(load_case(VALID_CASES[2]))
    rows["fuels"] = [row[:5] for row in rows["fuels"]]

    def earlier_template(book) -> None:
        sheet = book["燃料"]
        sheet.delete_cols(6, 2)

    response = upload(client, cast.park_a, 2025, workbook_bytes(rows, earlier_template))
    assert response.status_code == 302
    client.post(response["Location"], {"confirm": "1"})
    run = latest_run(cast.park_a)
    assert run.status == RunStatus.SUCCEEDED
    assert Decimal(run.result["energy_tce"]) == evaluate(load_case(VALID_CASES[2]), FS).energy_tce


def test_the_data_export_carries_the_measured_values(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, measured_case())
    url = reverse("accounting:download", args=[cast.park_a.pk, 2025, "data.xlsx"])
    book = load_workbook(io.BytesIO(client.get(url).content), read_only=True)
    header, *rows = [list(row) for row in book["燃料"].iter_rows(values_only=True)]
    rows = [(row + [None] * len(header))[: len(header)] for row in rows]  # empty cells: absent
    ncv, carbon = header.index("实测低位发热量(GJ/单位)"), header.index("实测含碳量(tC/TJ)")
    diesel = [row for row in rows if row[2] == "diesel"]
    assert len(diesel) == 12
    assert {(row[ncv], row[carbon]) for row in diesel} == {("43.1", "20.5")}
    assert {(row[ncv], row[carbon]) for row in rows if row[2] != "diesel"} == {(None, None)}
