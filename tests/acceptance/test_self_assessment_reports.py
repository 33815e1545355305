"""The self-assessment sheet lists the progress reports the park sent and counts the key projects
completed as the latest report the province received says."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from applications import acceptance, progress, workflow
from applications.models import ProjectStatus, ReportStatus
from tests.reviews.conftest import add_energy_data

pytestmark = pytest.mark.django_db


def report(cast, programme, year: int, status: str, *, accept: bool):
    """The park's annual report of `year`, its one key project in `status`, submitted (and
    accepted by the province when `accept`)."""
    made = progress.start(cast.applicant_a, programme, year)
    row = made.project_rows.get()
    commissioned = datetime.date(year, 11, 30) if status == ProjectStatus.IN_OPERATION else None
    progress.save_report(
        cast.applicant_a,
        made,
        projects={row.pk: progress.ProjectProgress(status, Decimal("100"), commissioned, "")},
        phases={},
        problems="",
        support_needed="",
    )
    progress.submit(cast.applicant_a, made)
    if accept:
        progress.accept(cast.provincial_a, made)
    return made


def test_the_sheet_lists_the_reports_and_counts_completed_projects(
    client, cast, approved_programme
):
    programme = approved_programme()
    for year in (2025, 2026):
        add_energy_data(cast.park_a, year)
    # Before any report: none listed, completion unknown.
    sheet = acceptance.sheet_for(programme, 2026)
    assert sheet.reports == () and sheet.projects_completed == 0
    assert [p.completed for p in sheet.projects] == [None]

    first = report(cast, programme, 2025, ProjectStatus.UNDER_CONSTRUCTION, accept=True)
    second = report(cast, programme, 2026, ProjectStatus.IN_OPERATION, accept=False)
    draft = progress.start(cast.applicant_a, programme, 2027)  # a draft is not listed

    sheet = acceptance.sheet_for(programme, 2026)
    assert [(r.pk, r.year, r.counted) for r in sheet.reports] == [
        (first.pk, 2025, False),
        (second.pk, 2026, True),
    ]
    assert sheet.projects_completed == 1 and sheet.projects[0].status == "已投运"
    # Assessed on 2025: only that year's report, whose project was still being built.
    earlier = acceptance.sheet_for(programme, 2025)
    assert [r.pk for r in earlier.reports] == [first.pk]
    assert earlier.projects_completed == 0
    assert draft.pk not in {r.pk for r in sheet.reports}

    # A report returned for correction is listed but not read for completion.
    progress.return_report(cast.provincial_a, second, "请补充")
    sheet = acceptance.sheet_for(programme, 2026)
    assert [(r.pk, r.status, r.counted) for r in sheet.reports] == [
        (first.pk, ReportStatus.ACCEPTED.label, True),
        (second.pk, ReportStatus.RETURNED.label, False),
    ]
    assert sheet.projects_completed == 0
    progress.submit(cast.applicant_a, second)

    # The province's page shows them, and the conclusion keeps them with the sheet.
    workflow.request_self_assessment(cast.applicant_a, programme)
    client.force_login(cast.provincial_a)
    page = client.get(reverse("acceptance_detail", args=[programme.pk]), {"year": 2026})
    body = page.content.decode()
    assert 'data-testid="sheet-reports"' in body
    assert reverse("report_detail", args=[second.pk]) in body
    assert "已完成（已投运）1 个，共 1 个（以 2026 年度进展报告为准）" in body
    workflow.put_forward(cast.provincial_a, programme, year=2026, report="自评估报告")
    stored = programme.self_assessments.get().sheet
    assert [r["id"] for r in stored["reports"]] == [first.pk, second.pk]
    assert stored["projects_completed"] == 1
    body = client.get(reverse("acceptance_detail", args=[programme.pk])).content.decode()
    assert "依据进展报告 2 份；重点项目已完成 1 个，共 1 个。" in body
