"""The four basic conditions of Att.1, each at its edges. Pure: no database."""

from __future__ import annotations

import datetime

import pytest

from applications.eligibility import (
    BuilderInput,
    DataAreaInput,
    IncidentInput,
    Outcome,
    ScopeInput,
    check_builder,
    check_data_foundation,
    check_incident_record,
    check_scope,
    three_years_before,
)

TODAY = datetime.date(2025, 8, 20)
SIDES = {"east": "东环路", "south": "南环路", "west": "西环路", "north": "北环路"}


# --- builder -------------------------------------------------------------------------------------


def test_a_national_development_zone_passes_the_builder_condition():
    assert check_builder(BuilderInput("national_zone"), TODAY).outcome == Outcome.PASS


def test_a_provincial_zone_in_the_catalogue_passes():
    result = check_builder(BuilderInput("provincial_zone", in_catalogue="yes"), TODAY)
    assert result.outcome == Outcome.PASS


@pytest.mark.parametrize("answer", ["no", "unknown", ""])
def test_a_provincial_zone_not_shown_in_the_catalogue_needs_reviewer_judgement(answer):
    result = check_builder(BuilderInput("provincial_zone", in_catalogue=answer), TODAY)
    assert result.outcome == Outcome.JUDGEMENT
    assert "目录" in str(result.reason)


def test_an_emerging_industry_park_without_approval_document_fails():
    result = check_builder(BuilderInput("emerging_park", approval_year=2023), TODAY)
    assert result.outcome == Outcome.FAIL
    assert "批复文件" in str(result.reason)


def test_a_recently_approved_high_tech_park_with_evidence_needs_judgement_case_by_case():
    data = BuilderInput(
        "high_tech_park",
        approval_document="苏政复〔2023〕12号",
        approval_year=2020,
        has_approval_evidence=True,
    )
    result = check_builder(data, TODAY)
    assert result.outcome == Outcome.JUDGEMENT
    assert "视情" in str(result.reason)


def test_an_approval_more_than_five_years_old_is_flagged_for_the_reviewer():
    data = BuilderInput(
        "high_tech_park", approval_document="文件", approval_year=2019, has_approval_evidence=True
    )
    result = check_builder(data, TODAY)
    assert result.outcome == Outcome.JUDGEMENT
    assert "超过5年" in str(result.reason)


def test_an_approval_without_the_uploaded_document_fails():
    data = BuilderInput("emerging_park", approval_document="文件", approval_year=2024)
    assert check_builder(data, TODAY).outcome == Outcome.FAIL


def test_an_approval_year_in_the_future_fails():
    data = BuilderInput(
        "emerging_park", approval_document="文件", approval_year=2026, has_approval_evidence=True
    )
    assert check_builder(data, TODAY).outcome == Outcome.FAIL


def test_another_kind_of_builder_fails():
    assert check_builder(BuilderInput("other"), TODAY).outcome == Outcome.FAIL


# --- scope ---------------------------------------------------------------------------------------


def test_a_whole_park_with_its_management_body_passes():
    assert check_scope(ScopeInput("whole", management_body="管委会")).outcome == Outcome.PASS


def test_any_scope_without_a_responsible_body_fails():
    assert check_scope(ScopeInput("whole")).outcome == Outcome.FAIL


def test_a_park_within_a_park_with_four_sides_and_polygon_passes():
    data = ScopeInput(
        "within", SIDES, has_polygon=True, management_body="管委会", host_park_name="苏州工业园区"
    )
    assert check_scope(data).outcome == Outcome.PASS


def test_a_park_within_a_park_without_a_boundary_fails():
    data = ScopeInput(
        "within", {}, has_polygon=False, management_body="管委会", host_park_name="苏州工业园区"
    )
    result = check_scope(data)
    assert result.outcome == Outcome.FAIL
    assert "东至" in str(result.reason) and "北至" in str(result.reason)


