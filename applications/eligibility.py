"""The four basic conditions of Att.1 as pure rules: plain inputs in, results out, no ORM.

Each rule returns pass, fail or "needs reviewer judgement" with its reason. Att.1's "in principle"
(原则上) and "case by case" (视情) wording gives judgement, never an automatic pass or fail.

Decision (incident window): "3年内" is read as the three years up to and including the submission
date, *including* the day exactly three years before it. A major incident on 2022-08-20 therefore
fails an application submitted on 2025-08-20; one on 2022-08-19 does not. For a submission on
29 February the day three years before is 28 February. Reading the window inclusively is the
cautious choice: a borderline case goes to the reviewers as a failure they can see, not as a pass
that hides it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


def _join(items, clauses: bool = False) -> str:
    """Join items with the separator of the active language (、 or ； in Chinese)."""
    if clauses:
        return str(pgettext("clause separator", "；")).join(items)
    return str(pgettext("list separator", "、")).join(items)


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    JUDGEMENT = "judgement"


OUTCOME_LABELS = {
    Outcome.PASS: _("符合"),
    Outcome.FAIL: _("不符合"),
    Outcome.JUDGEMENT: _("需审核人判断"),
}


@dataclass(frozen=True)
class ConditionResult:
    key: str
    title: str
    outcome: Outcome
    reason: str

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])

    def as_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "title": str(self.title),
            "outcome": str(self.outcome),
            "reason": str(self.reason),
        }


# --- 1. Builder -----------------------------------------------------------------------------------

RECENT_APPROVAL_YEARS = 5


@dataclass(frozen=True)
class BuilderInput:
    zone_level: str  # ZoneLevel value
    in_catalogue: str = ""  # "yes" | "no" | "unknown" | ""
    approval_document: str = ""
    approval_year: int | None = None
    has_approval_evidence: bool = False


def check_builder(data: BuilderInput, today: datetime.date) -> ConditionResult:
    title = _("建设主体")
    key = "builder"
    if data.zone_level == "national_zone":
        return ConditionResult(key, title, Outcome.PASS, _("国家级开发区，符合建设主体要求。"))
    if data.zone_level == "provincial_zone":
        if data.in_catalogue == "yes":
            return ConditionResult(
                key, title, Outcome.PASS, _("省级开发区，已列入《中国开发区审核公告目录》。")
            )
        if data.in_catalogue == "no":
            return ConditionResult(
                key,
                title,
                Outcome.JUDGEMENT,
                _(
                    "省级开发区未列入《中国开发区审核公告目录》；附件1为“原则上应列入”，"
                    "由审核人判断。"
                ),
            )
        return ConditionResult(
            key,
            title,
            Outcome.JUDGEMENT,
            _("省级开发区，尚未说明是否列入《中国开发区审核公告目录》。"),
        )
    if data.zone_level in ("emerging_park", "high_tech_park"):
        if not data.approval_document.strip():
            return ConditionResult(
                key,
                title,
                Outcome.FAIL,
                _("新兴产业园区或高新技术园区须提供省级及以上人民政府或主管部门的批复文件。"),
            )
        if data.approval_year is None:
            return ConditionResult(key, title, Outcome.FAIL, _("请填写批复年份。"))
        if data.approval_year > today.year:
            return ConditionResult(key, title, Outcome.FAIL, _("批复年份不能晚于今年。"))
        if not data.has_approval_evidence:
            return ConditionResult(key, title, Outcome.FAIL, _("请上传批复文件作为证明材料。"))
        recent = today.year - data.approval_year <= RECENT_APPROVAL_YEARS
        reason = (
            _("近年新建并经批复的园区，附件1为“视情可拓展”，由审核人判断。")
            if recent
            else _("批复已超过%(n)s年，是否属于“近年来新建设”由审核人判断。")
            % {"n": RECENT_APPROVAL_YEARS}
        )
        return ConditionResult(key, title, Outcome.JUDGEMENT, reason)
    return ConditionResult(
        key,
        title,
        Outcome.FAIL,
        _("建设主体须为省级及以上开发区，或经批复的新兴产业园区、高新技术园区。"),
    )


# --- 2. Scope ------------------------------------------------------------------------------------

SIDE_LABELS = {"east": _("东至"), "south": _("南至"), "west": _("西至"), "north": _("北至")}


@dataclass(frozen=True)
class ScopeInput:
    scope: str  # "whole" | "within"
    four_sides: dict[str, str] = field(default_factory=dict)
    has_polygon: bool = False
    management_body: str = ""
    host_park_name: str = ""


def check_scope(data: ScopeInput) -> ConditionResult:
    title = _("建设范围")
    key = "scope"
    if not data.management_body.strip():
        return ConditionResult(key, title, Outcome.FAIL, _("请填写负责建设和管理的机构。"))
    if data.scope == "whole":
        return ConditionResult(key, title, Outcome.PASS, _("以园区整体申报。"))
    if data.scope != "within":
        return ConditionResult(key, title, Outcome.FAIL, _("请选择建设范围。"))
    if not data.host_park_name.strip():
        return ConditionResult(key, title, Outcome.FAIL, _("园中园须填写所在园区。"))
    missing = [
        str(SIDE_LABELS[s]) for s in SIDE_LABELS if not (data.four_sides.get(s) or "").strip()
    ]
    if missing:
        return ConditionResult(
            key,
            title,
            Outcome.FAIL,
            _("园中园须有明确的四至边界，缺少：%(sides)s。") % {"sides": _join(missing)},
        )
    if not data.has_polygon:
        return ConditionResult(key, title, Outcome.FAIL, _("园中园须在地图上绘制或上传边界范围。"))
    return ConditionResult(
        key,
        title,
        Outcome.PASS,
        _("园中园，四至边界明确，由%(body)s负责建设和管理。") % {"body": data.management_body},
    )


# --- 3. Data foundation --------------------------------------------------------------------------

DATA_AREA_LABELS = {
    "statistics": _("统计"),
    "accounting": _("核算"),
    "metering": _("计量"),
    "monitoring": _("监测"),
}


@dataclass(frozen=True)
class DataAreaInput:
    description: str = ""
    evidence_count: int = 0


def check_data_foundation(areas: dict[str, DataAreaInput]) -> ConditionResult:
    title = _("能碳数据基础")
    key = "data_foundation"
    described = [
        a for a in DATA_AREA_LABELS if (areas.get(a) or DataAreaInput()).description.strip()
    ]
    if not described:
        return ConditionResult(
            key, title, Outcome.FAIL, _("未说明能耗和碳排放统计、核算、计量、监测方面的基础。")
        )
    undescribed = [str(DATA_AREA_LABELS[a]) for a in DATA_AREA_LABELS if a not in described]
    unproven = [str(DATA_AREA_LABELS[a]) for a in described if areas[a].evidence_count < 1]
    if undescribed or unproven:
        parts = []
        if undescribed:
            parts.append(str(_("未说明：%(a)s")) % {"a": _join(undescribed)})
        if unproven:
            parts.append(str(_("缺少证明材料：%(a)s")) % {"a": _join(unproven)})
        return ConditionResult(
            key,
            title,
            Outcome.JUDGEMENT,
            _("“具备一定基础”由审核人判断；%(detail)s。") % {"detail": _join(parts, clauses=True)},
        )
    return ConditionResult(
        key, title, Outcome.PASS, _("统计、核算、计量、监测均有说明和证明材料。")
    )


# --- 4. Incident record --------------------------------------------------------------------------

MAJOR = frozenset({"major", "extraordinary"})


@dataclass(frozen=True)
class IncidentInput:
    occurred_on: datetime.date
    kind: str
    severity: str
    description: str = ""


def three_years_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 3)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 3, day=28)


def check_incident_record(
    incidents: list[IncidentInput], submission_date: datetime.date, confirmed: bool
) -> ConditionResult:
    title = _("安全环境记录")
    key = "incidents"
    window_start = three_years_before(submission_date)
    major_in_window = sorted(
        (i for i in incidents if i.severity in MAJOR and i.occurred_on >= window_start),
        key=lambda i: i.occurred_on,
    )
    if major_in_window:
        first = major_in_window[0]
        return ConditionResult(
            key,
            title,
            Outcome.FAIL,
            _("%(date)s发生重大事故或事件（%(n)s起），在提交前3年内（%(start)s起）。")
            % {
                "date": first.occurred_on.isoformat(),
                "n": len(major_in_window),
                "start": window_start.isoformat(),
            },
        )
    if not confirmed:
        return ConditionResult(
            key, title, Outcome.FAIL, _("请填报近三年事故与事件记录并确认如实填报（无则确认无）。")
        )
    return ConditionResult(
        key,
        title,
        Outcome.PASS,
        _("%(start)s以来未发生重大安全、环境事故或社会不良影响事件。")
        % {"start": window_start.isoformat()},
    )


def all_pass_or_judgement(results: list[ConditionResult]) -> bool:
    return all(r.outcome != Outcome.FAIL for r in results)
