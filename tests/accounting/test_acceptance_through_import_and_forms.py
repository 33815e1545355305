"""Every acceptance case, entered as an applicant would (XLSX import, or the web forms), gives
the numbers of ``manage.py evaluate_park`` on the same case file; the error cases are refused
with the message naming the place, and nothing is written."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from accounting.messages import translate
from accounting.models import CalculationRun, FuelRecord, ImportBatch, ParkYear, RunStatus

from .conftest import (
    ERROR_CASES,
    VALID_CASES,
    case_rows,
    enter_case_by_forms,
    expected,
    import_case,
    load_case,
    post_formset,
    upload,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db


def evaluate_park(path: Path) -> dict:
    out = io.StringIO()
    call_command("evaluate_park", str(path), stdout=out)
    return json.loads(out.getvalue(), parse_float=Decimal)


def assert_same_numbers(reference, stored, where: str = "") -> None:
    if isinstance(reference, dict):
        for key, value in reference.items():
            assert key in stored, f"{where}.{key} missing"
            assert_same_numbers(value, stored[key], f"{where}.{key}")
    elif isinstance(reference, list):
        assert len(reference) == len(stored), where
        for i, (a, b) in enumerate(zip(reference, stored, strict=True)):
            assert_same_numbers(a, b, f"{where}[{i}]")
    elif isinstance(reference, Decimal | int) and not isinstance(reference, bool):
        value = Decimal(str(stored))
        assert abs(value - reference) <= abs(reference) * Decimal("1e-6") + Decimal("1e-12"), (
            f"{where}: {value} != {reference}"
        )
    else:
        assert reference == stored, where


def latest_run(park) -> CalculationRun:
    return CalculationRun.objects.filter(park_year__park=park).latest("started_at", "id")


@pytest.mark.parametrize("path", VALID_CASES, ids=lambda p: p.stem)
def test_case_imported_from_xlsx_gives_the_numbers_of_evaluate_park(
    path, cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    preview, confirm = import_case(client, cast.park_a, load_case(path))
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert confirm.status_code == 302
    run = latest_run(cast.park_a)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert_same_numbers(evaluate_park(path), run.result)
    assert_same_numbers(expected(path), run.result)
    # Twelve monthly rows per case row went in.
    assert FuelRecord.objects.filter(park_year__park=cast.park_a).count() == 12 * len(
        load_case(path)["fuels"]
    )


@pytest.mark.parametrize("path", VALID_CASES, ids=lambda p: p.stem)
def test_case_entered_in_the_web_forms_gives_the_numbers_of_evaluate_park(
    path, cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    responses = enter_case_by_forms(client, cast.park_a, load_case(path))
    for response in responses:
        assert response.status_code == 302, response.content.decode()[:3000]
    run = latest_run(cast.park_a)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert_same_numbers(evaluate_park(path), run.result)


@pytest.mark.parametrize("path", ERROR_CASES, ids=lambda p: p.stem)
def test_error_case_is_refused_by_the_import_naming_the_place_and_nothing_is_written(
    path, cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    case = load_case(path)
    message = expected(path)["error"].split(": ", 1)[1]
    response = upload(client, cast.park_a, 2025, workbook_bytes(case_rows(case)))
    assert response.status_code == 400
    page = response.content.decode()
    section = expected(path)["error"].split("[")[0]
    sheet = {"fuels": "燃料", "electricity": "电力"}[section]
    assert f"工作表“{sheet}” 第 2 行" in page
    if "raw coal" in message:
        assert "原煤须拆分为无烟煤、炼焦烟煤、一般烟煤或褐煤填报" in page
    else:
        assert "电量(MWh)" in page and "不得为负数" in page
    assert message not in page  # the engine's English stays out of a Chinese page (D18)
    assert not ParkYear.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.parametrize("path", ERROR_CASES, ids=lambda p: p.stem)
def test_error_case_is_refused_by_the_json_upload_with_the_engines_message(
    path, cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, path.read_bytes(), name=path.name)
    assert response.status_code == 400
    place, message = expected(path)["error"].split(": ", 1)
    page = response.content.decode()
    # Named by its JSON path, in the user's language; no sheet or column for a JSON file.
    assert f"JSON 路径 {place}：{translate(message)}" in page
    assert message not in page and "工作表“JSON”" not in page
    assert not ParkYear.objects.exists()


def test_raw_coal_in_the_fuel_form_is_refused_naming_row_and_field(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    post_formset(client, cast.park_a, 2025, "enterprises", [{"name": "锅炉房"}])
    enterprise = cast.park_a.energy_years.get().enterprises.get()
    response = post_formset(
        client,
        cast.park_a,
        2025,
        "fuels",
        [
            {
                "enterprise": enterprise.pk,
                "month": 1,
                "fuel": "raw_coal",
                "use": "heat_supply",
                "quantity": "1000",
            }
        ],
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "第 1 行“燃料”：原煤须拆分为无烟煤、炼焦烟煤、一般烟煤或褐煤填报" in page
    assert not FuelRecord.objects.exists()


def test_negative_electricity_in_the_form_is_refused_naming_row_and_field(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    response = post_formset(
        client,
        cast.park_a,
        2025,
        "electricity",
        [{"month": 1, "direction": "import", "kind": "grid", "mwh": "-500"}],
    )
    assert response.status_code == 400
    assert "第 1 行“电量 (MWh)”" in response.content.decode()
    from accounting.models import ElectricityRecord

    assert not ElectricityRecord.objects.exists()
    assert not CalculationRun.objects.exists()


@pytest.mark.parametrize("path", VALID_CASES, ids=lambda p: p.stem)
def test_case_uploaded_as_json_replaces_the_data_and_gives_the_same_numbers(
    path, cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, path.read_bytes(), name=path.name)
    assert response.status_code == 302
    # The acceptance cases name their own parks, not 甲园区: the import needs the acknowledgement.
    client.post(response["Location"], {"confirm": "1", "acknowledge": "1"})
    run = latest_run(cast.park_a)
    assert_same_numbers(evaluate_park(path), run.result)
