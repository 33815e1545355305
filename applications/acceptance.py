"""Self-assessment, evaluation and acceptance, designation: what the workflow's acts record and
what their pages read (the acts themselves are in programme_workflow.py, the door of every
change of a programme's stage).

- `sheet_for(programme, year)`: the self-assessment sheet of the assessment year, assembled from
  the year's stored calculation, the guiding indicators the programme carries as not applicable
  (declared at application), the progress reports the park sent and the key projects' completion
  as the latest received report says (applications/self_assessment.py);
- `record_self_assessment` / `designate`: the records the province's conclusion and NDRC's
  passing decision write with their event;
- `register()`: the public register of national zero-carbon parks.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import services as accounting_services
from accounting.labels import TIER_LABELS
from zcparks import numbers

from .models import (
    ApplicationEvent,
    ConstructionProgramme,
    Designation,
    Letter,
    LetterKind,
    ProgrammeStage,
    ProjectStatus,
    ReportStatus,
    SelfAssessment,
)
from .self_assessment import Project, Report, Sheet, assemble

# The stages from which the programme's self-assessment and acceptance page has something to show.
FROM_SELF_ASSESSMENT = frozenset(
    {
        ProgrammeStage.SELF_ASSESSMENT,
        ProgrammeStage.ACCEPTANCE,
        ProgrammeStage.DESIGNATED,
        ProgrammeStage.NOT_PASSED,
    }
)


def declared_not_applicable(programme: ConstructionProgramme) -> dict[str, str]:
    """{indicator: reason} of the guiding indicators the application declared not applicable."""
    return {t.indicator: t.reason for t in programme.targets.all() if t.not_applicable}


# The reports a self-assessment reads: those the province has received (not a draft, and not
# one returned for correction, whose content the park is changing).
_RECEIVED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def _reports_and_projects(
    programme: ConstructionProgramme, year: int
) -> tuple[list[Report], list[Project]]:
    """The progress reports the park sent on the years up to `year`, and each key project's
    completion as the latest received report says (in operation = completed); without one,
    unknown. Three queries."""
    sent = list(
        programme.reports.filter(year__lte=year)
        .exclude(status=ReportStatus.DRAFT)
        .order_by("year", "pk")
    )
    received = [r for r in sent if r.status in _RECEIVED]
    latest = received[-1] if received else None
    rows = {row.project_id: row for row in latest.project_rows.all()} if latest is not None else {}
    projects = []
    for project in programme.projects.all():
        row = rows.get(project.pk)
        projects.append(
            Project(
                project.name,
                None if row is None else row.status == ProjectStatus.IN_OPERATION,
                row.get_status_display() if row is not None else "",
            )
        )
    reports = [
        Report(
            r.pk,
            r.year,
            r.get_kind_display(),
            r.get_status_display(),
            counted=latest is not None and r.pk == latest.pk,
        )
        for r in sent
    ]
    return reports, projects


def default_year(programme: ConstructionProgramme) -> int:
    """The last year of the period, or the last full year when the park asks earlier (but not
    before the period's first year)."""
    last_full = timezone.localdate().year - 1
    return max(programme.period_start, min(programme.period_end, last_full))


def sheet_for(programme: ConstructionProgramme, year: int) -> Sheet:
    latest = accounting_services.latest_result(programme.park, year)
    result = latest.last_success.result if latest.last_success else None
    reports, projects = _reports_and_projects(programme, year)
    return assemble(year, result, declared_not_applicable(programme), projects, reports)


def below_core_message(sheet: Sheet) -> str:
    if sheet.core.passed is None:
        return _(
            "%(year)s 年没有可用的核算结果（或综合能耗为零），核心指标未能确认达标，原则上不得申请"
            "验收；如仍报请评估验收，须填写理由并记录在案。"
        ) % {"year": sheet.year}
    return _(
        "%(year)s 年单位能耗碳排放为 %(intensity)s，未达到核心指标要求（≤ %(threshold)s），"
        "原则上不得申请验收；如仍报请评估验收，须填写理由并记录在案。"
    ) % {
        "year": sheet.year,
        "intensity": sheet.core.shown_intensity,
        "threshold": sheet.core.shown_threshold,
    }


def frozen(sheet: Sheet) -> dict[str, Any]:
    """The sheet as stored with the conclusion: exact numbers as strings, labels as shown."""
    core = sheet.core

    def text(value):
        return None if value is None else str(value)

    return {
        "year": sheet.year,
        "core": {
            "energy_tce": text(core.energy_tce),
            "emissions_t": text(core.emissions_t),
            "tier": core.tier,
            "threshold": text(core.threshold),
            "passed": core.passed,
            "intensity": core.shown_intensity,
            "tier_label": core.tier_label,
        },
        "guiding": [
            {
                "key": g.key,
                "label": g.label,
                "required": g.required,
                "reason": g.reason,
                "value": g.value,
                "target": g.target,
                "passed": g.passed,
            }
            for g in sheet.guiding
        ],
        "projects": [
            {"name": p.name, "completed": p.completed, "status": p.status} for p in sheet.projects
        ],
        "projects_completed": sheet.projects_completed,
        "reports": [
            {
                "id": r.pk,
                "year": r.year,
                "kind": r.kind,
                "status": r.status,
                "counted": r.counted,
            }
            for r in sheet.reports
        ],
    }


def record_self_assessment(
    programme: ConstructionProgramme,
    event: ApplicationEvent,
    sheet: Sheet,
    *,
    put_forward: bool,
    override_reason: str,
) -> SelfAssessment:
    return SelfAssessment.objects.create(
        programme=programme,
        event=event,
        year=sheet.year,
        put_forward=put_forward,
        core_met=sheet.core_met,
        override_reason=override_reason,
        report=event.comment,
        sheet=frozen(sheet),
    )


def put_forward_assessment(programme: ConstructionProgramme) -> SelfAssessment | None:
    return programme.self_assessments.filter(put_forward=True).order_by("-pk").first()


def designate(programme: ConstructionProgramme, event: ApplicationEvent) -> Designation:
    """The register entry, with the indicator of the self-assessment that put the park forward."""
    assessment = put_forward_assessment(programme)
    core = (assessment.sheet if assessment else {}).get("core") or {}
    conditions = event.comment if event.action == "accept_with_conditions" else ""
    return Designation.objects.create(
        programme=programme,
        event=event,
        year=timezone.localdate().year,
        assessment_year=assessment.year if assessment else timezone.localdate().year,
        tier=core.get("tier") or "",
        emissions_t=numbers.to_decimal(core.get("emissions_t")) or 0,
        energy_tce=numbers.to_decimal(core.get("energy_tce")) or 0,
        threshold=numbers.to_decimal(core.get("threshold")) or 0,
        conditions=conditions,
    )


def register() -> QuerySet[Designation]:
    """Every national zero-carbon park, newest designation first (public), with the
    certificates of its decision."""
    return (
        Designation.objects.select_related("programme__park__province")
        .prefetch_related("event__letters")
        .order_by("-year", "programme__park__province__code", "programme__park__name")
    )


def certificate_of(designation: Designation) -> Letter | None:
    """The certificate in force (not replaced) of a designation read through `register()`."""
    current = [
        letter
        for letter in designation.event.letters.all()
        if letter.kind == LetterKind.CERTIFICATE and letter.replaced_at is None
    ]
    return current[-1] if current else None


def tier_label(tier: str) -> str:
    return str(TIER_LABELS.get(tier, "—"))
