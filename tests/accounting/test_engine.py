"""The pure accounting engine: acceptance cases, decisions (accounting/method/DECISIONS.md),
refusals and invariants.

No database and no Django: a case (a dict) and a factor set in, a Result out.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounting.method.engine import (
    CONTEXT,
    SCHEMA,
    CaseError,
    Result,
    case_digest,
    dumps,
    evaluate,
    evaluate_with_digest,
)
from accounting.method.factor_set import (
    FactorSetError,
    bundled_factor_set,
    load_factor_set_from_csv,
)
from accounting.method.rules import DEFAULT_RULES, METHOD_VERSION, Rules, rules_digest

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "acceptance"
ACCEPTANCE = SHARED if (SHARED / "cases").is_dir() else HERE / "acceptance"
CASE_FILES = sorted((ACCEPTANCE / "cases").glob("*.json"))
FS = bundled_factor_set("ZCP-2025-trial")
assert FS is not None
EF = {code: fuel.emission_factor() for code, fuel in FS.fuels.items()}
EF100 = {code: fuel.emission_factor(Decimal(1)) for code, fuel in FS.fuels.items()}
TCE = {code: fuel.tce_per_unit for code, fuel in FS.fuels.items()}
D = Decimal


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def assert_matches(expected: Any, actual: Any, where: str = "") -> None:
    """Numbers to 1e-6 relative, flags as a set, everything else exactly."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), where
        for key in expected:
            if key == "flags":
                assert set(actual[key]) == set(expected[key]), f"{where}.flags"
            else:
                assert_matches(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, bool) or expected is None or isinstance(expected, str):
        assert actual == expected, where
    elif isinstance(expected, int | float):
        assert isinstance(actual, int | float | Decimal) and not isinstance(actual, bool), where
        assert math.isclose(float(actual), expected, rel_tol=1e-6, abs_tol=1e-9), (
            where,
            actual,
            expected,
        )
    else:
        assert actual == expected, where


def case(**parts: Any) -> dict[str, Any]:
    """A minimal valid case; keyword arguments replace or add top-level parts."""
    base: dict[str, Any] = {
        "schema": SCHEMA,
        "park": {"name": "测试园区", "province": "江苏省"},
        "year": 2025,
        "factor_set": "ZCP-2025-trial",
        "fuels": [],
        "electricity": [],
        "generation": [],
        "heat": [],
        "processes": [],
        "guiding": {
            "solid_waste": {"generated_t": 100, "utilized_t": 90},
            "waste_energy": {"heat": {"recoverable_tce": 10, "recovered_tce": 6}},
            "water": {"fresh_m3": 20, "reused_m3": 80},
            "product_energy": [
                {
                    "product": "烧碱",
                    "standard": "GB 21257",
                    "actual": 300,
                    "level2_limit": 320,
                    "unit": "kgce/t",
                }
            ],
        },
    }
    base.update(parts)
    return base


def fuel(code: str, use: str, quantity: Any, enterprise: str = "一厂") -> dict[str, Any]:
    return {"enterprise": enterprise, "fuel": code, "use": use, "quantity": quantity}


def refusal(bad: Any) -> str:
    with pytest.raises(CaseError) as caught:
        evaluate(bad, FS)
    assert str(caught.value) == f"{caught.value.path}: {caught.value.message}"
    return str(caught.value)


# --- Acceptance ----------------------------------------------------------------------------------


def test_the_local_acceptance_copy_equals_the_shared_one_when_both_exist() -> None:
    if not (SHARED / "cases").is_dir():
        pytest.skip("shared/ is absent; the local copy is used")
    for kind in ("cases", "expected"):
        shared = {p.name: p.read_bytes() for p in (SHARED / kind).glob("*.json")}
        local = {p.name: p.read_bytes() for p in (HERE / "acceptance" / kind).glob("*.json")}
        assert local == shared


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_every_acceptance_case_gives_its_expected_result(path: Path) -> None:
    expected = load(ACCEPTANCE / "expected" / path.name)
    if "error" in expected:
        message = refusal(load(path))
        assert message.split(":")[0] == expected["error"].split(":")[0]
        assert message == expected["error"]
    else:
        result = evaluate(load(path), FS)
        assert_matches(expected, result.to_json_dict())
        # …and the same through the JSON text the command prints.
        assert_matches(expected, json.loads(dumps(result.to_json_dict())))


def test_the_acceptance_folder_holds_both_kinds_of_case() -> None:
    assert len(CASE_FILES) >= 6


# --- Tiers and thresholds (D1, D2) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("biomass_t", "tier", "threshold", "provisional"),
    [
        ("2000000", "1m_plus", "0.3", False),  # exactly 1,000,000 tce (D2)
        ("1999999.998", "200k_1m", "0.2", False),  # 999,999.999 tce
        ("400000", "200k_1m", "0.2", False),  # exactly 200,000 tce
        ("399999.999", "below_200k", "0.2", True),  # 199,999.9995 tce (D1)
    ],
)
def test_tiers_compare_energy_in_exact_decimal(
    biomass_t: str, tier: str, threshold: str, provisional: bool
) -> None:
    # Biomass is 0.5 tce/t exactly, so the energy lands precisely on the boundary.
    result = evaluate(case(fuels=[fuel("biomass", "end_use", biomass_t)]), FS)
    assert result.energy_tce == D(biomass_t) / 2
    assert (result.tier, result.threshold) == (tier, D(threshold))
    assert ("threshold_provisional" in result.flags) is provisional


