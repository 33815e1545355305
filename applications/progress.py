"""Progress reports: the door for every act on them, and what their pages show.

Each act (`start`, `request`, `save_report`, `submit`, `return_report`, `accept`) checks the
permission of the same name in the permission table (applications/permissions.py, subject report or
programme) under a row lock, checks its guard, writes a `ReportEvent` and records what it owes
after commit (the notification e-mail, through the outbox), all in one transaction: the
applications/workflow.py pattern. `ACTS` holds each act's confirmation and success texts.

A report cannot be submitted without the year's calculation: the accounting engine's latest
successful run of the park's data for that year (`accounting.services.latest_result`), and not
while a newer calculation is pending; the report says why. The calculation is frozen into the
report when it is submitted.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounting import services as accounting
from zcparks import numbers

from . import inbox, permissions, tasks
from .models import (
    CORE_INDICATOR,
    ConstructionProgramme,
    EffectKind,
    Indicator,
)
from .models.progress import (
    ProgressReport,
    ProjectStatus,
    ReportAction,
    ReportEvent,
    ReportKind,
    ReportPhase,
    ReportProject,
    ReportStatus,
)
from .programme import target_value_text


class ReportError(Exception):
    """An act that cannot be made; `message` is for the user."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotAllowed(ReportError):
    pass


class WrongState(ReportError):
    pass


@dataclass(frozen=True)
class Act:
    key: str  # the permission of the same name
    label: Any
    target: str | None
    comment_required: bool
    confirm_text: Any
    success_text: Any


ACTS: dict[str, Act] = {
    a.key: a
    for a in (
        Act(
            "submit_report",
            ReportAction.SUBMIT.label,
            ReportStatus.SUBMITTED,
            False,
            _(
                "提交后，%(year)s 年度进展报告（含当年核算结果）将送%(province)s发展改革委审核，"
                "省级审核人员将收到通知；审核期间报告不可修改。"
            ),
            _("进展报告已提交%(province)s发展改革委审核，审核结果将通过邮件通知本园区。"),
        ),
        Act(
            "return_report",
            ReportAction.RETURN.label,
            ReportStatus.RETURNED,
            True,
            _("进展报告将退回%(park)s修改，园区填报人员将收到通知和您的意见。此操作不能撤销。"),
            _("已退回%(park)s修改，园区已收到通知；园区修改后将重新提交。"),
        ),
        Act(
            "accept_report",
            ReportAction.ACCEPT.label,
            ReportStatus.ACCEPTED,
            False,
            _(
                "将审核通过%(park)s的 %(year)s 年度进展报告，园区填报人员将收到通知。"
                "审核通过后报告不可再修改，此操作不能撤销。"
            ),
            _("已审核通过%(park)s的进展报告，园区已收到通知。"),
        ),
    )
}


def _names(report: ProgressReport) -> dict[str, Any]:
    park = report.programme.park
    return {"park": park.name, "province": str(park.province), "year": report.year}


def confirmation(act: str, report: ProgressReport) -> str:
    return str(ACTS[act].confirm_text) % _names(report)


def success(act: str, report: ProgressReport) -> str:
    return str(ACTS[act].success_text) % _names(report)


def request_confirmation(programme: ConstructionProgramme) -> str:
    return str(
        _("将要求%(park)s报送进展报告，园区填报人员将收到通知和报送期限；要求发出后不能撤回。")
        % {"park": programme.park.name}
    )


def available_acts(user, report: ProgressReport) -> list[Act]:
    return [a for a in ACTS.values() if permissions.may(user, a.key, report)]


def _check(user, key: str, subject, state_label: str) -> None:
    verdict = permissions.verdict(user, key, subject)
    label = permissions.label(key)
    if verdict is permissions.Verdict.NOT_ALLOWED:
        raise NotAllowed(str(_("您无权执行“%(action)s”。")) % {"action": label})
    if verdict is permissions.Verdict.WRONG_STATE:
        raise WrongState(
            str(_("当前状态为“%(state)s”，不能执行“%(action)s”。"))
            % {"state": state_label, "action": label}
        )


def _record(
    report: ProgressReport, user, action: str, from_status: str, comment: str = ""
) -> ReportEvent:
    event = ReportEvent.objects.create(
        report=report,
        actor=user,
        action=action,
        from_status=from_status,
        to_status=report.status,
        comment=comment,
    )
    tasks.dispatch_after_commit([inbox.owe(EffectKind.NOTIFY_REPORT, report_event=event)])
    return event