def test_a_park_within_a_park_missing_one_side_names_that_side():
    sides = {**SIDES, "west": "  "}
    data = ScopeInput(
        "within", sides, has_polygon=True, management_body="管委会", host_park_name="苏州工业园区"
    )
    result = check_scope(data)
    assert result.outcome == Outcome.FAIL
    assert "西至" in str(result.reason) and "东至" not in str(result.reason)


def test_a_park_within_a_park_with_sides_but_no_drawn_polygon_fails():
    data = ScopeInput(
        "within", SIDES, has_polygon=False, management_body="管委会", host_park_name="苏州工业园区"
    )
    assert check_scope(data).outcome == Outcome.FAIL


def test_a_park_within_a_park_must_name_its_host_park():
    data = ScopeInput("within", SIDES, has_polygon=True, management_body="管委会")
    assert check_scope(data).outcome == Outcome.FAIL


# --- data foundation -----------------------------------------------------------------------------


def _areas(described: set[str], evidence: set[str]) -> dict[str, DataAreaInput]:
    return {
        a: DataAreaInput("说明" if a in described else "", 1 if a in evidence else 0)
        for a in ("statistics", "accounting", "metering", "monitoring")
    }


ALL = {"statistics", "accounting", "metering", "monitoring"}


def test_all_four_areas_described_with_evidence_pass():
    assert check_data_foundation(_areas(ALL, ALL)).outcome == Outcome.PASS


def test_nothing_described_fails():
    assert check_data_foundation(_areas(set(), set())).outcome == Outcome.FAIL


def test_one_area_without_evidence_needs_judgement_and_is_named():
    result = check_data_foundation(_areas(ALL, ALL - {"metering"}))
    assert result.outcome == Outcome.JUDGEMENT
    assert "计量" in str(result.reason)


def test_one_area_undescribed_needs_judgement():
    result = check_data_foundation(_areas(ALL - {"monitoring"}, ALL))
    assert result.outcome == Outcome.JUDGEMENT
    assert "监测" in str(result.reason)


# --- incident record -----------------------------------------------------------------------------


def _incident(day: datetime.date, severity: str = "major", kind: str = "safety") -> IncidentInput:
    return IncidentInput(day, kind, severity, "说明")


def test_a_major_incident_exactly_three_years_before_submission_fails():
    # Documented decision: the window includes the day exactly three years before.
    result = check_incident_record([_incident(datetime.date(2022, 8, 20))], TODAY, True)
    assert result.outcome == Outcome.FAIL


def test_a_major_incident_one_day_more_than_three_years_before_passes():
    result = check_incident_record([_incident(datetime.date(2022, 8, 19))], TODAY, True)
    assert result.outcome == Outcome.PASS


@pytest.mark.parametrize("kind", ["safety", "environmental", "social"])
def test_an_extraordinary_incident_of_any_kind_within_three_years_fails(kind):
    result = check_incident_record(
        [_incident(datetime.date(2024, 1, 1), "extraordinary", kind)], TODAY, True
    )
    assert result.outcome == Outcome.FAIL


@pytest.mark.parametrize("severity", ["general", "larger"])
def test_incidents_below_major_do_not_fail_the_condition(severity):
    result = check_incident_record([_incident(datetime.date(2025, 1, 1), severity)], TODAY, True)
    assert result.outcome == Outcome.PASS


def test_an_unconfirmed_register_fails_until_the_park_confirms_it():
    assert check_incident_record([], TODAY, False).outcome == Outcome.FAIL
    assert check_incident_record([], TODAY, True).outcome == Outcome.PASS


def test_three_years_before_29_february_is_28_february():
    assert three_years_before(datetime.date(2028, 2, 29)) == datetime.date(2025, 2, 28)
    result = check_incident_record(
        [_incident(datetime.date(2025, 2, 28))], datetime.date(2028, 2, 29), True
    )
    assert result.outcome == Outcome.FAIL