def test_a_park_under_200k_tce_is_judged_against_0_2_and_flagged_provisional() -> None:
    result = evaluate(case(fuels=[fuel("diesel", "end_use", 100)]), FS)
    assert result.tier == "below_200k"
    assert result.threshold == D("0.2")
    assert result.core_pass is False  # diesel alone: ~3.1 tCO2/tce
    assert "threshold_provisional" in result.flags


@pytest.mark.parametrize(("process_t", "passes"), [("300000", True), ("300000.000001", False)])
def test_core_pass_is_intensity_at_or_below_the_threshold(process_t: str, passes: bool) -> None:
    # 1,000,000 tce of biomass (0 tCO2) and 300,000 t of process CO2: intensity exactly 0.3.
    processes = [{"product": "熟料", "tonnes": process_t, "factor_tco2_per_t": 1, "basis": "实测"}]
    result = evaluate(case(fuels=[fuel("biomass", "end_use", 2_000_000)], processes=processes), FS)
    assert result.intensity == D(process_t) / D(1_000_000)
    assert result.core_pass is passes


def tie_through_heat_export(process_t: str) -> dict[str, Any]:
    """Kerosene and biomass burnt, fossil heat exported, clinker made: with 5673.4116 t of
    process CO2 the intensity is exactly 0.3 by the exact figures (kerosene's factor holds 44/12,
    which no decimal holds exactly), at 1,144,922.7512 tce: the ≥ 1,000,000 tier."""
    return case(
        fuels=[fuel("kerosene", "end_use", 153_000), fuel("biomass", "end_use", 2_290_000)],
        heat=[{"direction": "export", "kind": "fossil", "gj": 588_840, "factor_tco2_per_gj": None}],
        processes=[
            {"product": "熟料", "tonnes": process_t, "factor_tco2_per_t": 1, "basis": "实测"}
        ],
    )


def test_an_intensity_exactly_at_the_threshold_through_a_heat_export_credit_passes() -> None:
    result = evaluate(tie_through_heat_export("5673.4116"), FS)
    assert (result.tier, result.threshold) == ("1m_plus", D("0.3"))
    assert result.intensity == D("0.3")
    assert result.core_pass is True
    # The quotient of the rounded totals is above 0.3 in its last digit: it may not decide.
    with localcontext(CONTEXT):
        assert result.emissions_t["total"] / result.energy_tce > D("0.3")


def test_a_millionth_of_a_tonne_above_the_tie_fails() -> None:
    result = evaluate(tie_through_heat_export("5673.411601"), FS)
    assert result.intensity > D("0.3")
    assert result.core_pass is False


def test_negative_energy_consumption_is_refused_naming_energy() -> None:
    # All the electricity exported and nothing used: exports above all use (D11).
    electricity = [{"direction": "export", "kind": "non_fossil", "mwh": 1000}]
    with pytest.raises(CaseError) as refused:
        evaluate(case(electricity=electricity), FS)
    assert refused.value.path == "energy"
    assert refused.value.message.startswith("must not be negative")
    assert "-300" in refused.value.message  # 1000 MWh × 0.3 tce/MWh


def test_a_park_year_with_no_energy_at_all_is_not_refused_but_judged_on_nothing() -> None:
    result = evaluate(case(fuels=[fuel("blast_furnace_gas", "recovered_energy", 100)]), FS)
    assert result.energy_tce == 0 and result.intensity is None and result.core_pass is None
    assert "no_energy_consumption" in result.flags


def clean_tie(direct_mwh: int) -> dict[str, Any]:
    """Power from biomass (14,286 tce) and anthracite (7,143 tce), 3,000 MWh of it exported:
    the export carries the clean share 2/3 of that fuel (D6), which no decimal holds. With
    159,670 MWh of direct green power the clean share is exactly 0.9: 61,587 of 68,430 tce."""
    fuels = [
        fuel("biomass", "power_generation", 28_572),
        fuel("anthracite", "power_generation", 10_000),
    ]
    electricity = [
        {"direction": "import", "kind": "direct_non_fossil", "mwh": direct_mwh},
        {"direction": "export", "kind": "fossil", "mwh": 3000},
    ]
    return case(fuels=fuels, electricity=electricity)


def test_a_clean_share_exactly_at_its_target_passes_and_just_below_it_fails() -> None:
    tie = evaluate(clean_tie(159_670), FS)
    assert tie.energy_tce == D(68_430)
    assert tie.guiding["clean_energy"] == {"value": D("0.9"), "target": D("0.9"), "pass": True}
    below = evaluate(clean_tie(159_669), FS).guiding["clean_energy"]
    assert below["value"] < D("0.9") and below["pass"] is False


# --- Measured calorific value and carbon content (D15) -------------------------------------------


def test_a_measured_calorific_value_drives_both_energy_and_emissions_and_is_in_the_trace() -> None:
    default = evaluate(case(fuels=[fuel("diesel", "end_use", 1000)]), FS)
    row = fuel("diesel", "end_use", 1000) | {"ncv_gj_per_unit": "43.5"}
    measured = evaluate(case(fuels=[row]), FS)
    with localcontext(CONTEXT):
        energy = D(1000) * (D("43.5") / D("29.3076"))
        emissions = D(1000) * (D("43.5") * D("20.2") * D("0.98") * 44 / 12000)
    assert measured.energy_tce == energy != default.energy_tce
    assert abs(measured.emissions_t["total"] - emissions) < D("1e-25")
    assert measured.emissions_t["total"] != default.emissions_t["total"]
    by_code = {line.factor_code: line for line in measured.trace}
    assert set(by_code) == {"diesel.emission_factor_measured", "diesel.tce_per_unit_measured"}
    assert "NCV 43.5 GJ/t" in by_code["diesel.emission_factor_measured"].factor_source
    assert "29.3076 GJ/tce" in by_code["diesel.tce_per_unit_measured"].factor_source


