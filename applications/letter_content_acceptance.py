"""What the acceptance letter (评估验收结果的函) and the certificate state beyond every letter's
record (`letter_content.build_content`): the construction programme's period, the
self-assessment that put the park forward, the experts' scores, the decision with its
conditions or opinion and the register entry it made (D28, content format 3).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounting import labels
from zcparks import numbers

from . import rubric
from .models import (
    ApplicationEvent,
    ConstructionProgramme,
    Designation,
    Letter,
    LetterKind,
    SelfAssessment,
)

# The indicator system acceptance is judged on (notice Att.3).
INDICATOR_SYSTEM = "《国家级零碳园区建设指标体系（试行）》"


def _passed(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _stated_core(year: int, core: dict[str, Any]) -> dict[str, Any]:
    """The core indicator of a self-assessment sheet (exact numbers stored as strings), in the
    shape of `_core`: what the acceptance letter and the certificate state of it."""
    energy = numbers.to_decimal(core.get("energy_tce"))
    emissions = numbers.to_decimal(core.get("emissions_t"))
    tier = core.get("tier") or ""
    return {
        "year": year,
        "energy_tce": numbers.tonnes(energy),
        "emissions_t": numbers.tonnes(emissions),
        "intensity": numbers.intensity(
            emissions / energy if energy and emissions is not None else None
        ),
        "tier": str(labels.TIER_LABELS.get(tier, "—")),
        "threshold": numbers.intensity(core.get("threshold")),
        "provisional": tier == "below_200k",  # D1
        "pass": _passed(core.get("passed")),
    }


def _acceptance_scores(programme: ConstructionProgramme | None, event: ApplicationEvent) -> dict:
    """The experts' score sheets of the acceptance as NDRC had them when it decided (on the
    acceptance rubric each was scored on, applications/acceptance_experts.py): each criterion's
    average and weight, the average weighted total and how many sheets; in the shape of the
    review letters' `scores`."""
    sheets = (
        list(programme.expert_scores.filter(updated_at__lte=event.created_at))
        if programme is not None
        else []
    )
    if not sheets:
        return {"sheets": 0, "rows": [], "total": None}
    columns: dict[str, rubric.Criterion] = {}
    for sheet in sheets:
        for criterion in rubric.stored_criteria(sheet.criteria):
            columns.setdefault(criterion.key, criterion)
    rows = []
    for criterion in columns.values():
        given = [s.values[criterion.key] for s in sheets if criterion.key in s.values]
        rows.append(
            {
                "label": criterion.name,
                "weight": numbers.number(criterion.weight, 0),
                "average": numbers.number(rubric.average(given), 1) if given else "—",
            }
        )
    total = sum((Decimal(s.weighted_total) for s in sheets), Decimal(0)) / len(sheets)
    return {"sheets": len(sheets), "rows": rows, "total": numbers.number(total, 1)}


def acceptance_content(event: ApplicationEvent, kind: str) -> dict[str, Any]:
    """What the acceptance letter and the certificate of `event` (NDRC's acceptance decision)
    state beyond every letter's record: the programme's period, the self-assessment that put
    the park forward (its frozen sheet: assessment year, core indicator with energy use, tier
    and threshold, guiding indicators, projects, the province's report), the decision with its
    conditions or opinion, and the register entry it made. The core indicator and the indicator
    rows are the assessment year's (replacing the application's); call in the letter's
    language."""
    programme = ConstructionProgramme.objects.filter(application_id=event.application_id).first()
    assessment = (
        SelfAssessment.objects.filter(
            programme=programme, put_forward=True, created_at__lte=event.created_at
        )
        .select_related("event")
        .order_by("-created_at", "-pk")
        .first()
        if programme is not None
        else None
    )
    designation = Designation.objects.filter(event_id=event.pk).first()
    sheet = assessment.sheet if assessment else {}
    core = _stated_core(assessment.year, sheet.get("core") or {}) if assessment else None
    guiding = [
        {
            "label": str(labels.GUIDING_LABELS.get(g.get("key"), g.get("label") or "")),
            "required": bool(g.get("required")),
            "reason": g.get("reason") or "",
            "value": g.get("value") or "—",
            "target": g.get("target") or "—",
            "pass": _passed(g.get("passed")),
        }
        for g in sheet.get("guiding") or []
    ]
    conditions = event.comment if event.action == "accept_with_conditions" else ""
    # The certificate names the acceptance letter of the same decision, which states the
    # conditions in full (issued just before it, by the same transition).
    letter = (
        Letter.objects.filter(event_id=event.pk, kind=LetterKind.ACCEPTANCE).order_by("pk").first()
        if kind == LetterKind.CERTIFICATE
        else None
    )
    return {
        "core": core,
        "scores": _acceptance_scores(programme, event),
        "indicators": []
        if core is None
        else [
            {
                "label": str(_("单位能耗碳排放（tCO2/tce）")),
                "core": True,
                "value": core["intensity"],
                "target": f"≤ {core['threshold']}",
                "pass": core["pass"],
            },
            *(
                {
                    "label": g["label"],
                    "core": False,
                    "value": g["value"] if g["required"] else str(_("不适用")),
                    "target": g["target"] if g["required"] else "—",
                    "pass": g["pass"],
                }
                for g in guiding
            ),
        ],
        "acceptance": {
            "basis": INDICATOR_SYSTEM,
            "period_start": programme.period_start if programme else None,
            "period_end": programme.period_end if programme else None,
            "assessment": None
            if assessment is None
            else {
                "year": assessment.year,
                "concluded_on": timezone.localtime(assessment.created_at).date().isoformat(),
                "report": assessment.report,
                "override_reason": assessment.override_reason,
                "core_met": assessment.core_met,
                "guiding": guiding,
                "projects": [
                    {
                        "name": p.get("name") or "",
                        "completed": _passed(p.get("completed")),
                        "status": p.get("status") or "",
                    }
                    for p in sheet.get("projects") or []
                ],
                "reports": [
                    {"year": r.get("year"), "kind": r.get("kind") or ""}
                    for r in sheet.get("reports") or []
                ],
            },
            "outcome": event.action,
            "passed": event.action in ("accept", "accept_with_conditions"),
            "conditions": conditions,
            "condition_items": [line.strip() for line in conditions.splitlines() if line.strip()],
            "opinion": "" if conditions else event.comment,
            "letter": None
            if letter is None
            else {"title": str(LetterKind.ACCEPTANCE.label), "reference": letter.reference},
            "designation": None
            if designation is None
            else {
                "year": designation.year,
                "assessment_year": designation.assessment_year,
                "tier": str(labels.TIER_LABELS.get(designation.tier, "—")),
                "energy_tce": numbers.tonnes(designation.energy_tce),
                "intensity": numbers.intensity(designation.intensity),
                "threshold": numbers.intensity(designation.threshold),
                "conditions": designation.conditions,
            },
        },
    }
