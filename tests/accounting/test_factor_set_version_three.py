"""The factor set's third version adds two of the three Att.4 kinds version 2 left out, other
washed coal 其他洗煤 and other gas 其他煤气, from GB/T 32151.22-2024 Appendix C Table C.1 (D46);
coal gangue 煤矸石 stays out (no table giving all its values was at hand). Versions 1 and 2 stay,
and runs made with version 2 keep naming it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounting import publishing, stored_factor_sets
from accounting.method.factor_set import REFERENCE_DIR, bundled_history
from accounting.models import CalculationRun, FactorSetVersion, FuelFactor, RunStatus

from .conftest import VALID_CASES, import_case, load_case

pytestmark = pytest.mark.django_db

CODE = "ZCP-2025-trial"
# code → (name Att.4 uses, unit, NCV GJ/unit, carbon content tC/TJ, oxidation): Table C.1's rows.
ADDED = {
    "other_washed_coal": ("其他洗煤", "t", "12.545", "25.41", "0.90"),
    "other_gas": ("其他煤气", "10^4 Nm3", "52.270", "12.2", "0.99"),
}


def test_version_three_adds_the_two_kinds_with_table_c1s_values_and_keeps_version_two():
    first, second, third = bundled_history(CODE)
    assert (first.version, second.version, third.version) == (1, 2, 3)
    assert set(third.fuels) - set(second.fuels) == set(ADDED)
    for code, fuel in second.fuels.items():
        assert third.fuels[code] == fuel  # nothing of version 2 changed
    assert dict(third.parameters) == dict(second.parameters)
    att4 = (
        REFERENCE_DIR.parent.parent.parent
        / "shared/domain/policy/4-carbon-accounting-method.zh.txt"
    )
    text = att4.read_text(encoding="utf-8") if att4.is_file() else ""
    for code, (name, unit, ncv, carbon, oxidation) in ADDED.items():
        fuel = third.fuels[code]
        assert fuel.name_zh == name and (not text or name in text)
        assert (fuel.unit, fuel.ncv_gj_per_unit, fuel.carbon_tc_per_tj, fuel.oxidation) == (
            unit,
            Decimal(ncv),
            Decimal(carbon),
            Decimal(oxidation),
        )
        assert not fuel.clean and fuel.category == "coal"
        assert "GB/T 32151.22-2024 Appendix C Table C.1" in fuel.source
        assert "29.3076" in fuel.source
        # tce from the stated NCV by the definition of standard coal (GB/T 2589), as D19
        assert fuel.tce_per_unit == (fuel.ncv_gj_per_unit / Decimal("29.3076")).quantize(
            Decimal("0.0001")
        )
    # 12.545 ÷ 29.3076 = 0.42805 → 0.4280; 52.270 ÷ 29.3076 = 1.78350 → 1.7835
    assert third.fuels["other_washed_coal"].tce_per_unit == Decimal("0.4280")
    assert third.fuels["other_gas"].tce_per_unit == Decimal("1.7835")
    # 12.545 × 25.41 / 1000 × 0.90 × 44/12 = 1.051935885 tCO2/t
    assert third.fuels["other_washed_coal"].emission_factor() == Decimal("1.051935885")
    # 52.270 × 12.2 / 1000 × 0.99 × 44/12 = 2.31482922 tCO2/10⁴ Nm³
    assert third.fuels["other_gas"].emission_factor() == Decimal("2.31482922")


def test_version_two_ships_unchanged_beside_version_three():
    second = bundled_history(CODE)[1]
    assert second.version == 2
    assert not set(ADDED) & set(second.fuels)
    assert len(second.fuels) == 29


def test_a_case_burning_other_gas_and_other_washed_coal_computes_by_hand(
    cast, client, trial_set, on_commit
):
    assert trial_set.version == 3
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    before = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED).latest("started_at", "id")
    case = load_case(VALID_CASES[0])
    case["fuels"] = case["fuels"] + [
        {"enterprise": "新材料厂", "fuel": "other_gas", "use": "end_use", "quantity": "100"},
        {
            "enterprise": "新材料厂",
            "fuel": "other_washed_coal",
            "use": "end_use",
            "quantity": "200",
        },
    ]
    import_case(client, cast.park_a, case)
    run = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED).latest("started_at", "id")
    assert (run.factor_set_id, run.factor_set_version) == (trial_set.pk, 3)
    added_t = Decimal(run.result["emissions_t"]["fuel_combustion"]) - Decimal(
        before.result["emissions_t"]["fuel_combustion"]
    )
    added_tce = Decimal(run.result["energy_tce"]) - Decimal(before.result["energy_tce"])
    # other gas:          100 × 10⁴ Nm³ × 52.270 GJ × 12.2 tC/TJ / 1000 × 0.99 × 44/12
    #                   = 100 × 2.31482922 = 231.482922 tCO2;   100 × 1.7835 = 178.35 tce
    # other washed coal:  200 t × 12.545 GJ/t × 25.41 tC/TJ / 1000 × 0.90 × 44/12
    #                   = 200 × 1.051935885 = 210.387177 tCO2;  200 × 0.4280 = 85.60 tce
    # together:           441.870099 tCO2 and 263.95 tce
    assert added_t == Decimal("441.870099")
    assert added_tce == Decimal("263.95")
    codes = {row[run.trace["columns"].index("factor_code")] for row in run.trace["rows"]}
    assert {"other_gas.emission_factor", "other_washed_coal.emission_factor"} <= codes
    page = client.get(reverse("accounting:result", args=[cast.park_a.pk, 2025])).content.decode()
    assert "其他煤气" in page and "其他洗煤" in page
    assert "GB/T 32151.22-2024 附录C 表C.1 缺省值" in page


def test_a_run_made_with_version_two_still_points_to_it(
    cast, client, on_commit, django_capture_on_commit_callbacks
):
    first, second, third = bundled_history(CODE)
    publishing.load_bundled_version(first)
    publishing.load_bundled_version(second)
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    old = CalculationRun.objects.get(status=RunStatus.SUCCEEDED)
    assert old.factor_set_version == 2
    with django_capture_on_commit_callbacks(execute=True):
        loaded = publishing.load_bundled_factor_sets()
    assert loaded == [
        "factor set ZCP-2025-trial v1: already loaded",
        "factor set ZCP-2025-trial v2: already loaded",
        "factor set ZCP-2025-trial v3: loaded and published",
    ]
    new = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED).latest("started_at", "id")
    assert new.pk != old.pk and new.factor_set_version == 3
    old.refresh_from_db()
    v2 = FactorSetVersion.objects.get(code=CODE, version=2)
    assert (old.factor_set_id, old.factor_set_version) == (v2.pk, 2)
    assert not FuelFactor.objects.filter(factor_set=v2, code__in=ADDED).exists()
    assert stored_factor_sets.latest_published(CODE).version == 3
    assert new.result["emissions_t"] == old.result["emissions_t"]
    url = reverse("accounting:result", args=[cast.park_a.pk, 2025]) + f"?run={old.pk}"
    assert "因子集 ZCP-2025-trial 第 2 版" in client.get(url).content.decode()
