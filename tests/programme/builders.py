"""An approved application with yearly indicator targets, and its programme."""

from __future__ import annotations

from applications import programme, services, workflow
from applications.models import Application, ConstructionProgramme
from tests.applications.builders import SECTION_CONTENT, complete_application, drive_to, open_batch

TARGET_ROWS = [
    {
        "year": 2025,
        "intensity": "0.2800",
        "clean_energy": "60",
        "solid_waste": "75",
        "waste_energy": "40",
        "water": "80",
    },
    {"year": 2026, "intensity": "0.2500", "clean_energy": "70"},
    {"year": 2027, "intensity": "0.2200", "clean_energy": "80"},
]


def approved_application(cast, park=None, applicant=None, batch=None) -> Application:
    park = park or cast.park_a
    applicant = applicant or cast.applicant_a
    application = complete_application(park, applicant, batch or open_batch())
    services.save_section(
        application, "targets", {**SECTION_CONTENT["targets"], "indicator_targets": TARGET_ROWS}
    )
    drive_to(application, "under_national_review", cast)
    workflow.approve(cast.national, application, "纳入")
    return Application.objects.get(pk=application.pk)


def approved_programme(cast, **kwargs) -> ConstructionProgramme:
    """The programme, opened as the approve transition's effect does (idempotent)."""
    return programme.open_for(approved_application(cast, **kwargs))
