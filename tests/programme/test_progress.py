"""Progress reports through their door: the park fills and submits, the province returns with
comments or accepts, each act refused to the wrong person and in the wrong state; the year's
indicators come from the accounting engine, and a report without the year's calculation cannot
be submitted."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounting.models import CalculationRun
from applications import progress
from applications.models import (
    EffectKind,
    PendingEffect,
    ProgressReport,
    ProjectStatus,
    ReportEvent,
    ReportKind,
    ReportStatus,
)
from tests.reviews.conftest import add_energy_data
from zcparks import numbers

from .builders import approved_programme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _effects_inline(settings):
    from zcparks.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def programme(cast):
    return approved_programme(cast)


def _fill(cast, report, status=ProjectStatus.UNDER_CONSTRUCTION, commissioned=None):
    row = report.project_rows.get()
    phase = report.phase_rows.get()
    progress.save_report(
        cast.applicant_a,
        report,
        projects={
            row.pk: progress.ProjectProgress(status, Decimal("12500.50"), commissioned, "一期完成")
        },
        phases={phase.pk: (True, "绿电直连已投运")},
        problems="并网审批周期长",
        support_needed="协调电网企业",
    )


def test_a_report_from_draft_through_return_to_acceptance(
    cast, programme, django_capture_on_commit_callbacks
):
    report = progress.start(cast.applicant_a, programme, 2025)
    assert report.status == ReportStatus.DRAFT and report.kind == ReportKind.ANNUAL
    # Starting again gives the same report: one annual report a year.
    assert progress.start(cast.applicant_a, programme, 2025) == report
    _fill(cast, report)

    # No calculation for the year: refused, and it says why.
    with pytest.raises(progress.ReportError) as refused:
        progress.submit(cast.applicant_a, report)
    assert any("2025 年尚未填报能源数据" in p for p in refused.value.problems)
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT

    add_energy_data(cast.park_a, 2025)
    # Commissioned without a date: refused, naming the project.
    _fill(cast, report, ProjectStatus.IN_OPERATION)
    with pytest.raises(progress.ReportError) as refused:
        progress.submit(cast.applicant_a, report)
    assert refused.value.problems == ["重点项目“光伏项目”已投运，请填写投运日期。"]
    _fill(cast, report, ProjectStatus.IN_OPERATION, datetime.date(2025, 11, 30))

    # Wrong people for the park's act.
    for person in (cast.applicant_b, cast.provincial_a, cast.national, cast.admin):
        with pytest.raises(progress.NotAllowed):
            progress.submit(person, report)
    with django_capture_on_commit_callbacks(execute=True):
        progress.submit(cast.applicant_a, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at
    # The year's calculation is frozen into the report.
    assert report.calculation["year"] == 2025 and report.calculation["result"]["intensity"]
    assert any(cast.provincial_a.email in m.to for m in mail.outbox)

    # The park may no longer change it; it cannot submit twice.
    with pytest.raises(progress.WrongState):
        _fill(cast, report)
    with pytest.raises(progress.WrongState):
        progress.submit(cast.applicant_a, report)
    # Only its province reviews it; a return needs comments.
    for person in (cast.applicant_a, cast.provincial_other, cast.national, cast.expert):
        with pytest.raises(progress.NotAllowed):
            progress.return_report(person, report, "意见")
        with pytest.raises(progress.NotAllowed):
            progress.accept(person, report)
    with pytest.raises(progress.ReportError, match="意见"):
        progress.return_report(cast.provincial_a, report, "  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        progress.return_report(cast.provincial_a, report, "请补充项目投资凭证")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert any(
        cast.applicant_a.email in m.to and "请补充项目投资凭证" in m.body for m in mail.outbox
    )
    with pytest.raises(progress.WrongState):
        progress.accept(cast.provincial_a, report)

    # The park corrects and resubmits; the province accepts.
    _fill(cast, report, ProjectStatus.IN_OPERATION, datetime.date(2025, 12, 1))
    progress.submit(cast.applicant_a, report)
    progress.accept(cast.provincial_a, report, "同意")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.accepted_at
    for act in (
        lambda: progress.accept(cast.provincial_a, report),
        lambda: progress.return_report(cast.provincial_a, report, "再改"),
        lambda: progress.submit(cast.applicant_a, report),
        lambda: _fill(cast, report),
    ):
        with pytest.raises(progress.WrongState):
            act()
    assert list(report.events.values_list("action", "to_status")) == [
        ("submit", "submitted"),
        ("return", "returned"),
        ("submit", "submitted"),
        ("accept", "accepted"),
    ]
    # Each act owes its notification, once.
    assert PendingEffect.objects.filter(kind=EffectKind.NOTIFY_REPORT).count() == 4


def test_the_year_must_lie_in_the_period_and_a_pending_calculation_blocks(cast, programme):
    with pytest.raises(progress.ReportError, match="建设期"):
        progress.start(cast.applicant_a, programme, 2030)
    with pytest.raises(progress.NotAllowed):
        progress.start(cast.applicant_b, programme, 2025)
    report = progress.start(cast.applicant_a, programme, 2026)
    add_energy_data(cast.park_a, 2026)
    from accounting.models import ParkYear

    ParkYear.objects.filter(park=cast.park_a, year=2026).update(
        inputs_changed_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    )
    assert any("排队" in p for p in progress.submission_problems(report))


def test_the_province_asks_for_a_report_with_a_due_date(cast, programme, client):
    due = datetime.date.today() + datetime.timedelta(days=30)
    for person in (cast.applicant_a, cast.provincial_other, cast.national):
        with pytest.raises(progress.NotAllowed):
            progress.request(person, programme, 2025, due, "请报送光伏项目进展")
    with pytest.raises(progress.ReportError, match="期限"):
        progress.request(
            cast.provincial_a,
            programme,
            2025,
            datetime.date.today() - datetime.timedelta(days=1),
            "过期",
        )
    report = progress.request(cast.provincial_a, programme, 2025, due, "请报送光伏项目进展")
    assert report.kind == ReportKind.REQUESTED and report.due_date == due
    assert ReportEvent.objects.get(report=report).action == "request"
    # The province's draft request is the park's to fill: the park sees it on its programme.
    client.force_login(cast.applicant_a)
    page = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "省级要求的报告" in page and due.isoformat() in page
    # Over HTTP: without confirmation the page asks first, then it is made.
    client.force_login(cast.provincial_a)
    url = reverse("report_request", args=[programme.pk])
    data = {"year": "2026", "due_date": due.isoformat(), "note": "请报送"}
    asked = client.post(url, data)
    assert asked.status_code == 200 and "不能撤回" in asked.content.decode()
    assert ProgressReport.objects.count() == 1
    client.post(url, {**data, "confirmed_act": "1"})
    assert ProgressReport.objects.filter(year=2026, kind=ReportKind.REQUESTED).exists()
    bad = client.post(url, {**data, "due_date": "明天", "confirmed_act": "1"})
    assert bad.status_code == 302 and ProgressReport.objects.count() == 2


def test_the_report_page_shows_actual_against_target_and_the_trend(cast, programme, client):
    add_energy_data(cast.park_a, 2025)
    report = progress.start(cast.applicant_a, programme, 2025)
    _fill(cast, report)
    client.force_login(cast.applicant_a)
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    # Target 0.2800 (the application's table) against the year's calculated intensity.
    result = (
        CalculationRun.objects.filter(park_year__park=cast.park_a, park_year__year=2025)
        .latest("pk")
        .result
    )

    assert "0.2800" in page and numbers.intensity(result["intensity"]) in page
    assert 'data-testid="trend-table"' in page and "progress-chart-data" in page
    # The province does not see the park's draft; NDRC neither.
    for person in (cast.provincial_a, cast.national):
        client.force_login(person)
        assert client.get(reverse("report_detail", args=[report.pk])).status_code == 404
    # Submitting over HTTP asks first.
    client.force_login(cast.applicant_a)
    url = reverse("report_act", args=[report.pk, "submit_report"])
    asked = client.post(url)
    assert asked.status_code == 200 and "送江苏省发展改革委审核" in asked.content.decode()
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    client.post(url, {"confirmed_act": "1"})
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    # NDRC sees every province's reports, filtered by province.
    client.force_login(cast.national)
    listing = client.get(reverse("report_list"), {"province": "32"}).content.decode()
    assert "甲园区" in listing
    assert "甲园区" not in client.get(reverse("report_list"), {"province": "34"}).content.decode()
    assert client.get(reverse("report_list"), {"year": "abc"}).status_code == 400
    client.force_login(cast.applicant_a)
    assert client.get(reverse("report_list")).status_code == 403
