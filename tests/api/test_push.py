"""Pushing a park-year's data: the import's checks and all-or-nothing write, the same
recalculation as the web forms, idempotent repeats."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from accounting.models import CalculationRun, FuelRecord, ImportBatch, ParkYear, RunStatus
from accounting.sheets import SHEETS
from tests.accounting.conftest import VALID_CASES, case_rows, enter_case_by_forms, load_case
from tests.accounting.test_measured_values import measured_case

from .conftest import assert_error

pytestmark = pytest.mark.django_db

GOOD = {
    "enterprises": [{"name": "甲化工", "credit_code": "91320000MA1XXXXX0X", "industry": "化工"}],
    "fuels": [
        {
            "enterprise": "甲化工",
            "month": 1,
            "fuel": "natural_gas",
            "use": "end_use",
            "quantity": "100.5",
        },
        {
            "enterprise": "甲化工",
            "month": 2,
            "fuel": "natural_gas",
            "use": "end_use",
            "quantity": 99,
        },
    ],
    "electricity": [{"enterprise": None, "direction": "import", "kind": "grid", "mwh": "1200"}],
    "guiding": {"water.not_applicable": "园区无工业取水"},
}


def rows_url(park, year: int = 2025) -> str:
    return f"/api/v1/parks/{park.pk}/years/{year}/data/"


def case_url(park, year: int = 2025) -> str:
    return f"/api/v1/parks/{park.pk}/years/{year}/case/"


def put(client, url: str, body, **headers):
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)
    return client.put(url, text.encode(), content_type="application/json", **headers)


def api_rows(case: dict) -> dict:
    """A case as the API's rows: the same rows the import template would hold."""
    rows = case_rows(case, months=True)
    payload = {
        sheet.key: [
            dict(zip([c.key for c in sheet.columns], row, strict=True))
            for row in rows.get(sheet.key, [])
        ]
        for sheet in SHEETS
        if sheet.key != "guiding"
    }
    payload["guiding"] = {item: value for item, _label, value in rows["guiding"]}
    return payload


def test_pushed_rows_replace_the_park_years_data_and_are_calculated(
    api, cast, trial_set, on_commit
):
    response = put(api, rows_url(cast.park_a), GOOD)
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert body["import_batch"]["format"] == "api_rows"
    assert body["import_batch"]["row_counts"]["fuels"] == 2
    assert body["result_url"] == f"/api/v1/parks/{cast.park_a.pk}/years/2025/result/"
    park_year = ParkYear.objects.get(park=cast.park_a, year=2025)
    quantities = sorted(
        FuelRecord.objects.filter(park_year=park_year).values_list("quantity", flat=True)
    )
    assert quantities == [Decimal("99"), Decimal("100.5")]
    assert ImportBatch.objects.get().uploaded_by == cast.applicant_a
    run = CalculationRun.objects.get(park_year=park_year)
    assert run.status == RunStatus.SUCCEEDED, run.error


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["fuels"][1].update(quantity="-3"), "fuels[1].quantity"),
        (lambda b: b["fuels"][0].update(fuel="raw_coal"), "fuels[0].fuel"),
        (lambda b: b["fuels"][0].update(month=13), "fuels[0].month"),
        (lambda b: b["fuels"][0].pop("use"), "fuels[0].use"),
        (lambda b: b["fuels"][0].update(enterprise="不存在的企业"), "fuels[0].enterprise"),
        (lambda b: b["electricity"][0].update(kind="fossil"), "electricity[0].kind"),
        (lambda b: b["electricity"][0].update(mwh="1.1234567"), "electricity[0].mwh"),
        (lambda b: b["fuels"][0].update(colour="red"), "fuels[0].colour"),
        (lambda b: b["fuels"][0].update(quantity={"value": 1}), "fuels[0].quantity"),
        (lambda b: b.update(fuels={"a": 1}), "fuels"),
        (lambda b: b.update(weather=[]), "weather"),
        (lambda b: b["guiding"].update({"no.such.item": "1"}), "guiding.no.such.item"),
    ],
)
def test_bad_rows_are_refused_with_the_field_named_and_nothing_written(
    api, cast, trial_set, on_commit, change, field
):
    body = json.loads(json.dumps(GOOD))
    change(body)
    fields = assert_error(put(api, rows_url(cast.park_a), body), 400, "invalid")
    assert field in fields, fields
    assert not ParkYear.objects.exists()
    assert not ImportBatch.objects.exists()


def test_bad_rows_leave_the_previous_data_untouched(api, cast, trial_set, on_commit):
    assert put(api, rows_url(cast.park_a), GOOD).status_code == 201
    before = list(FuelRecord.objects.order_by("pk").values_list("pk", "quantity"))
    runs = CalculationRun.objects.count()
    bad = json.loads(json.dumps(GOOD))
    bad["fuels"].append(
        {"enterprise": "甲化工", "fuel": "natural_gas", "use": "end_use", "quantity": "-1"}
    )
    fields = assert_error(put(api, rows_url(cast.park_a), bad), 400)
    # The JSON path as sent, the engine's message in the user's language (D18).
    assert fields == {"fuels[2].quantity": "不得为负数"}
    assert list(FuelRecord.objects.order_by("pk").values_list("pk", "quantity")) == before
    assert ImportBatch.objects.count() == 1
    assert CalculationRun.objects.count() == runs


def test_a_body_that_is_not_json_is_refused_with_400(api, cast):
    fields = assert_error(put(api, rows_url(cast.park_a), "{not json"), 400)
    assert "body" in fields


