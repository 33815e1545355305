"""The factor set's second version adds the energy kinds Att.4 lists that the first lacked, each
with its stated source (D19); the first version stays, and runs made with it keep naming it."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse

from accounting import publishing, stored_factor_sets
from accounting.method.factor_set import REFERENCE_DIR, bundled_history
from accounting.models import CalculationRun, FactorSetVersion, FuelFactor, RunStatus

from .conftest import VALID_CASES, import_case, load_case

pytestmark = pytest.mark.django_db

CODE = "ZCP-2025-trial"
# Att.4 二(一)1 names these; version 2 adds them (the code in the set → the name Att.4 uses).
ADDED = {
    "naphtha": "石脑油",
    "lubricants": "润滑油",
    "paraffin": "石蜡",
    "solvent_oil": "溶剂油",
    "petroleum_asphalt": "石油沥青",
    "other_petroleum_products": "其他石油制品",
    "coal_products": "煤制品",
    "other_coking_products": "其他焦化产品",
}


def test_version_two_adds_the_kinds_and_keeps_every_factor_of_version_one():
    first, second = bundled_history(CODE)[:2]
    assert (first.version, second.version) == (1, 2)
    assert set(second.fuels) - set(first.fuels) == set(ADDED)
    for code, fuel in first.fuels.items():
        assert second.fuels[code] == fuel  # nothing of version 1 changed
    assert dict(second.parameters) == dict(first.parameters)
    att4 = (
        REFERENCE_DIR.parent.parent.parent
        / "shared/domain/policy/4-carbon-accounting-method.zh.txt"
    )
    text = att4.read_text(encoding="utf-8") if att4.is_file() else ""
    for code, name in ADDED.items():
        fuel = second.fuels[code]
        assert name in fuel.name_zh and (not text or name in text)
        assert "IPCC 2006" in fuel.source and "29.3076" in fuel.source  # its stated source
        # tce from the stated NCV by the definition of standard coal (GB/T 2589)
        assert fuel.tce_per_unit == (fuel.ncv_gj_per_unit / Decimal("29.3076")).quantize(
            Decimal("0.0001")
        )


def test_version_one_ships_unchanged_beside_version_two():
    folder = REFERENCE_DIR / CODE / "versions" / "1"
    assert json.loads((folder / "meta.json").read_text(encoding="utf-8"))["version"] == 1
    with (folder / "factors.csv").open(encoding="utf-8") as f:
        assert not {row["code"] for row in csv.DictReader(f)} & set(ADDED)


def _case_with_new_kinds() -> dict:
    case = load_case(VALID_CASES[0])
    case["fuels"] = case["fuels"] + [
        {"enterprise": "新材料厂", "fuel": code, "use": "end_use", "quantity": f"{10 * (i + 1)}.5"}
        for i, code in enumerate(ADDED)
    ]
    return case


def test_a_case_using_the_new_kinds_computes_exactly_from_the_published_factors(
    cast, client, trial_set, on_commit
):
    assert trial_set.version == 3  # the latest (D46), which has version 2's kinds unchanged
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    before = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED).latest("started_at", "id")
    import_case(client, cast.park_a, _case_with_new_kinds())
    run = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED).latest("started_at", "id")
    assert (run.factor_set_id, run.factor_set_version) == (trial_set.pk, 3)
    published = {f.code: f for f in FuelFactor.objects.filter(factor_set=trial_set, code__in=ADDED)}
    emissions, energy = Fraction(0), Fraction(0)
    for i, code in enumerate(ADDED):
        f, quantity = published[code], Fraction(f"{10 * (i + 1)}.5")
        ef = (
            Fraction(f.ncv_gj_per_unit)
            * Fraction(f.carbon_tc_per_tj)
            / 1000
            * Fraction(f.oxidation)
            * Fraction(44, 12)
        )
        emissions += quantity * ef
        energy += quantity * Fraction(f.tce_per_unit)
    added_t = Decimal(run.result["emissions_t"]["fuel_combustion"]) - Decimal(
        before.result["emissions_t"]["fuel_combustion"]
    )
    added_tce = Decimal(run.result["energy_tce"]) - Decimal(before.result["energy_tce"])
    assert abs(Fraction(added_t) - emissions) < Fraction(1, 10**20)
    assert Fraction(added_tce) == energy  # tce coefficients have 4 places: exact
    # naphtha: 44.5 GJ/t × 20.0 tC/TJ × 44/12 = 3.263333… tCO2/t (IPCC 2006 defaults)
    codes = {row[run.trace["columns"].index("factor_code")] for row in run.trace["rows"]}
    assert {f"{c}.emission_factor" for c in ADDED} <= codes
    page = client.get(reverse("accounting:result", args=[cast.park_a.pk, 2025])).content.decode()
    assert "石脑油" in page and "IPCC 2006 缺省值" in page


def test_an_old_run_still_points_to_the_old_version(
    cast, client, on_commit, django_capture_on_commit_callbacks
):
    first, second = bundled_history(CODE)[:2]
    publishing.load_bundled_version(first)
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    old = CalculationRun.objects.get(status=RunStatus.SUCCEEDED)
    assert old.factor_set_version == 1
    # The second version is published: the park-year is recalculated with it.
    with django_capture_on_commit_callbacks(execute=True):
        loaded = publishing.load_bundled_factor_sets()
    assert loaded == [
        "factor set ZCP-2025-trial v1: already loaded",
        "factor set ZCP-2025-trial v2: loaded and published",
        "factor set ZCP-2025-trial v3: loaded and published",
    ]
    new = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED).latest("started_at", "id")
    assert new.pk != old.pk and new.factor_set_version == 3
    old.refresh_from_db()
    v1 = FactorSetVersion.objects.get(code=CODE, version=1)
    assert (old.factor_set_id, old.factor_set_version) == (v1.pk, 1)
    assert not FuelFactor.objects.filter(factor_set=v1, code__in=ADDED).exists()
    assert stored_factor_sets.latest_published(CODE).version == 3
    # Same factors for the kinds both versions have: the same numbers.
    assert new.result["emissions_t"] == old.result["emissions_t"]
    url = reverse("accounting:result", args=[cast.park_a.pk, 2025]) + f"?run={old.pk}"
    assert "因子集 ZCP-2025-trial 第 1 版" in client.get(url).content.decode()


def test_the_import_template_lists_the_new_kinds_and_att4s_products(cast, client, trial_set):
    from openpyxl import load_workbook

    client.force_login(cast.applicant_a)
    url = reverse("accounting:download", args=[cast.park_a.pk, 2025, "template.xlsx"])
    book = load_workbook(io.BytesIO(client.get(url).content), read_only=True)
    notes = " ".join(str(r[0]) for r in book["说明"].iter_rows(values_only=True) if r and r[0])
    assert all(f"{name}" in notes for name in ("石脑油（t）", "润滑油（t）", "煤制品（型煤）（t）"))
    assert "硅酸盐水泥熟料" in notes and "铬铁合金" in notes
    page = client.get(reverse("accounting:upload", args=[cast.park_a.pk, 2025])).content.decode()
    assert "其他焦化产品（t）" in page
