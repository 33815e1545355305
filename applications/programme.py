"""After approval: the construction programme, opened from the approved application.

`open_for_event(event_id)` is the `open_programme` effect of the approve transition (run after
commit through the outbox, applications/tasks.py): it copies the approved submission's period,
targets, key projects and roadmap into a `ConstructionProgramme`. It is idempotent: a programme
that exists is left as it is (a second delivery, or `manage.py open_programmes` run again).

Targets (DECISIONS.md D16): per year of the period and per Att.3 indicator, the value the
application's 分年度指标目标 table gives; a year or indicator it leaves empty takes Att.3's own
requirement from the approved calculation (the core indicator's threshold of the park's tier,
a guiding indicator's target share), marked as such; a guiding indicator that the park's
accounting declared not applicable is not applicable, with its reason, in every year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zcparks import numbers

from . import permissions
from .models import (
    CORE_INDICATOR,
    Application,
    ApplicationEvent,
    ConstructionProgramme,
    EventAction,
    Indicator,
    KeyProject,
    ProgrammeTarget,
    RoadmapPhase,
    Status,
    Submission,
)
from .models.programme import TargetSource

HUNDRED = Decimal(100)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool | float):
        return None
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _year(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _latest_calculation(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    runs = [
        c
        for c in snapshot.get("calculations") or []
        if c.get("status") == "succeeded" and c.get("result")
    ]
    return max(runs, key=lambda c: c["year"])["result"] if runs else None


def _att3_targets(result: dict[str, Any] | None) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Att.3's requirement per indicator (from the approved calculation) and the guiding
    indicators the park declared not applicable, with their reasons."""
    required: dict[str, Decimal] = {}
    not_applicable: dict[str, str] = {}
    if not result:
        return required, not_applicable
    threshold = _decimal(result.get("threshold"))
    if threshold is not None:
        required[CORE_INDICATOR] = threshold
    for name, outcome in (result.get("guiding") or {}).items():
        if name not in Indicator.values or not isinstance(outcome, dict):
            continue
        if "not_applicable" in outcome:
            not_applicable[name] = str(outcome["not_applicable"] or "")
        elif _decimal(outcome.get("target")) is not None:
            required[name] = _decimal(outcome.get("target"))
    return required, not_applicable


def _approved_submission(application: Application) -> Submission | None:
    return application.submissions.order_by("-number").first()


def plan_targets(snapshot: dict[str, Any], years: list[int]) -> list[dict[str, Any]]:
    """The programme's target rows from an approved snapshot (pure; see the module's note)."""
    section = (snapshot.get("sections") or {}).get("targets") or {}
    given: dict[tuple[int, str], Decimal] = {}
    for row in section.get("indicator_targets") or []:
        year = _year((row or {}).get("year"))
        if year is None:
            continue
        for indicator in Indicator.values:
            value = _decimal(row.get(indicator))
            if value is None:
                continue
            # Shares are entered in percent and kept as fractions, as the engine computes them.
            given[(year, indicator)] = value if indicator == CORE_INDICATOR else value / HUNDRED
    required, not_applicable = _att3_targets(_latest_calculation(snapshot))
    rows = []
    for year in years:
        for indicator in Indicator.values:
            if indicator in not_applicable:
                rows.append(
                    {
                        "year": year,
                        "indicator": indicator,
                        "value": None,
                        "not_applicable": True,
                        "reason": not_applicable[indicator],
                        "source": TargetSource.APPLICATION,
                    }
                )
            elif (year, indicator) in given:
                rows.append(
                    {
                        "year": year,
                        "indicator": indicator,
                        "value": given[(year, indicator)],
                        "not_applicable": False,
                        "reason": "",
                        "source": TargetSource.APPLICATION,
                    }
                )
            elif indicator in required:
                rows.append(
                    {
                        "year": year,
                        "indicator": indicator,
                        "value": required[indicator],
                        "not_applicable": False,
                        "reason": "",
                        "source": TargetSource.ATT3,
                    }
                )
    return rows


def _period(snapshot: dict[str, Any], application: Application) -> tuple[int, int]:
    section = (snapshot.get("sections") or {}).get("targets") or {}
    start = _year(section.get("period_start")) or application.batch.year
    end = _year(section.get("period_end")) or start + 3
    return start, max(start, end)