def test_a_token_cannot_push_another_parks_data(api, cast, trial_set):
    assert_error(put(api, rows_url(cast.park_b), GOOD), 404)
    assert_error(put(api, case_url(cast.park_c), {"schema": "zcp-case/1"}), 404)
    assert not ParkYear.objects.exists()


def test_a_year_outside_the_accepted_range_is_a_404(api, cast):
    assert_error(put(api, rows_url(cast.park_a, 1999), GOOD), 404)


def test_the_same_data_pushed_twice_is_refused_as_already_imported(api, cast, trial_set, on_commit):
    assert put(api, rows_url(cast.park_a), GOOD).status_code == 201
    assert_error(put(api, rows_url(cast.park_a), GOOD), 409, "already_imported")
    assert ImportBatch.objects.count() == 1


def test_the_same_data_pushed_again_after_a_change_restores_it(api, cast, trial_set, on_commit):
    assert put(api, rows_url(cast.park_a), GOOD).status_code == 201
    before = FuelRecord.objects.count()
    other = load_case(VALID_CASES[1])
    assert put(api, case_url(cast.park_a), other).status_code == 201
    assert FuelRecord.objects.count() != before
    assert put(api, rows_url(cast.park_a), GOOD).status_code == 201
    assert FuelRecord.objects.count() == before and ImportBatch.objects.count() == 3


def test_a_whole_case_document_is_pushed_and_checked_by_the_engine(api, cast, trial_set, on_commit):
    case = load_case(VALID_CASES[0])
    case["year"] = 2025
    response = put(api, case_url(cast.park_a), case)
    assert response.status_code == 201, response.content.decode()
    assert response.json()["import_batch"]["format"] == "case_json"
    run = CalculationRun.objects.get(park_year__park=cast.park_a)
    assert run.status == RunStatus.SUCCEEDED, run.error


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c["electricity"][0].update(mwh=-1), "electricity[0].mwh"),
        (lambda c: c.update(year=2024), "year"),
        (lambda c: c.update(schema="zcp-case/9"), "schema"),
    ],
)
def test_a_bad_case_document_is_refused_with_the_path_named_and_nothing_written(
    api, cast, trial_set, change, field
):
    case = load_case(VALID_CASES[0])
    case["year"] = 2025
    change(case)
    fields = assert_error(put(api, case_url(cast.park_a), case), 400, "invalid")
    assert field in fields, fields
    assert not ParkYear.objects.exists()


def test_an_api_push_gives_the_same_calculation_as_the_web_forms(
    api, client, cast, trial_set, on_commit
):
    case = load_case(VALID_CASES[0])
    client.force_login(cast.applicant_a)
    for response in enter_case_by_forms(client, cast.park_a, case):
        assert response.status_code == 302, response.content.decode()[:1000]
    by_forms = CalculationRun.objects.filter(park_year__park=cast.park_a).latest("started_at", "id")
    assert by_forms.status == RunStatus.SUCCEEDED, by_forms.error

    response = put(api, rows_url(cast.park_a), api_rows(case))
    assert response.status_code == 201, response.content.decode()
    by_api = CalculationRun.objects.filter(park_year__park=cast.park_a).latest("started_at", "id")
    assert by_api.pk != by_forms.pk
    assert by_api.input_digest == by_forms.input_digest
    assert by_api.result == by_forms.result
    assert (by_api.factor_set_code, by_api.factor_set_version) == (
        by_forms.factor_set_code,
        by_forms.factor_set_version,
    )


def test_measured_values_pushed_by_the_api_give_the_same_run_as_the_web_forms(
    api, client, cast, trial_set, on_commit
):
    case = measured_case()
    client.force_login(cast.applicant_a)
    for response in enter_case_by_forms(client, cast.park_a, case):
        assert response.status_code == 302, response.content.decode()[:1000]
    by_forms = CalculationRun.objects.filter(park_year__park=cast.park_a).latest("started_at", "id")
    response = put(api, rows_url(cast.park_a), api_rows(case))
    assert response.status_code == 201, response.content.decode()
    by_api = CalculationRun.objects.filter(park_year__park=cast.park_a).latest("started_at", "id")
    assert by_api.pk != by_forms.pk and by_api.status == RunStatus.SUCCEEDED, by_api.error
    assert by_api.input_digest == by_forms.input_digest
    assert by_api.result == by_forms.result
    assert FuelRecord.objects.filter(ncv_gj_per_unit=Decimal("43.1")).count() == 12


def test_an_api_push_queues_the_recalculation_once_after_commit(
    api, cast, trial_set, monkeypatch, django_capture_on_commit_callbacks
):
    from accounting import tasks

    sent = []
    monkeypatch.setattr(
        tasks.recalculate_park_year, "apply_async", lambda args, **options: sent.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert put(api, rows_url(cast.park_a), GOOD).status_code == 201
    assert sent == [(ParkYear.objects.get(park=cast.park_a).pk,)]


def test_a_body_over_the_import_size_limit_is_refused_with_413(api, cast, settings):
    settings.ZCP_MAX_IMPORT_BYTES = 100
    fields = assert_error(put(api, rows_url(cast.park_a), GOOD), 413, "too_large")
    assert "body" in fields
    assert not ParkYear.objects.exists()


def test_a_body_over_djangos_own_limit_but_within_the_import_limit_is_accepted(
    api, cast, trial_set, on_commit, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    assert put(api, rows_url(cast.park_a), GOOD).status_code == 201
