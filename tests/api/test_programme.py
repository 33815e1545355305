"""A park platform reads its construction programme: the targets per indicator and year, and
each year's calculated indicators against them, the year's data pushed through the same API."""

from __future__ import annotations

import pytest

from tests.programme.builders import approved_programme

from .conftest import assert_error
from .test_push import GOOD, put, rows_url

pytestmark = pytest.mark.django_db


def test_the_programme_targets_and_a_pushed_years_results(api, cast, trial_set, on_commit):
    url = f"/api/v1/parks/{cast.park_a.pk}/programme/"
    assert_error(api.get(url), 404)  # not on the construction list yet
    programme = approved_programme(cast)
    body = api.get(url).json()
    assert body["id"] == programme.pk and body["stage"] == "building"
    assert (body["period_start"], body["period_end"]) == (2025, 2028)
    targets = {(t["indicator"], t["year"]): t for t in body["targets"]}
    assert targets[("intensity", 2025)]["value"] == "0.280000"
    assert targets[("clean_energy", 2026)]["value"] == "0.700000"
    assert targets[("intensity", 2025)]["source"] == "application"
    results = {r["year"]: r for r in body["results"]}
    assert set(results) == {2025, 2026, 2027, 2028} and results[2025]["run_id"] is None

    # The platform pushes 2025's data; the programme answers with the year's indicators.
    assert put(api, rows_url(cast.park_a, 2025), GOOD).status_code == 201
    year = {r["year"]: r for r in api.get(url).json()["results"]}[2025]
    assert year["run_id"] is not None
    core = next(i for i in year["indicators"] if i["indicator"] == "intensity")
    assert core["target"] == "0.28" and core["actual"] is not None
    from decimal import Decimal

    assert core["reached"] == (Decimal(core["actual"]) <= Decimal("0.28"))


def test_another_parks_programme_is_not_found(api, cast):
    approved_programme(cast, park=cast.park_b, applicant=cast.applicant_b)
    assert_error(api.get(f"/api/v1/parks/{cast.park_b.pk}/programme/"), 404)
