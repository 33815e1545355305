"""The self-assessment sheet (applications/self_assessment.py): the core indicator judged on
exact quantities at its boundaries, and the guiding indicators with the declared exceptions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from applications.self_assessment import GUIDING_KEYS, Project, assemble, judge_core


def _result(energy: str, emissions: str, guiding: dict | None = None) -> dict:
    return {"energy_tce": energy, "emissions_t": {"total": emissions}, "guiding": guiding or {}}


@pytest.mark.parametrize(
    ("energy", "emissions", "tier", "passed"),
    [
        # Exactly at the threshold meets it; the smallest stored unit more does not.
        ("500000", "100000", "200k_1m", True),
        ("500000", "100000.0001", "200k_1m", False),
        # Exactly 1,000,000 tce is the upper tier (D2): 0.3.
        ("1000000", "300000", "1m_plus", True),
        ("1000000", "300000.0001", "1m_plus", False),
        ("999999.9999", "200000", "200k_1m", False),
        ("999999.9999", "199999.99998", "200k_1m", True),
        # Below 200,000 tce: 0.2, provisional (D1).
        ("100000", "20000", "below_200k", True),
        ("100000", "20000.0001", "below_200k", False),
    ],
)
def test_the_core_indicator_is_met_exactly_up_to_the_threshold_of_its_tier(
    energy, emissions, tier, passed
):
    core = judge_core(Decimal(energy), Decimal(emissions))
    assert (core.tier, core.passed) == (tier, passed)


def test_the_verdict_never_compares_a_rounded_quotient():
    # 28 significant digits round both quotients to exactly 0.2; only the exact comparison
    # (emissions ≤ 0.2 × energy) tells them apart.
    energy = Decimal("300000.0000000000000000000001")
    exact = Decimal("60000.00000000000000000000002")
    above = exact + Decimal("1E-23")
    assert judge_core(energy, exact).passed is True
    assert judge_core(energy, above).passed is False
    assert judge_core(energy, above).intensity == Decimal("0.2")  # what a quotient would say


def test_a_year_without_energy_or_without_a_calculation_does_not_meet_the_core_indicator():
    assert assemble(2027, None, {}).core_met is False
    sheet = assemble(2027, _result("0", "0"), {})
    assert sheet.core.passed is None and sheet.core_met is False


def test_guiding_indicators_declared_not_applicable_are_left_out_with_their_reasons():
    guiding = {
        "clean_energy": {"value": "0.95", "target": "0.9", "pass": True},
        "water": {"value": "0.5", "target": "0.8", "pass": False},
        "product_energy": {"products": 2, "pass": True},
    }
    sheet = assemble(
        2027,
        _result("500000", "90000", guiding),
        {"solid_waste": "园区无工业固废产生企业", "waste_energy": "  "},
    )
    assert [g.key for g in sheet.guiding] == list(GUIDING_KEYS)
    assert [(g.key, g.reason) for g in sheet.not_applicable] == [
        ("solid_waste", "园区无工业固废产生企业")
    ]
    rows = {g.key: g for g in sheet.required_guiding}
    assert rows["clean_energy"].passed is True and rows["clean_energy"].value == "95.0%"
    assert rows["water"].passed is False
    assert rows["product_energy"].passed is True
    # A blank reason is no declaration: still required, and without data not shown as met.
    assert rows["waste_energy"].required and rows["waste_energy"].passed is None
    assert sheet.core_met is True


def test_project_completion_is_counted():
    sheet = assemble(2027, None, {}, projects=[Project("光伏", True), Project("储能", False)])
    assert (sheet.projects_completed, len(sheet.projects)) == (1, 2)
