"""One park driven from NDRC's approval to the public register, every step through its door:
two yearly progress reports, the self-assessment (whose sheet lists both reports and counts the
completed key project), the evaluation and acceptance with one expert declaring a conflict and
another scoring, NDRC's decision and the designation. At each step the permission table refuses
every other person (not this person) and the right person at the wrong stage (not now), and a
refusal writes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from applications import acceptance, acceptance_experts, progress, services, workflow
from applications.models import (
    DEFAULT_ACCEPTANCE_RUBRIC,
    AcceptanceAssignment,
    AcceptanceConflict,
    AcceptanceScore,
    ApplicationEvent,
    ConstructionProgramme,
    Designation,
    ProgrammeStage,
    ProgressReport,
    ProjectStatus,
    ReportEvent,
    ReportStatus,
    Role,
    SelfAssessment,
)
from tests.applications.builders import SECTION_CONTENT, complete_application, drive_to, open_batch
from tests.factories import UserFactory
from tests.programme.builders import TARGET_ROWS

from .conftest import AT_THRESHOLD_GRID_MWH, enter_year

pytestmark = pytest.mark.django_db

# The errors each door raises for "not this person" and "not now".
WORKFLOW = (workflow.NotAllowed, workflow.WrongState)
REPORTS = (progress.NotAllowed, progress.WrongState)
EXPERTS = (acceptance_experts.NotAllowed, acceptance_experts.WrongState)


def written() -> tuple:
    """Everything a step writes, as counts that a refusal must leave as they were."""
    return (
        ApplicationEvent.objects.count(),
        ReportEvent.objects.count(),
        ProgressReport.objects.count(),
        SelfAssessment.objects.count(),
        AcceptanceAssignment.objects.filter(declared_at__isnull=False).count(),
        AcceptanceAssignment.objects.count(),
        AcceptanceConflict.objects.count(),
        AcceptanceScore.objects.count(),
        Designation.objects.count(),
        tuple(ConstructionProgramme.objects.values_list("stage", flat=True)),
        tuple(ProgressReport.objects.order_by("pk").values_list("status", flat=True)),
    )


class Step:
    """One act: `act(person)` through its door; `errors` its (not allowed, wrong state)."""

    def __init__(self, cast, errors: tuple[type, type], act: Callable) -> None:
        self.people = {
            name: getattr(cast, name)
            for name in (
                "applicant_a",
                "applicant_b",
                "applicant_c",
                "provincial_a",
                "provincial_other",
                "national",
                "expert",
                "admin",
            )
        }
        self.not_allowed, self.wrong_state = errors
        self.act = act

    def refused_to_all_but(self, *allowed: str) -> None:
        before = written()
        for name, person in self.people.items():
            if name in allowed:
                continue
            with pytest.raises(self.not_allowed):
                self.act(person)
        assert written() == before

    def refused_now(self, person) -> None:
        before = written()
        with pytest.raises(self.wrong_state):
            self.act(person)
        assert written() == before


def fill(report: ProgressReport, person, status: str, year: int) -> None:
    row = report.project_rows.get()
    phase = report.phase_rows.get()
    commissioned = datetime.date(year, 11, 30) if status == ProjectStatus.IN_OPERATION else None
    progress.save_report(
        person,
        report,
        projects={row.pk: progress.ProjectProgress(status, Decimal("8000"), commissioned, "")},
        phases={phase.pk: (status == ProjectStatus.IN_OPERATION, "")},
        problems="并网审批周期长",
        support_needed="协调电网企业",
    )


def test_one_park_from_approval_to_the_register(client, cast, django_capture_on_commit_callbacks):
    def through(act):
        with django_capture_on_commit_callbacks(execute=True):
            return act()

    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    services.save_section(
        application, "targets", {**SECTION_CONTENT["targets"], "indicator_targets": TARGET_ROWS}
    )
    drive_to(application, "under_national_review", cast)
    for year in (2025, 2026):
        enter_year(cast.park_a, year, AT_THRESHOLD_GRID_MWH)

    # 1. Approval: NDRC's alone; it opens the construction programme (the effect after commit).
    approve = Step(cast, WORKFLOW, lambda u: workflow.approve(u, application, "纳入建设名单"))
    approve.refused_to_all_but("national")
    through(lambda: workflow.approve(cast.national, application, "纳入建设名单"))
    approve.refused_now(cast.national)
    programme = ConstructionProgramme.objects.get(application=application)
    assert programme.stage == ProgrammeStage.BUILDING
    assert (programme.period_start, programme.period_end) == (2025, 2028)

    # 2. Two yearly progress reports: the park starts, fills and submits; its province accepts.
    reports = []
    for year, status in (
        (2025, ProjectStatus.UNDER_CONSTRUCTION),
        (2026, ProjectStatus.IN_OPERATION),
    ):
        start = Step(cast, REPORTS, lambda u, y=year: progress.start(u, programme, y))
        start.refused_to_all_but("applicant_a")
        report = progress.start(cast.applicant_a, programme, year)
        fill(report, cast.applicant_a, status, year)
        submit = Step(cast, REPORTS, lambda u, r=report: progress.submit(u, r))
        submit.refused_to_all_but("applicant_a")
        through(lambda r=report: progress.submit(cast.applicant_a, r))
        submit.refused_now(cast.applicant_a)
        accept = Step(cast, REPORTS, lambda u, r=report: progress.accept(u, r, "同意"))
        accept.refused_to_all_but("provincial_a")
        through(lambda r=report: progress.accept(cast.provincial_a, r, "同意"))
        accept.refused_now(cast.provincial_a)
        Step(cast, REPORTS, lambda u, r=report, s=status, y=year: fill(r, u, s, y)).refused_now(
            cast.applicant_a
        )
        reports.append(report)
    assert [r.status for r in ProgressReport.objects.order_by("year")] == [
        ReportStatus.ACCEPTED,
        ReportStatus.ACCEPTED,
    ]

    # 3. Self-assessment: asked by the park, concluded by its province on the 2026 sheet, which
    # lists both reports and counts the project the 2026 report says is in operation.
    put_forward = Step(
        cast,
        WORKFLOW,
        lambda u: workflow.put_forward(u, programme, year=2026, report="自评估报告"),
    )
    put_forward.refused_now(cast.provincial_a)  # still building
    request = Step(cast, WORKFLOW, lambda u: workflow.request_self_assessment(u, programme))
    request.refused_to_all_but("applicant_a")
    through(lambda: workflow.request_self_assessment(cast.applicant_a, programme, "任务已完成"))
    request.refused_now(cast.applicant_a)
    Step(cast, REPORTS, lambda u: progress.start(u, programme, 2027)).refused_now(cast.applicant_a)
    sheet = acceptance.sheet_for(programme, 2026)
    assert sheet.core_met
    assert [r.pk for r in sheet.reports] == [r.pk for r in reports]
    assert (sheet.projects_completed, len(sheet.projects)) == (1, 1)
    client.force_login(cast.provincial_a)
    page = client.get(reverse("acceptance_detail", args=[programme.pk]), {"year": 2026}).text
    assert all(reverse("report_detail", args=[r.pk]) in page for r in reports)
    assert "已完成（已投运）1 个，共 1 个" in page
    put_forward.refused_to_all_but("provincial_a")
    through(
        lambda: workflow.put_forward(
            cast.provincial_a, programme, year=2026, report="自评估报告：核心指标达标，任务完成。"
        )
    )
    put_forward.refused_now(cast.provincial_a)
    assert SelfAssessment.objects.get().sheet["projects_completed"] == 1

    # 4. Acceptance: NDRC assigns two experts; one declares a conflict, the other scores.
    other = UserFactory(username="expert_other", role=Role.EXPERT, email="other@example.cn")
    spare = UserFactory(username="expert_spare", role=Role.EXPERT)
    assign = Step(cast, EXPERTS, lambda u: acceptance_experts.assign(u, programme, spare))
    assign.refused_to_all_but("national", "admin")
    mail.outbox.clear()
    for expert in (cast.expert, other):
        through(lambda e=expert: acceptance_experts.assign(cast.national, programme, e))
    assert {m.to[0] for m in mail.outbox} == {cast.expert.email, other.email}

    scores = {key: "88" for key, *_rest in DEFAULT_ACCEPTANCE_RUBRIC}
    score = Step(
        cast,
        EXPERTS,
        lambda u: acceptance_experts.save_score(u, programme, scores, "任务完成，同意通过。"),
    )
    score.refused_to_all_but()  # nobody yet: the expert has not declared
    declare = Step(cast, EXPERTS, lambda u: acceptance_experts.declare_no_conflict(u, programme))
    declare.refused_to_all_but("expert")
    client.force_login(other)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("acceptance_declare", args=[programme.pk]),
            {"conflict": "1", "reason": "曾为园区编制建设方案", "confirmed_act": "1"},
        )
    assert AcceptanceConflict.objects.get(expert=other).reason == "曾为园区编制建设方案"
    assert not AcceptanceAssignment.objects.filter(expert=other).exists()
    assert mail.outbox[-1].to == [cast.national.email]
    client.force_login(cast.expert)
    client.post(reverse("acceptance_declare", args=[programme.pk]), {"conflict": "0"})
    assert AcceptanceAssignment.objects.get(expert=cast.expert).declared_at is not None
    score.refused_to_all_but("expert")
    client.post(
        reverse("acceptance_score", args=[programme.pk]),
        {**scores, "comment": "任务完成，同意通过。"},
    )
    assert AcceptanceScore.objects.get(expert=cast.expert).weighted_total == Decimal("88.00")
    client.force_login(cast.national)
    page = client.get(reverse("acceptance_detail", args=[programme.pk])).text
    assert 'data-expert="expert_a"' in page and "88.00" in page and "曾为园区编制建设方案" in page

    # 5. NDRC decides; experts never do. The park is designated and on the public register.
    decide = Step(cast, WORKFLOW, lambda u: workflow.accept(u, programme, "同意通过评估验收。"))
    decide.refused_to_all_but("national")
    through(lambda: workflow.accept(cast.national, programme, "同意通过评估验收。"))
    programme.refresh_from_db()
    assert programme.stage == ProgrammeStage.DESIGNATED
    decide.refused_now(cast.national)
    score.refused_now(cast.expert)
    assign.refused_now(cast.national)
    Step(cast, WORKFLOW, lambda u: workflow.not_accept(u, programme, "未通过")).refused_now(
        cast.national
    )
    designation = Designation.objects.get(programme=programme)
    assert designation.assessment_year == 2026 and designation.tier == "200k_1m"
    client.logout()
    register = client.get(reverse("register")).text
    assert cast.park_a.name in register
    assert list(
        ApplicationEvent.objects.filter(application=application)
        .order_by("pk")
        .values_list("action", flat=True)
    )[-4:] == ["approve", "request_self_assessment", "put_forward", "accept"]