def open_for(
    application: Application, event: ApplicationEvent | None = None
) -> ConstructionProgramme:
    """The application's programme, opened from its approved submission if it has none yet.
    Refused unless the application is approved."""
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("park", "batch")
            .get(pk=application.pk)
        )
        existing = ConstructionProgramme.objects.filter(application=locked).first()
        if existing is not None:
            return existing
        if locked.status != Status.APPROVED:
            raise ValueError(f"application {locked.pk} is not approved ({locked.status})")
        if event is None:
            event = locked.events.filter(action=EventAction.APPROVE).order_by("-pk").first()
        submission = _approved_submission(locked)
        snapshot = submission.snapshot if submission else {}
        start, end = _period(snapshot, locked)
        sections = snapshot.get("sections") or {}
        programme = ConstructionProgramme.objects.create(
            application=locked,
            park=locked.park,
            period_start=start,
            period_end=end,
            targets_text=str((sections.get("targets") or {}).get("targets") or ""),
            opened_by_event=event,
        )
        ProgrammeTarget.objects.bulk_create(
            ProgrammeTarget(programme=programme, **row)
            for row in plan_targets(snapshot, programme.years)
        )
        projects = [
            p
            for p in (sections.get("key_tasks") or {}).get("projects") or []
            if isinstance(p, dict) and str(p.get("name") or "").strip()
        ]
        KeyProject.objects.bulk_create(
            KeyProject(
                programme=programme,
                position=n,
                name=str(p["name"])[:200],
                owner=str(p.get("owner") or "")[:200],
                content=str(p.get("content") or ""),
                investment=_decimal(p.get("investment")),
                period=str(p.get("period") or "")[:100],
                plan=str(p.get("plan") or ""),
                significance=str(p.get("significance") or ""),
            )
            for n, p in enumerate(projects, start=1)
        )
        phases = [
            p
            for p in (sections.get("targets") or {}).get("roadmap") or []
            if isinstance(p, dict) and str(p.get("name") or "").strip()
        ]
        RoadmapPhase.objects.bulk_create(
            RoadmapPhase(
                programme=programme,
                position=n,
                name=str(p["name"])[:100],
                years=str(p.get("years") or "")[:50],
                focus=str(p.get("focus") or ""),
            )
            for n, p in enumerate(phases, start=1)
        )
    return programme


def open_for_event(event_id: int) -> ConstructionProgramme:
    """The `open_programme` effect: the programme of the application the event approved."""
    event = ApplicationEvent.objects.select_related("application").get(pk=event_id)
    return open_for(event.application, event)


def open_missing() -> list[ConstructionProgramme]:
    """Open the programme of every approved application that has none (approved before the
    programme existed; `manage.py open_programmes`)."""
    missing = Application.objects.filter(status=Status.APPROVED, programme__isnull=True)
    return [open_for(application) for application in missing.order_by("pk")]


# --- Reading ------------------------------------------------------------------------------------


def visible_programmes(user) -> QuerySet[ConstructionProgramme]:
    return permissions.permitted(user, "view_programme").select_related(
        "park__province", "application__batch"
    )


def target_value_text(indicator: str, value: Decimal | None) -> str:
    """A target or an actual value as displayed: intensity in tCO2/tce, shares in percent."""
    if indicator == CORE_INDICATOR:
        return numbers.intensity(value)
    return numbers.share(value)


INDICATOR_UNITS = {CORE_INDICATOR: "tCO2/tce"}


@dataclass(frozen=True)
class TargetCell:
    text: str
    not_applicable: bool = False
    reason: str = ""
    from_att3: bool = False


@dataclass(frozen=True)
class TargetRow:
    indicator: str
    label: str
    core: bool
    cells: list[TargetCell]


def target_table(programme: ConstructionProgramme) -> list[TargetRow]:
    """Indicators as rows, years as columns (the programme page)."""
    by_key = {(t.indicator, t.year): t for t in programme.targets.all()}
    rows = []
    for indicator in Indicator:
        cells = []
        for year in programme.years:
            target = by_key.get((indicator.value, year))
            if target is None:
                cells.append(TargetCell(numbers.MISSING))
            elif target.not_applicable:
                cells.append(TargetCell(str(_("不适用")), True, target.reason))
            else:
                cells.append(
                    TargetCell(
                        target_value_text(indicator.value, target.value),
                        from_att3=target.source == TargetSource.ATT3,
                    )
                )
        label = str(indicator.label)
        if indicator.value == CORE_INDICATOR:
            label = f"{label}（tCO2/tce）"
        rows.append(TargetRow(indicator.value, label, indicator.value == CORE_INDICATOR, cells))
    return rows