def test_a_measured_carbon_content_changes_emissions_but_not_energy() -> None:
    default = evaluate(case(fuels=[fuel("diesel", "end_use", 1000)]), FS)
    row = fuel("diesel", "end_use", 1000) | {"carbon_tc_per_tj": "20.0"}
    measured = evaluate(case(fuels=[row]), FS)
    assert measured.energy_tce == default.energy_tce
    with localcontext(CONTEXT):
        expected = D(1000) * D("42.652") * D("20.0") * D("0.98") * 44 / 12000
    assert abs(measured.emissions_t["total"] - expected) < D("1e-25")
    codes = {line.factor_code for line in measured.trace}
    assert codes == {"diesel.emission_factor_measured", "diesel.tce_per_unit"}


def test_rows_with_other_measured_values_are_separate_trace_lines() -> None:
    rows = [
        fuel("anthracite", "end_use", 100),
        fuel("anthracite", "end_use", 100) | {"ncv_gj_per_unit": 25},
        fuel("anthracite", "end_use", 100) | {"ncv_gj_per_unit": 25},
    ]
    result = evaluate(case(fuels=rows), FS)
    energy_lines = [line for line in result.trace if line.category == "energy"]
    assert [(line.rows, line.quantity) for line in energy_lines] == [(1, 100), (2, 200)]


@pytest.mark.parametrize("key", ["ncv_gj_per_unit", "carbon_tc_per_tj"])
def test_a_measured_value_of_zero_is_refused_naming_it(key: str) -> None:
    rows = [fuel("diesel", "end_use", 1), fuel("diesel", "end_use", 1) | {key: 0}]
    assert refusal(case(fuels=rows)).startswith(f"fuels[1].{key}: must be greater than zero")


def test_measured_values_count_in_the_digest_and_an_absent_one_is_like_null() -> None:
    plain = case(fuels=[fuel("diesel", "end_use", 1000)])
    null = case(fuels=[fuel("diesel", "end_use", 1000) | {"ncv_gj_per_unit": None}])
    measured = case(fuels=[fuel("diesel", "end_use", 1000) | {"ncv_gj_per_unit": "43.5"}])
    assert case_digest(plain) == case_digest(null) != case_digest(measured)


# --- The method's version -----------------------------------------------------------------------

# Each method version with the digest of the rules table it stands for. A rule's value changed
# without a new METHOD_VERSION fails the test below: add the new version here (never edit a line
# of a version that runs may already have recorded).
RULES_DIGESTS = {
    "zcp-method/2025.1": "bcbccc2658359c06b925f255ffe6af8cc61a2eff84c707bb8428afd7c4f2085d",
}


def test_a_changed_rule_needs_a_new_method_version() -> None:
    assert DEFAULT_RULES.version == METHOD_VERSION
    assert rules_digest(DEFAULT_RULES) == RULES_DIGESTS[METHOD_VERSION]
    # Every version stands for its own table: no two versions pin the same rules.
    assert len(set(RULES_DIGESTS.values())) == len(RULES_DIGESTS)


def test_the_rules_digest_sees_every_value_but_not_the_version() -> None:
    digest = rules_digest(DEFAULT_RULES)
    for name, value in DEFAULT_RULES.table().items():
        changed = Rules(**{name: value + D("0.01")})
        assert rules_digest(changed) != digest, name
    assert rules_digest(Rules(version="zcp-method/test")) == digest


def test_the_result_names_the_method_version_of_the_rules_it_applied() -> None:
    result = evaluate(case(fuels=[fuel("diesel", "end_use", 100)]), FS)
    assert result.method_version == METHOD_VERSION
    assert result.to_full_dict(trace=False)["method"] == {"version": METHOD_VERSION}
    # The acceptance fields stay exactly those of shared/acceptance/expected.
    assert "method" not in result.to_json_dict()
    other = evaluate(case(fuels=[fuel("diesel", "end_use", 100)]), FS, Rules(version="x/1"))
    assert other.method_version == "x/1"


# --- Fuels: combustion, transformation, feedstock, recovered energy, bunker --------------------


def test_fuel_combustion_is_quantity_times_ncv_carbon_oxidation_and_44_over_12() -> None:
    result = evaluate(case(fuels=[fuel("diesel", "end_use", 1000)]), FS)
    expected = D(1000) * D("42.652") * D("20.2") * D("0.98") * 44 / 12 / 1000
    assert abs(result.emissions_t["fuel_combustion"] - expected) < D("1e-20")
    assert result.energy_tce == D("1457.1")


def test_transformation_is_input_minus_output_at_100_percent_oxidation() -> None:
    rows = [
        fuel("washed_coal", "transformation_input", 1000, "焦化"),
        fuel("coke", "transformation_output", 700, "焦化"),
    ]
    result = evaluate(case(fuels=rows), FS)
    with localcontext(CONTEXT):
        expected = 1000 * EF100["washed_coal"] - 700 * EF100["coke"]
        energy = 1000 * TCE["washed_coal"] - 700 * TCE["coke"]
    assert result.emissions_t["transformation"] == expected
    assert result.emissions_t["fuel_combustion"] == 0
    assert result.energy_tce == energy
    assert EF100["coke"] > EF["coke"]  # oxidation 100%, not the combustion value