def _clean(text: str, field: str) -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise ReportError(str(_("%(field)s中含有无效字符（NUL）。")) % {"field": field})
    return text


def _lock_programme(programme: ConstructionProgramme) -> ConstructionProgramme:
    return (
        ConstructionProgramme.objects.select_for_update(of=("self",))
        .select_related("application__park__province")
        .get(pk=programme.pk)
    )


def _lock_report(report: ProgressReport) -> ProgressReport:
    return (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("programme__application__park__province", "programme__park__province")
        .get(pk=report.pk)
    )


def _new_report(programme: ConstructionProgramme, year: int, **fields) -> ProgressReport:
    report = ProgressReport.objects.create(programme=programme, year=year, **fields)
    ReportProject.objects.bulk_create(
        ReportProject(report=report, project=p) for p in programme.projects.all()
    )
    ReportPhase.objects.bulk_create(
        ReportPhase(report=report, phase=p) for p in programme.phases.all()
    )
    return report


def _check_year(programme: ConstructionProgramme, year: int) -> None:
    if not programme.period_start <= year <= programme.period_end:
        raise ReportError(
            str(_("报告年度须在建设期（%(start)s—%(end)s 年）之内。"))
            % {"start": programme.period_start, "end": programme.period_end}
        )


def start(user, programme: ConstructionProgramme, year: int) -> ProgressReport:
    """The park starts its annual report for `year` (one per year; the existing one if any)."""
    with transaction.atomic():
        locked = _lock_programme(programme)
        _check(user, "start_report", locked, locked.get_stage_display())
        _check_year(locked, year)
        existing = locked.reports.filter(year=year, kind=ReportKind.ANNUAL).first()
        if existing is not None:
            return existing
        return _new_report(locked, year)


def request(
    user, programme: ConstructionProgramme, year: int, due_date: datetime.date, note: str
) -> ProgressReport:
    """The province asks the park for a report on `year` by `due_date` (an ad-hoc report)."""
    note = _clean(note, str(_("报告要求")))
    with transaction.atomic():
        locked = _lock_programme(programme)
        _check(user, "request_report", locked, locked.get_stage_display())
        _check_year(locked, year)
        if not note:
            raise ReportError(str(_("请写明报告要求。")))
        if due_date < timezone.localdate():
            raise ReportError(str(_("报送期限不能早于今天。")))
        report = _new_report(
            locked,
            year,
            kind=ReportKind.REQUESTED,
            requested_by=user,
            due_date=due_date,
            request_note=note,
        )
        _record(report, user, ReportAction.REQUEST, "", note)
        return report


@dataclass
class ProjectProgress:
    status: str
    investment_made: Decimal | None
    commissioned_on: datetime.date | None
    note: str


def save_report(
    user,
    report: ProgressReport,
    *,
    projects: dict[int, ProjectProgress],
    phases: dict[int, tuple[bool, str]],
    problems: str,
    support_needed: str,
) -> None:
    """The park's content of the report (already validated by its form); keyed by the ids of
    the report's project and phase rows."""
    problems = _clean(problems, str(_("存在的问题")))
    support_needed = _clean(support_needed, str(_("需要的支持")))
    with transaction.atomic():
        locked = _lock_report(report)
        _check(user, "edit_report", locked, locked.get_status_display())
        rows = {r.pk: r for r in locked.project_rows.all()}
        for pk, progress in projects.items():
            row = rows.get(pk)
            if row is None:
                raise ReportError(str(_("重点项目不属于该报告。")))
            if progress.status not in ProjectStatus.values:
                raise ReportError(str(_("项目状态不是可选的值。")))
            row.status = progress.status
            row.investment_made = progress.investment_made
            row.commissioned_on = progress.commissioned_on
            row.note = _clean(progress.note, str(_("进展说明")))
            row.save()
        phase_rows = {r.pk: r for r in locked.phase_rows.all()}
        for pk, (reached, note) in phases.items():
            row = phase_rows.get(pk)
            if row is None:
                raise ReportError(str(_("路线图阶段不属于该报告。")))
            row.reached = bool(reached)
            row.note = _clean(note, str(_("说明")))
            row.save()
        locked.problems = problems
        locked.support_needed = support_needed
        locked.save(update_fields=["problems", "support_needed", "updated_at"])


# --- The year's calculation --------------------------------------------------------------------


@dataclass(frozen=True)
class YearCalculation:
    """The year's calculation as a report would freeze it, or why there is none."""

    calculation: dict[str, Any] | None
    problem: str = ""


