"""The full path from draft to approval, driven through HTTP as each role would."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, ApplicationEvent, Status, Submission

from .builders import PDF_BYTES, SECTION_CONTENT, SQUARE, open_batch


def _post_section(client, app, key, fields):
    return client.post(reverse("application_section", args=[app.pk, key]), fields)


def _fill_through_http(client, app):
    basic = dict(SECTION_CONTENT["basic"])
    basic.pop("is_new_park")
    assert _post_section(client, app, "basic", basic).status_code == 302
    for key in ("industry", "energy", "feasibility", "economics", "support", "data_foundation"):
        fields = {k: v for k, v in SECTION_CONTENT[key].items() if v not in (False, None)}
        if key == "energy":  # no energy data in this test: a reason for each of the three years
            fields.update({f"reason_{y}": "园区该年尚未开展统计" for y in app.batch.history_years})
        response = _post_section(client, app, key, fields)
        assert response.status_code == 302, (key, response.content.decode()[:2000])
    targets = {
        "period_start": "2025",
        "period_end": "2028",
        "targets": "单位能耗碳排放降至0.2以下",
        "indicator_targets-TOTAL_FORMS": "1",
        "indicator_targets-INITIAL_FORMS": "0",
        "indicator_targets-0-year": "2026",
        "indicator_targets-0-intensity": "0.1800",
        "indicator_targets-0-clean_energy": "90",
        "roadmap-TOTAL_FORMS": "1",
        "roadmap-INITIAL_FORMS": "0",
        "roadmap-0-name": "第一阶段",
        "roadmap-0-years": "2025—2026",
        "roadmap-0-focus": "绿电",
    }
    assert _post_section(client, app, "targets", targets).status_code == 302
    tasks = {
        "task_energy_structure_involved": "on",
        "task_energy_structure_measures": "分布式光伏",
        "projects-TOTAL_FORMS": "1",
        "projects-INITIAL_FORMS": "0",
        "projects-0-name": "光伏项目",
        "projects-0-owner": "能源公司",
        "projects-0-content": "100MW",
        "projects-0-investment": "40000",
        "projects-0-period": "2年",
        "projects-0-plan": "2025开工",
        "projects-0-significance": "绿电",
    }
    assert _post_section(client, app, "key_tasks", tasks).status_code == 302
    boundary = {
        "scope": "whole",
        "management_body": "管委会",
        "boundary_east": "东环路",
        "boundary_geojson": json.dumps(SQUARE),
    }
    assert client.post(reverse("application_boundary", args=[app.pk]), boundary).status_code == 302
    assert (
        client.post(
            reverse("application_incidents", args=[app.pk]), {"confirm": "1", "confirmed": "on"}
        ).status_code
        == 302
    )
    for area in ("statistics", "accounting", "metering", "monitoring"):
        upload = SimpleUploadedFile(f"{area}.pdf", PDF_BYTES, content_type="application/pdf")
        response = client.post(
            reverse("application_attachments", args=[app.pk]),
            {"title": area, "section": f"data_{area}", "file": upload},
        )
        assert response.status_code == 302, response.content.decode()[:2000]


def _act(client, app, action, **fields):
    return client.post(
        reverse("application_transition", args=[app.pk, action]),
        {"confirmed_act": "1", "declaration": "1", **fields},
    )


def test_a_park_applies_and_is_approved_after_one_revision_round(client, cast):
    batch = open_batch()
    client.force_login(cast.applicant_a)
    response = client.post(reverse("application_start"), {"batch": batch.pk})
    app = Application.objects.get(park=cast.park_a, batch=batch)
    assert response.url == reverse("application_detail", args=[app.pk])

    # An empty draft is refused with the list of what is missing.
    _act(client, app, "submit")
    app.refresh_from_db()
    assert app.status == Status.DRAFT
    page = client.get(reverse("application_detail", args=[app.pk])).content.decode()
    assert "经济性分析" in page and 'data-incomplete="economics"' in page

    _fill_through_http(client, app)
    page = client.get(reverse("application_detail", args=[app.pk])).content.decode()
    assert "data-incomplete=" not in page
    _act(client, app, "submit")
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED

    client.force_login(cast.provincial_a)
    _act(
        client,
        app,
        "return_for_revision",
        comment="请补充经济性分析",
        section_comment_economics="投资回收期依据不足",
    )
    app.refresh_from_db()
    assert app.status == Status.RETURNED

    client.force_login(cast.applicant_a)
    page = client.get(reverse("application_detail", args=[app.pk])).content.decode()
    assert "投资回收期依据不足" in page and "请按意见修改后重新提交" in page
    fields = {**SECTION_CONTENT["economics"], "payback_years": "6.5"}
    assert _post_section(client, app, "economics", fields).status_code == 302
    # Each comment of the return is answered (整改说明) before resubmitting.
    answers = {"answer_general": "已补充", "answer_economics": "已补充回收期测算"}
    assert client.post(reverse("application_answers", args=[app.pk]), answers).status_code == 302
    _act(client, app, "submit")
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.submission_count == 2

    client.force_login(cast.provincial_a)
    page = client.get(reverse("application_submission", args=[app.pk, 2])).content.decode()
    assert 'data-changed-section="economics"' in page
    assert 'data-changed-section="basic"' not in page
    # The province recommends in its one act: the list, its opinion, then submitted once.
    act = reverse("province_recommendation", args=[batch.pk])
    recommendation = {
        "park": app.pk,
        f"reason_{app.pk}": "核心指标待核算，仍予推荐",  # no energy data in this test
        "opinion": "同意推荐",
        "departments": "省能源局",
    }
    plan = SimpleUploadedFile("建设方案.pdf", PDF_BYTES, "application/pdf")
    assert (
        client.post(act, {**recommendation, "act": "save", f"plan_{app.pk}": plan}).status_code
        == 302
    )
    assert client.post(act, {**recommendation, "confirmed_act": "1"}).status_code == 302
    client.force_login(cast.national)
    _act(client, app, "start_national_review")
    _act(client, app, "approve", comment="纳入首批建设名单")
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    assert list(
        ApplicationEvent.objects.filter(application=app).values_list("action", flat=True)
    ) == [
        "submit",
        "return_for_revision",
        "submit",
        "recommend",
        "start_national_review",
        "approve",
    ]
    assert Submission.objects.filter(application=app).count() == 2

    client.force_login(cast.applicant_a)
    page = client.get(reverse("application_detail", args=[app.pk])).content.decode()
    assert "已纳入国家级零碳园区建设名单" in page