def test_feedstock_emits_nothing_but_counts_in_energy() -> None:
    result = evaluate(case(fuels=[fuel("coke", "feedstock", 1000)]), FS)
    assert result.emissions_t["total"] == 0
    assert result.energy_tce == 1000 * TCE["coke"]
    assert [line.category for line in result.trace] == ["energy"]


def test_recovered_energy_emits_but_is_not_counted_in_energy_again() -> None:
    result = evaluate(case(fuels=[fuel("blast_furnace_gas", "recovered_energy", 100)]), FS)
    assert result.emissions_t["fuel_combustion"] == 100 * EF["blast_furnace_gas"]
    assert result.energy_tce == 0
    assert "no_energy_consumption" in result.flags


def test_bunker_fuel_stays_in_the_total_and_is_listed_apart() -> None:
    result = evaluate(case(fuels=[fuel("kerosene", "bunker", 10)]), FS)
    assert result.emissions_t["bunker_memo"] == CONTEXT.multiply(10, EF["kerosene"])
    assert result.emissions_t["fuel_combustion"] == result.emissions_t["bunker_memo"]
    assert result.emissions_t["total"] == result.emissions_t["bunker_memo"]
    assert result.energy_tce == 10 * TCE["kerosene"]


def test_non_fossil_fuels_emit_nothing_and_count_as_clean() -> None:
    result = evaluate(case(fuels=[fuel("green_hydrogen", "end_use", 10)]), FS)
    assert result.emissions_t["total"] == 0
    assert result.clean_energy_share == 1


# --- Electricity and heat ------------------------------------------------------------------------


def test_only_grid_power_and_fossil_exports_carry_the_fossil_factor() -> None:
    electricity = [
        {"direction": "import", "kind": "grid", "mwh": 1000},
        {"direction": "import", "kind": "direct_non_fossil", "mwh": 500},
        {"direction": "import", "kind": "green_certificate", "mwh": 300},
        {"direction": "export", "kind": "fossil", "mwh": 100},
        {"direction": "export", "kind": "non_fossil", "mwh": 50},
    ]
    generation = [
        {"source": "光伏", "fossil": False, "mwh": 200},
        {"source": "燃气机组", "fossil": True, "mwh": 400},
    ]
    result = evaluate(case(electricity=electricity, generation=generation), FS)
    assert result.emissions_t["electricity"] == (1000 - 100) * D("0.8325")
    # Equal-value energy: imports + non-fossil generation − exports (fossil generation excluded).
    assert result.energy_breakdown_tce["electricity"] == (1800 + 200 - 150) * D("0.3")
    assert result.electricity_mwh == {"consumption": D(1800 + 600 - 150), "direct_green": D(650)}
    assert result.direct_green_share == CONTEXT.divide(D(650), D(2250))


def test_exported_fossil_heat_is_subtracted_at_the_default_or_measured_factor() -> None:
    heat = [
        {"direction": "import", "kind": "fossil", "gj": 1000, "factor_tco2_per_gj": "0.095"},
        {"direction": "export", "kind": "fossil", "gj": 400, "factor_tco2_per_gj": None},
        {"direction": "import", "kind": "non_fossil", "gj": 300, "factor_tco2_per_gj": None},
    ]
    result = evaluate(case(heat=heat), FS)
    assert result.emissions_t["heat"] == 1000 * D("0.095") - 400 * D("0.11")
    assert result.energy_breakdown_tce["heat"] == (1000 - 400 + 300) * D("0.03412")


def test_exported_fossil_power_carries_the_clean_share_of_the_fuel_burnt_for_it() -> None:
    # D6: half of the power-and-heat fuel (by tce) is gas, so half of the export leaves as clean.
    gas = D(100)  # 10^4 Nm3 → 1330 tce
    coal = TCE["natural_gas"] * gas / TCE["general_bituminous"]
    fuels = [
        fuel("natural_gas", "power_generation", gas),
        fuel("general_bituminous", "power_generation", str(coal.quantize(D("0.000001")))),
    ]
    electricity = [{"direction": "export", "kind": "fossil", "mwh": 1000}]
    result = evaluate(case(fuels=fuels, electricity=electricity), FS)
    assert result.clean_energy_tce["fuels"] == D(1330)
    share = result.clean_energy_tce["electricity"] / (-1000 * D("0.3"))
    assert abs(share - D("0.5")) < D("1e-9")
    assert 0 <= result.clean_energy_share <= 1


def test_a_park_exporting_all_its_gas_power_does_not_pass_100_percent_clean() -> None:
    fuels = [fuel("natural_gas", "power_generation", 100)]
    electricity = [{"direction": "export", "kind": "fossil", "mwh": 2000}]
    result = evaluate(case(fuels=fuels, electricity=electricity), FS)
    assert result.clean_energy_share == 1


def test_process_emissions_are_tonnes_times_the_stated_factor() -> None:
    processes = [
        {"product": "水泥熟料", "tonnes": 1000, "factor_tco2_per_t": "0.52", "basis": "省清单"}
    ]
    result = evaluate(case(processes=processes), FS)
    assert result.emissions_t["process"] == D(520)
    (line,) = result.trace
    assert (line.factor_source, line.category, line.enterprise) == ("省清单", "process", "_park")


# --- Guiding indicators --------------------------------------------------------------------------