def year_calculation(programme: ConstructionProgramme, year: int) -> YearCalculation:
    latest = accounting.latest_result(programme.park, year)
    if latest.park_year is None:
        return YearCalculation(
            None,
            str(
                _("%(year)s 年尚未填报能源数据，无法核算当年指标；请先在“能源数据”中填报或导入。")
                % {"year": year}
            ),
        )
    if latest.pending:
        return YearCalculation(
            None,
            str(
                _("%(year)s 年的能源数据有新的修改，核算正在排队；请待核算完成后再提交。")
                % {"year": year}
            ),
        )
    run = latest.last_success
    if run is None:
        return YearCalculation(
            None,
            str(
                _("%(year)s 年的核算尚未成功，无法给出当年指标；请检查能源数据后重新核算。")
                % {"year": year}
            ),
        )
    return YearCalculation(
        {
            "year": year,
            "run_id": run.pk,
            "factor_set_code": run.factor_set_code,
            "factor_set_version": run.factor_set_version,
            "input_digest": run.input_digest,
            "finished_at": run.finished_at.isoformat(),
            "result": run.result,
        }
    )


def submission_problems(report: ProgressReport) -> list[str]:
    problems = []
    found = year_calculation(report.programme, report.year)
    if found.problem:
        problems.append(found.problem)
    for row in report.project_rows.select_related("project"):
        if row.status == ProjectStatus.IN_OPERATION and row.commissioned_on is None:
            problems.append(
                str(_("重点项目“%(name)s”已投运，请填写投运日期。") % {"name": row.project.name})
            )
    return problems


def _transition(
    user,
    report: ProgressReport,
    key: str,
    comment: str = "",
    guard: Callable[[ProgressReport], None] | None = None,
) -> ReportEvent:
    act = ACTS[key]
    comment = _clean(comment, str(_("意见")))
    with transaction.atomic():
        locked = _lock_report(report)
        _check(user, key, locked, locked.get_status_display())
        if act.comment_required and not comment:
            raise ReportError(
                str(_("请填写意见（“%(action)s”必须说明理由）。")) % {"action": act.label}
            )
        if guard:
            guard(locked)
        from_status = locked.status
        locked.status = act.target
        locked.save(
            update_fields=["status", "calculation", "submitted_at", "accepted_at", "updated_at"]
        )
        event = _record(locked, user, key.removesuffix("_report"), from_status, comment)
    report.status = locked.status
    report.calculation = locked.calculation
    return event


def submit(user, report: ProgressReport) -> ReportEvent:
    def guard(locked: ProgressReport) -> None:
        problems = submission_problems(locked)
        if problems:
            raise ReportError(str(_("进展报告尚不能提交，请先处理以下问题。")), problems)
        locked.calculation = year_calculation(locked.programme, locked.year).calculation
        locked.submitted_at = timezone.now()

    return _transition(user, report, "submit_report", guard=guard)


def return_report(user, report: ProgressReport, comment: str) -> ReportEvent:
    return _transition(user, report, "return_report", comment)


def accept(user, report: ProgressReport, comment: str = "") -> ReportEvent:
    def guard(locked: ProgressReport) -> None:
        locked.accepted_at = timezone.now()

    return _transition(user, report, "accept_report", comment, guard)


ACT_FUNCTIONS: dict[str, Callable[..., ReportEvent]] = {
    "submit_report": lambda user, report, comment: submit(user, report),
    "return_report": return_report,
    "accept_report": accept,
}


def perform(key: str, user, report: ProgressReport, comment: str = "") -> ReportEvent:
    if key not in ACT_FUNCTIONS:
        raise ReportError(str(_("未知操作。")))
    return ACT_FUNCTIONS[key](user, report, comment)


# --- Indicators against targets ----------------------------------------------------------------


def _actual(result: dict[str, Any] | None, indicator: str) -> tuple[Decimal | None, bool, str]:
    """(value, declared not applicable, reason) of one indicator in an engine result."""
    if not result:
        return None, False, ""
    if indicator == CORE_INDICATOR:
        return numbers.to_decimal(result.get("intensity")), False, ""
    outcome = (result.get("guiding") or {}).get(indicator) or {}
    if "not_applicable" in outcome:
        return None, True, str(outcome["not_applicable"] or "")
    return numbers.to_decimal(outcome.get("value")), False, ""


def reached(indicator: str, actual: Decimal | None, target: Decimal | None) -> bool | None:
    """The core indicator is met at or below its target, a share at or above (exact)."""
    if actual is None or target is None:
        return None
    return actual <= target if indicator == CORE_INDICATOR else actual >= target