def test_guiding_rates_follow_d9() -> None:
    guiding = {
        "solid_waste": {"generated_t": 100, "utilized_t": 79},
        "waste_energy": {
            "heat": {"recoverable_tce": 100, "recovered_tce": 20},
            "cold": {"recoverable_tce": 0, "recovered_tce": 0},
            "pressure": {"recoverable_tce": 300, "recovered_tce": 200},
        },
        "water": {"fresh_m3": 1, "reused_m3": 4},
        "product_energy": [
            {"product": "a", "actual": 10, "level2_limit": 10},
            {"product": "b", "actual": 11, "level2_limit": 10},
        ],
    }
    result = evaluate(case(guiding=guiding), FS)
    g = result.guiding
    assert g["solid_waste"] == {"value": D("0.79"), "target": D("0.8"), "pass": False}
    assert g["waste_energy"]["value"] == D(220) / D(400)  # weighted by recoverable amounts
    assert g["water"]["value"] == D("0.8") and g["water"]["pass"] is True
    assert g["product_energy"] == {"products": 2, "pass": False}
    assert [p["pass"] for p in result.products] == [True, False]


def test_a_missing_guiding_indicator_is_flagged_and_left_out() -> None:
    result = evaluate(case(guiding={"water": {"not_applicable": "无工业用水"}}), FS)
    assert {"missing_solid_waste", "missing_waste_energy", "missing_product_energy"} <= set(
        result.flags
    )
    assert result.guiding["water"] == {"not_applicable": "无工业用水"}
    assert set(result.guiding) == {"clean_energy", "water"}


def test_an_empty_product_list_or_absent_guiding_is_missing() -> None:
    result = evaluate(case(guiding={"product_energy": []}), FS)
    assert "missing_product_energy" in result.flags
    bare = case()
    del bare["guiding"]
    assert {
        f"missing_{n}" for n in ("solid_waste", "waste_energy", "water", "product_energy")
    } <= set(evaluate(bare, FS).flags)


@pytest.mark.parametrize(
    ("guiding", "path"),
    [
        ({"solid_waste": {"generated_t": 0, "utilized_t": 0}}, "guiding.solid_waste.generated_t"),
        ({"solid_waste": {"generated_t": 10, "utilized_t": 11}}, "guiding.solid_waste.utilized_t"),
        ({"water": {"fresh_m3": 0, "reused_m3": 0}}, "guiding.water"),
        (
            {"waste_energy": {"heat": {"recoverable_tce": 0, "recovered_tce": 0}}},
            "guiding.waste_energy",
        ),
        (
            {"waste_energy": {"cold": {"recoverable_tce": 5, "recovered_tce": 6}}},
            "guiding.waste_energy.cold.recovered_tce",
        ),
        ({"waste_energy": {"steam": {"recoverable_tce": 5}}}, "guiding.waste_energy.steam"),
        ({"clean": {}}, "guiding.clean"),
        ({"water": {"not_applicable": "  "}}, "guiding.water.not_applicable"),
        (
            {"product_energy": [{"product": "a", "actual": 1}]},
            "guiding.product_energy[0].level2_limit",
        ),
    ],
)
def test_a_rate_that_cannot_be_a_rate_is_refused(guiding: dict, path: str) -> None:
    assert refusal(case(guiding=guiding)).split(": ")[0] == path


# --- Refusals: every bad value is named by its path ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "must not be negative"),
        ("-0.5", "must not be negative"),
        (float("nan"), "must be a finite number"),
        (float("inf"), "must be a finite number"),
        (D("NaN"), "must be a finite number"),
        ("NaN", "must be a number"),
        ("Infinity", "must be a number"),
        (True, "must be a number"),
        (None, "must be a number"),
        ("", "must be a number"),
        ("1,000", "must be a number"),
        ([1], "must be a number"),
        (10**15 + 1, "must not exceed 1000000000000000"),
        ("1e16", "must not exceed 1000000000000000"),
        ("0.0000001", "must have at most 6 decimal places"),
        (0.1 + 0.2, "must have at most 6 decimal places"),
    ],
)
def test_a_bad_number_is_refused_with_its_path(value: Any, message: str) -> None:
    bad = case(fuels=[fuel("diesel", "end_use", 1), fuel("diesel", "end_use", value)])
    assert refusal(bad) == f"fuels[1].quantity: {message}"


@pytest.mark.parametrize("value", [0, "12.5", "1e3", 48.0, D("1.500000000"), 10**15, " 7 "])
def test_numbers_may_arrive_as_int_float_text_or_decimal(value: Any) -> None:
    result = evaluate(case(electricity=[{"direction": "import", "kind": "grid", "mwh": value}]), FS)
    assert result.electricity_mwh["consumption"] == D(str(value).strip())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"schema": "zcp-case/2"}, 'schema: must be "zcp-case/1"'),
        ({"factor_set": ""}, "factor_set: must name"),
        ({"year": "2025"}, "year: must be a year"),
        ({"park": {"province": "江苏省"}}, "park.name: is required"),
        ({"fuels": [fuel("raw_coal", "end_use", 1)]}, "fuels[0].fuel: raw coal must be split"),
        ({"fuels": [fuel("peat", "end_use", 1)]}, 'fuels[0].fuel: unknown fuel "peat"'),
        ({"fuels": [fuel("diesel", "burning", 1)]}, "fuels[0].use: must be one of"),
        ({"fuels": [{"fuel": "diesel", "use": "end_use", "quantity": 1}]}, "fuels[0].enterprise:"),
        ({"fuels": {"a": 1}}, "fuels: must be a list"),
        ({"fuels": ["diesel"]}, "fuels[0]: must be an object"),
        (
            {"electricity": [{"direction": "in", "kind": "grid", "mwh": 1}]},
            "electricity[0].direction: must be one of",
        ),
        (
            {"electricity": [{"direction": "import", "kind": "fossil", "mwh": 1}]},
            "electricity[0].kind: must be one of grid, direct_non_fossil, green_certificate",
        ),
        (
            {"electricity": [{"direction": "import", "kind": "grid"}]},
            "electricity[0].mwh: is required",
        ),
        (
            {"generation": [{"source": "光伏", "fossil": "no", "mwh": 1}]},
            "generation[0].fossil: must be true or false",
        ),
        (
            {"heat": [{"direction": "import", "kind": "steam", "gj": 1}]},
            "heat[0].kind: must be one of",
        ),
        (
            {
                "heat": [
                    {"direction": "import", "kind": "fossil", "gj": 1, "factor_tco2_per_gj": -1}
                ]
            },
            "heat[0].factor_tco2_per_gj: must not be negative",
        ),
        (
            {"processes": [{"product": "熟料", "tonnes": 1, "factor_tco2_per_t": 0.5}]},
            "processes[0].basis: is required",
        ),
        (
            {
                "processes": [
                    {"product": "熟料", "tonnes": 1, "factor_tco2_per_t": 0.5, "basis": " "}
                ]
            },
            "processes[0].basis: must be a non-empty text",
        ),
    ],
)
def test_bad_input_is_refused_with_its_place(change: dict, expected: str) -> None:
    assert refusal(case(**change)).startswith(expected)


def test_a_case_that_is_not_an_object_is_refused() -> None:
    assert refusal([1, 2]) == "case: must be an object"
    assert refusal({"park": {}}) == "schema: is required"


def test_the_first_error_in_document_order_wins() -> None:
    bad = case(
        fuels=[fuel("diesel", "end_use", 1), fuel("diesel", "end_use", -1)],
        electricity=[{"direction": "import", "kind": "grid", "mwh": -1}],
        guiding={"water": {"fresh_m3": -1, "reused_m3": 0}},
    )
    assert refusal(bad).startswith("fuels[1].quantity")
    del bad["fuels"][1]
    assert refusal(bad).startswith("electricity[0].mwh")
    bad["electricity"] = []
    assert refusal(bad).startswith("guiding.water.fresh_m3")


def test_within_a_row_the_fields_are_checked_in_order() -> None:
    bad = case(fuels=[{"enterprise": "一厂", "fuel": "raw_coal", "use": "x", "quantity": -1}])
    assert refusal(bad).startswith("fuels[0].fuel: raw coal")


def test_a_bad_label_is_caught_even_after_the_same_label_was_valid_on_earlier_rows() -> None:
    rows = [fuel("diesel", "end_use", 1)] * 3 + [
        {"enterprise": "一厂", "fuel": "diesel", "use": "end_use", "quantity": True}
    ]
    assert refusal(case(fuels=rows)) == "fuels[3].quantity: must be a number"
    rows = [{"source": "光伏", "fossil": True, "mwh": 1}, {"source": "光伏", "fossil": 1, "mwh": 1}]
    assert refusal(case(generation=rows)) == "generation[1].fossil: must be true or false"


# --- Zero denominators ---------------------------------------------------------------------------


def test_an_empty_park_does_not_crash_and_says_why_nothing_is_judged() -> None:
    result = evaluate(case(), FS)
    assert result.energy_tce == 0 and result.intensity is None and result.core_pass is None
    assert result.clean_energy_share is None and result.direct_green_share is None
    assert {"no_energy_consumption", "no_electricity_consumption"} <= set(result.flags)
    assert result.guiding["clean_energy"] == {"value": None, "target": D("0.9"), "pass": None}
    assert json.loads(dumps(result.to_full_dict()))["intensity"] is None


# --- Aggregation and the trace --------------------------------------------------------------------


def test_monthly_rows_aggregate_to_the_same_result_as_one_summed_row() -> None:
    months = [D(m) + D("0.125") for m in range(1, 13)]
    monthly = case(
        fuels=[fuel("natural_gas", "heat_supply", str(q)) for q in months],
        electricity=[{"direction": "import", "kind": "grid", "mwh": str(q)} for q in months],
    )
    summed = case(
        fuels=[fuel("natural_gas", "heat_supply", str(sum(months)))],
        electricity=[{"direction": "import", "kind": "grid", "mwh": str(sum(months))}],
    )
    a, b = evaluate(monthly, FS), evaluate(summed, FS)
    assert a.to_json_dict() == b.to_json_dict()
    assert [line.rows for line in a.trace] == [12, 12, 12, 12]
    assert [line.quantity for line in a.trace] == [line.quantity for line in b.trace]


def test_every_trace_line_explains_its_amount_and_the_totals_are_their_sums() -> None:
    result = evaluate(load(ACCEPTANCE / "cases" / "03-large-industrial.json"), FS)
    with localcontext(CONTEXT):
        for line in result.trace:
            assert line.amount == line.sign * line.quantity * line.factor_value
            assert line.factor_source and line.factor_code and line.unit
        assert sum(result.breakdown("category").values()) == result.emissions_t["total"]
        assert result.breakdown("category", "tce") == result.energy_breakdown_tce
        assert sum(result.breakdown("enterprise", "tce").values()) == result.energy_tce
    coke_in = [line for line in result.trace if line.energy_type == "coke"]
    assert {(line.use, line.category, line.sign) for line in coke_in} == {
        ("transformation_output", "transformation", -1),
        ("transformation_output", "energy", -1),
        ("feedstock", "energy", 1),
    }
    full = result.to_full_dict()
    assert full["factor_set"] == {"code": "ZCP-2025-trial", "version": 3}
    assert full["breakdowns"]["emissions_t"]["by_enterprise"]["_park"] == D(124875) + D(54000)
    assert full["trace"][0]["enterprise"] == "焦化公司"