@dataclass(frozen=True)
class IndicatorRow:
    indicator: str
    label: str
    target: str
    actual: str
    reached: bool | None
    not_applicable: bool
    reason: str


def indicator_rows(
    report: ProgressReport, calculation: dict[str, Any] | None
) -> list[IndicatorRow]:
    """The year's indicators against the programme's targets."""
    targets = {t.indicator: t for t in report.programme.targets.filter(year=report.year)}
    result = (calculation or {}).get("result")
    rows = []
    for indicator in Indicator:
        target = targets.get(indicator.value)
        value, declared, reason = _actual(result, indicator.value)
        not_applicable = declared or bool(target and target.not_applicable)
        label = str(indicator.label) + ("（tCO2/tce）" if indicator.value == CORE_INDICATOR else "")
        rows.append(
            IndicatorRow(
                indicator=indicator.value,
                label=label,
                target=(
                    str(_("不适用"))
                    if target and target.not_applicable
                    else target_value_text(indicator.value, target.value if target else None)
                ),
                actual=str(_("不适用")) if declared else target_value_text(indicator.value, value),
                reached=None
                if not_applicable
                else reached(indicator.value, value, target.value if target else None),
                not_applicable=not_applicable,
                reason=reason or (target.reason if target else ""),
            )
        )
    return rows


@dataclass(frozen=True)
class TrendSeries:
    indicator: str
    label: str
    unit: str
    years: list[int]
    actual: list[str | None]  # plain decimal strings for the chart (never floats)
    target: list[str | None]
    actual_text: list[str]
    target_text: list[str]


def year_results(programme: ConstructionProgramme) -> dict[int, dict[str, Any] | None]:
    """Each year of the period: the accounting's latest successful run ({run_id, result}), or
    None where the year has none."""
    found: dict[int, dict[str, Any] | None] = {}
    for year in programme.years:
        run = accounting.latest_result(programme.park, year).last_success
        found[year] = {"run_id": run.pk, "result": run.result} if run is not None else None
    return found


def indicator_values(
    programme: ConstructionProgramme, year: int, result: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One year's indicators against its targets, as plain values (the API): decimal strings,
    intensity in tCO2/tce, shares as fractions."""
    targets = {t.indicator: t for t in programme.targets.all() if t.year == year}
    rows = []
    for indicator in Indicator.values:
        target = targets.get(indicator)
        value, declared, _reason = _actual(result, indicator)
        goal = None if target is None or target.not_applicable else target.value
        not_applicable = declared or bool(target and target.not_applicable)
        rows.append(
            {
                "indicator": indicator,
                "target": None if goal is None else str(goal.normalize()),
                "actual": None if value is None else str(value),
                "reached": None if not_applicable else reached(indicator, value, goal),
                "not_applicable": not_applicable,
            }
        )
    return rows


def trend(programme: ConstructionProgramme, up_to: int | None = None) -> list[TrendSeries]:
    """Each indicator over the programme's years: the calculated value of each year (the
    accounting's latest successful run) against its target."""
    years = [y for y in programme.years if up_to is None or y <= up_to]
    found = year_results(programme)
    results = {year: (found[year] or {}).get("result") for year in years}
    targets = {(t.indicator, t.year): t for t in programme.targets.all()}
    series = []
    for indicator in Indicator:
        actual, target = [], []
        for year in years:
            value, _declared, _reason = _actual(results[year], indicator.value)
            goal = targets.get((indicator.value, year))
            goal_value = goal.value if goal and not goal.not_applicable else None
            if indicator.value != CORE_INDICATOR:  # shares in percent for the chart
                value = value * 100 if value is not None else None
                goal_value = goal_value * 100 if goal_value is not None else None
            actual.append(None if value is None else str(numbers.rounded(value, 4)))
            target.append(None if goal_value is None else str(numbers.rounded(goal_value, 4)))
        if not any(actual) and not any(target):
            continue
        core = indicator.value == CORE_INDICATOR
        series.append(
            TrendSeries(
                indicator=indicator.value,
                label=str(indicator.label),
                unit="tCO2/tce" if core else "%",
                years=years,
                actual=actual,
                target=target,
                actual_text=[numbers.intensity(v) if core else numbers.percent(v) for v in actual],
                target_text=[numbers.intensity(v) if core else numbers.percent(v) for v in target],
            )
        )
    return series


def visible_reports(user):
    return permissions.permitted(user, "view_report").select_related("programme__park__province")