def test_ninety_six_thousand_rows_are_evaluated_quickly() -> None:
    codes = ["diesel", "natural_gas", "coke", "general_bituminous", "lpg", "biomass"]
    uses = ["end_use", "heat_supply", "power_generation", "feedstock"]
    fuels = [
        fuel(codes[i % 6], uses[i % 4], f"{i % 997}.25", f"企业{i % 700}") for i in range(96_000)
    ]
    started = time.process_time()
    result = evaluate(case(fuels=fuels), FS)
    elapsed = time.process_time() - started
    assert sum(line.rows for line in result.trace if line.category == "energy") == 96_000
    # ~0.4 s on a quiet laptop; the bound only catches an accidental per-row blow-up.
    assert elapsed < 3


# --- JSON, digest --------------------------------------------------------------------------------


def test_dumps_writes_decimals_as_exact_numbers_and_keeps_chinese_readable() -> None:
    text = dumps({"a": D("0.1000"), "b": [D("1E+3"), None, True], "名": "园区"}, indent=None)
    assert text == '{"a": 0.1, "b": [1000, null, true], "名": "园区"}'
    long = D("0.1234567890123456789012345678901234")
    assert json.loads(dumps({"x": long}), parse_float=D)["x"] == long


def test_the_digest_ignores_number_spelling_and_unused_keys_but_not_values() -> None:
    a = case(fuels=[fuel("diesel", "end_use", 2000)])
    b = case(fuels=[fuel("diesel", "end_use", "2000.0") | {"note": "月报汇总"}])
    c = case(fuels=[fuel("diesel", "end_use", 2001)])
    assert case_digest(a) == case_digest(b) != case_digest(c)
    assert len(case_digest(a)) == 64


# --- Factor sets ---------------------------------------------------------------------------------


def test_the_bundled_factor_set_is_the_shared_one() -> None:
    assert (FS.code, FS.version, FS.year) == ("ZCP-2025-trial", 3, 2025)
    assert FS.fuels["natural_gas"].clean and not FS.fuels["diesel"].clean
    assert FS.fuels["biomass"].ncv_gj_per_unit is None
    assert FS.value("electricity_fossil_factor") == D("0.8325")
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "domain"
    if shared.is_dir():
        # The shared domain's table is the first version, shipped unchanged beside the later
        # ones (D19, D46), which only add fuels.
        bundled = Path(__file__).resolve().parents[2] / "accounting" / "reference" / FS.code
        bundled = bundled / "versions" / "1"
        for ours, theirs in (("factors", "factors"), ("parameters", "parameters")):
            assert (bundled / f"{ours}.csv").read_bytes() == (
                shared / f"{theirs}-zcp-2025-trial.csv"
            ).read_bytes()


def test_an_unknown_or_unsafe_factor_set_code_finds_nothing() -> None:
    assert bundled_factor_set("ZCP-1999") is None
    assert bundled_factor_set("../reference") is None


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("diesel,柴油,diesel,oil,t,1.4571,,20.2,0.98,no,src", "row 2, column ncv_gj_per_unit"),
        ("diesel,柴油,diesel,oil,t,1.4571,42,20.2,1.5,no,src", "row 2, column oxidation"),
        ("diesel,柴油,diesel,liquid,t,1.4571,42,20.2,0.98,no,src", "row 2, column category"),
        ("diesel,柴油,diesel,oil,t,abc,42,20.2,0.98,no,src", "row 2, column tce_per_unit"),
        ("diesel,柴油,diesel,oil,t,1.4571,42,20.2,0.98,maybe,src", "row 2, column clean"),
        ("biomass,生物质,biomass,non_fossil,t,0.5,10,,,yes,src", "row 2, column ncv_gj_per_unit"),
        ("diesel,柴油,diesel,oil,t,1.4571,42,20.2,0.98,no", "row 2: expected 11 columns"),
    ],
)
def test_a_bad_factor_csv_is_refused_naming_file_row_and_column(
    tmp_path: Path, row: str, expected: str
) -> None:
    reference = Path(__file__).resolve().parents[2] / "accounting" / "reference" / "ZCP-2025-trial"
    factors = tmp_path / "factors.csv"
    header = (reference / "factors.csv").read_text(encoding="utf-8").splitlines()[0]
    factors.write_text(f"{header}\n{row}\n", encoding="utf-8")
    with pytest.raises(FactorSetError) as caught:
        load_factor_set_from_csv(factors, reference / "parameters.csv", "X", 1, 2025)
    assert str(caught.value).startswith(str(factors)) and expected in str(caught.value)


def test_a_parameter_file_without_a_needed_parameter_is_refused(tmp_path: Path) -> None:
    reference = Path(__file__).resolve().parents[2] / "accounting" / "reference" / "ZCP-2025-trial"
    lines = (reference / "parameters.csv").read_text(encoding="utf-8").splitlines()
    parameters = tmp_path / "parameters.csv"
    parameters.write_text("\n".join(line for line in lines if "heat_tce" not in line), "utf-8")
    with pytest.raises(FactorSetError, match="heat_tce"):
        load_factor_set_from_csv(reference / "factors.csv", parameters, "X", 1, 2025)


# --- Properties ----------------------------------------------------------------------------------

quantities = st.decimals(
    min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False
)
FUEL_USES = [
    "end_use",
    "power_generation",
    "heat_supply",
    "recovered_energy",
    "bunker",
    "feedstock",
    "transformation_input",
    "transformation_output",
]
fuel_rows = st.builds(
    lambda e, f, u, q: fuel(f, u, q, e),
    st.sampled_from(["一厂", "二厂", "热电"]),
    st.sampled_from(sorted(FS.fuels)),
    st.sampled_from(FUEL_USES),
    quantities,
)
electricity_rows = st.one_of(
    st.builds(
        lambda k, q: {"direction": "import", "kind": k, "mwh": q},
        st.sampled_from(["grid", "direct_non_fossil", "green_certificate"]),
        quantities,
    ),
    st.builds(
        lambda k, q: {"direction": "export", "kind": k, "mwh": q},
        st.sampled_from(["fossil", "non_fossil"]),
        quantities,
    ),
)
heat_rows = st.builds(
    lambda d, k, q, f: {"direction": d, "kind": k, "gj": q, "factor_tco2_per_gj": f},
    st.sampled_from(["import", "export"]),
    st.sampled_from(["fossil", "non_fossil"]),
    quantities,
    st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=4)),
)
generation_rows = st.builds(
    lambda f, q: {"source": "机组", "fossil": f, "mwh": q}, st.booleans(), quantities
)
process_rows = st.builds(
    lambda q, f: {"product": "熟料", "tonnes": q, "factor_tco2_per_t": f, "basis": "测算"},
    quantities,
    st.decimals(min_value=0, max_value=5, places=3),
)


def energy_by_hand(whole: dict[str, Any]) -> Fraction:
    """Energy consumption worked out apart from the engine, in exact fractions (tce)."""
    signs = {"recovered_energy": 0, "transformation_output": -1}
    mwh = Fraction(FS.value("electricity_equal_value"))
    energy = sum(
        Fraction(row["quantity"]) * Fraction(TCE[row["fuel"]]) * signs.get(row["use"], 1)
        for row in whole["fuels"]
    )
    energy += sum(
        Fraction(row["mwh"]) * mwh * (1 if row["direction"] == "import" else -1)
        for row in whole["electricity"]
    )
    energy += sum(Fraction(row["mwh"]) * mwh for row in whole["generation"] if not row["fossil"])
    energy += sum(
        Fraction(row["gj"]) * Fraction(FS.value("heat_tce"))
        * (1 if row["direction"] == "import" else -1)
        for row in whole["heat"]
    )  # fmt: skip
    return Fraction(energy)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fuels=st.lists(fuel_rows, max_size=12),
    electricity=st.lists(electricity_rows, max_size=6),
    generation=st.lists(generation_rows, max_size=3),
    heat=st.lists(heat_rows, max_size=4),
    processes=st.lists(process_rows, max_size=3),
)
def test_any_valid_case_evaluates_and_its_totals_are_exactly_the_sums_of_their_parts(
    fuels: list, electricity: list, generation: list, heat: list, processes: list
) -> None:
    whole = case(
        fuels=fuels, electricity=electricity, generation=generation, heat=heat, processes=processes
    )
    if energy_by_hand(whole) < 0:  # D11: exports above all use are refused, naming energy
        with pytest.raises(CaseError) as refused:
            evaluate(whole, FS)
        assert refused.value.path == "energy"
        return
    result: Result = evaluate(whole, FS)
    e = result.emissions_t
    with localcontext(CONTEXT):
        assert e["total"] == (
            e["fuel_combustion"] + e["transformation"] + e["electricity"] + e["heat"] + e["process"]
        )
        b = result.energy_breakdown_tce
        assert result.energy_tce == b["fuels"] + b["electricity"] + b["heat"]
        assert e["bunker_memo"] == sum(
            (line.amount for line in result.trace if line.category == "bunker"), D(0)
        )
    if result.intensity is not None:
        assert result.core_pass == (result.intensity <= result.threshold)
    json.loads(dumps(result.to_full_dict()))
    # Splitting every fuel and electricity row in two halves changes nothing.
    split = case(
        fuels=[row | {"quantity": row["quantity"] / 2} for row in fuels for _ in (1, 2)],
        electricity=[row | {"mwh": row["mwh"] / 2} for row in electricity for _ in (1, 2)],
        generation=generation,
        heat=heat,
        processes=processes,
    )
    assert evaluate(split, FS).to_json_dict() == result.to_json_dict()


def test_evaluate_with_digest_gives_the_same_result_and_digest_as_the_two_calls():
    case = json.loads((ACCEPTANCE / "cases" / "01-green-medium.json").read_text(encoding="utf-8"))
    result, digest = evaluate_with_digest(case, FS)
    assert result == evaluate(case, FS)
    assert digest == case_digest(case)


@pytest.mark.parametrize("name", ["01-green-medium", "03-large-industrial", "04-small-park"])
def test_the_one_pass_breakdowns_equal_each_breakdown(name: str) -> None:
    result = evaluate(load(ACCEPTANCE / "cases" / f"{name}.json"), FS)
    tables = result.breakdowns()
    for unit_key, unit in (("emissions_t", "tCO2"), ("energy_tce", "tce")):
        for by in ("category", "energy_type", "enterprise"):
            expected = result.breakdown(by, unit)
            assert tables[unit_key][f"by_{by}"] == expected
            assert list(tables[unit_key][f"by_{by}"]) == list(expected)  # same order
    assert result.to_full_dict()["breakdowns"] == tables


def test_the_method_package_loads_without_django() -> None:
    # Run apart from this process, whose pytest-django has loaded Django already.
    modules = ", ".join(
        f"accounting.method.{name}"
        for name in ("case", "digest", "engine", "factor_set", "results", "rules", "trace")
    )
    code = (
        f"import sys, {modules}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
