"""The province's act (三(二)): one recommendation per batch — parks in order, the provincial
opinion, the co-operating departments, the construction plans — submitted once through the
workflow, with the quota in view before acting."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications import deadlines, recommendations, workflow
from applications.models import (
    Batch,
    Letter,
    LetterKind,
    ProvincialRecommendation,
    RecommendationEntry,
    RecommendationFrozen,
    Role,
    Status,
)
from tests.factories import ParkFactory, UserFactory

from .builders import PDF_BYTES, attach_plans, complete_application, drive_to, open_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(cast):
    """Three Jiangsu parks awaiting their province in one batch."""
    batch = open_batch()
    park_d = ParkFactory(name="丁园区", province=cast.park_a.province)
    applicant_d = UserFactory(username="applicant_d", role=Role.APPLICANT, park=park_d)
    return batch, [
        drive_to(complete_application(park, applicant, batch), "submitted", cast)
        for park, applicant in (
            (cast.park_a, cast.applicant_a),
            (cast.park_b, cast.applicant_b),
            (park_d, applicant_d),
        )
    ]


def _post(client, batch, chosen, plans=True, **extra):
    """The page's form: the parks in order with their reasons and (unless `plans` is False) a
    construction plan for each."""
    data = {
        "park": [a.pk for a, _reason in chosen],
        "opinion": "同意推荐，建设方案可行。",
        "departments": "江苏省工业和信息化厅、江苏省能源局",
        **extra,
    }
    for n, (application, reason) in enumerate(chosen, start=1):
        data[f"order_{application.pk}"] = str(n)
        data[f"reason_{application.pk}"] = reason
        if plans:
            data[f"plan_{application.pk}"] = SimpleUploadedFile(
                f"{application.park.name}方案.pdf", PDF_BYTES, "application/pdf"
            )
    return client.post(reverse("province_recommendation", args=[batch.pk]), data, follow=True)


def test_the_quota_in_use_is_shown_before_acting(client, cast, three):
    batch, (a, b, d) = three
    client.force_login(cast.provincial_a)

    html = client.get(reverse("province_recommendation", args=[batch.pk])).content.decode()

    assert "推荐名额：本省本批次共 2 个，已占用 0 个" in html and "本次最多可推荐 2 个" in html
    assert all(app.park.name in html for app in (a, b, d))
    assert deadlines.label(batch.deadline) in html
    # The province's queue says it too, with the way to the act.
    queue = client.get(reverse("review_queue_provincial")).content.decode()
    assert "推荐名额共 2 个，已占用 0 个" in queue
    assert reverse("province_recommendation", args=[batch.pk]) in queue


def test_the_recommendation_is_submitted_as_one_act(
    client, cast, three, django_capture_on_commit_callbacks
):
    batch, (a, b, d) = three
    client.force_login(cast.provincial_a)
    # Both parks have no calculation result: the core indicator asks for a reason.
    saved = _post(client, batch, [(b, "园区示范性突出"), (a, "省内减碳潜力最大")], act="save")
    assert "草稿已保存" in saved.content.decode()
    assert Letter.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=False):
        done = _post(
            client, batch, [(b, "园区示范性突出"), (a, "省内减碳潜力最大")], confirmed_act="1"
        )

    assert "本省推荐已报送" in done.content.decode()
    recommendation = ProvincialRecommendation.objects.get(batch=batch)
    assert recommendation.is_submitted and recommendation.submitted_by == cast.provincial_a
    entries = list(recommendation.entries.order_by("position"))
    assert [e.application_id for e in entries] == [b.pk, a.pk]
    for application in (a, b):
        application.refresh_from_db()
        assert application.status == Status.RECOMMENDED
        event = application.events.get(action="recommend")
        assert event.comment == "同意推荐，建设方案可行。"
        assert event.recommendation_entry.recommendation == recommendation
        assert application.letters.get().kind == LetterKind.RECOMMENDATION
    d.refresh_from_db()
    assert d.status == Status.SUBMITTED  # not put forward: still the province's to decide
    # The 推荐函 carries the recommendation: departments, the parks in order, this park's place.
    from applications import letters

    context = letters.letter_context(a.letters.get())
    assert context["recommendation_parks"] == ["乙园区", "甲园区"]
    assert context["recommendation_position"] == 2
    assert context["recommendation"].departments == "江苏省工业和信息化厅、江苏省能源局"
    # Frozen: neither the page nor the model changes it, and it is not sent twice.
    with pytest.raises(RecommendationFrozen):
        recommendation.opinion = "改"
        recommendation.save()
    with pytest.raises(workflow.WrongState):
        workflow.submit_recommendation(cast.provincial_a, recommendation)
    html = client.get(reverse("province_recommendation", args=[batch.pk])).content.decode()
    assert 'data-testid="recommendation-frozen"' in html and "已占用 2 个" in html


def test_each_park_needs_its_construction_plan_frozen_with_the_act(client, cast, three):
    """No plan, no act (the park named); a plan that is no PDF/PNG/JPEG is refused naming the
    park; at submission the plans freeze with the act, digest shown, read by the province and
    NDRC only."""
    batch, (a, b, d) = three
    client.force_login(cast.provincial_a)
    _post(client, batch, [(a, "理由")], act="save")  # a's plan stored with the draft
    refused = _post(client, batch, [(a, "理由"), (b, "理由")], plans=False, confirmed_act="1")
    html = refused.content.decode()
    assert "乙园区尚未上传建设方案" in html and "甲园区尚未上传建设方案" not in html
    assert b.__class__.objects.get(pk=b.pk).status == Status.SUBMITTED
    bad = {f"plan_{b.pk}": SimpleUploadedFile("方案.pdf", b"MZ\x90\x00", "application/pdf")}
    response = _post(client, batch, [(a, "理由"), (b, "理由")], plans=False, **bad)
    assert response.status_code == 400
    assert "乙园区的建设方案：文件“方案.pdf”是可执行程序" in response.content.decode()
    recommendation = ProvincialRecommendation.objects.get(batch=batch)
    assert set(recommendations.attached_plans(recommendation)) == {a.pk}

    done = _post(client, batch, [(a, "理由"), (b, "理由")], confirmed_act="1")
    assert "本省推荐已报送" in done.content.decode()
    recommendation.refresh_from_db()
    plans = recommendations.attached_plans(recommendation)
    assert set(plans) == {a.pk, b.pk}
    plan = plans[b.pk]
    import hashlib

    assert plan.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    html = done.content.decode()
    assert 'data-testid="frozen-plan"' in html and plan.sha256 in html
    with pytest.raises(RecommendationFrozen):
        plan.delete()
    with pytest.raises(RecommendationFrozen):
        recommendations.attach_plan(
            cast.provincial_a, recommendation, a.pk, name="x.pdf", content=PDF_BYTES
        )
    url = reverse("recommendation_plan", args=[plan.pk])
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Disposition"].startswith("attachment")
    client.force_login(cast.national)
    assert client.get(url).status_code == 200
    for who in (cast.applicant_b, cast.provincial_other, cast.expert):
        client.force_login(who)
        assert client.get(url).status_code == 404


def test_a_park_failing_the_core_indicator_needs_a_reason(client, cast, three):
    batch, (a, b, d) = three
    client.force_login(cast.provincial_a)

    response = _post(client, batch, [(a, "")], confirmed_act="1")

    assert "不符合基本条件或核心指标，推荐须确认并说明理由" in response.content.decode()
    assert "甲园区" in response.content.decode()
    a.refresh_from_db()
    assert a.status == Status.SUBMITTED
    assert recommendations.concerns(a) == ["核心指标无核算结果"]


def test_more_parks_than_the_quota_are_refused_before_anything_is_written(client, cast, three):
    batch, apps = three
    client.force_login(cast.provincial_a)

    response = _post(client, batch, [(app, "理由") for app in apps], confirmed_act="1")

    assert response.status_code == 400
    assert "还可推荐 2 个园区，不能选择 3 个" in response.content.decode()
    assert not RecommendationEntry.objects.exists()
    assert all(app.status == Status.SUBMITTED for app in apps)


def test_after_ndrcs_date_the_act_is_refused_with_the_date_and_changes_nothing(cast, three):
    batch, (a, b, d) = three
    recommendation = recommendations.for_user(cast.provincial_a, batch)
    recommendations.save_draft(
        cast.provincial_a,
        recommendation,
        opinion="同意推荐",
        departments="省能源局",
        chosen=[(a.pk, "理由"), (b.pk, "理由")],
    )
    attach_plans(cast.provincial_a, recommendation, [a, b])
    Batch.objects.filter(pk=batch.pk).update(deadline=timezone.now() - datetime.timedelta(1))
    batch.refresh_from_db()

    with pytest.raises(workflow.DeadlinePassed) as refused:
        workflow.submit_recommendation(cast.provincial_a, recommendation)

    assert deadlines.label(batch.deadline) in refused.value.message
    recommendation.refresh_from_db()
    assert not recommendation.is_submitted
    assert not a.events.filter(action="recommend").exists()
    assert Letter.objects.count() == 0


def test_only_the_provinces_own_reviewer_assembles_it(client, cast, three):
    batch, (a, _b, _d) = three
    recommendation = recommendations.for_user(cast.provincial_a, batch)
    with pytest.raises(recommendations.PermissionDenied):
        recommendations.save_draft(
            cast.provincial_other, recommendation, opinion="x", departments="", chosen=[(a.pk, "")]
        )
    with pytest.raises(workflow.NotAllowed):
        workflow.submit_recommendation(cast.national, recommendation)
    # Another province's park cannot be slipped in.
    c = drive_to(complete_application(cast.park_c, cast.applicant_c, batch), "submitted", cast)
    with pytest.raises(recommendations.RecommendationError):
        recommendations.save_draft(
            cast.provincial_a, recommendation, opinion="x", departments="", chosen=[(c.pk, "")]
        )
    for user in (cast.applicant_a, cast.national, cast.expert):
        client.force_login(user)
        assert client.get(reverse("province_recommendation", args=[batch.pk])).status_code == 404


def test_the_review_page_sends_a_first_recommendation_to_the_act(client, cast, three):
    _batch, (a, _b, _d) = three
    client.force_login(cast.provincial_a)

    html = client.get(reverse("review_detail", args=[a.pk])).content.decode()

    assert 'data-testid="recommend-via-act"' in html
    assert 'data-action="recommend"' not in html
    assert 'data-action="not_recommend"' in html


def test_one_by_one_recommendations_are_gathered_by_the_migration(cast, three):
    import importlib

    batch, (a, b, d) = three
    workflow.recommend(cast.provincial_a, b, "先推荐乙")
    workflow.recommend(cast.provincial_a, a, "再推荐甲")
    migration = importlib.import_module(
        "applications.migrations.0017_deadlines_and_provincial_recommendation"
    )

    migration.gather_recommendations(django_apps, None)

    recommendation = ProvincialRecommendation.objects.get(batch=batch)
    assert recommendation.migrated and recommendation.is_submitted
    assert [e.application_id for e in recommendation.entries.order_by("position")] == [b.pk, a.pk]
    assert recommendation.opinion == "先推荐乙\n再推荐甲"
    assert all(e.event.action == "recommend" for e in recommendation.entries.all())


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return "".join(text.split())  # the digest may wrap in its cell


def test_the_letter_lists_the_construction_plans_sent_and_an_older_letter_stays_as_issued(
    cast, three, tmp_path
):
    """D52: a 推荐函 issued now lists each recommended park's plan (file name and SHA-256, in
    the province's order), from the record frozen at issue; a letter of an earlier format,
    which listed none, still renders without them."""
    import hashlib

    from applications import letter_content, letters

    batch, (a, b, _d) = three
    recommendation = recommendations.for_user(cast.provincial_a, batch)
    recommendations.save_draft(
        cast.provincial_a,
        recommendation,
        opinion="同意推荐",
        departments="省能源局",
        chosen=[(b.pk, "理由"), (a.pk, "理由")],
    )
    attach_plans(cast.provincial_a, recommendation, [a, b])
    workflow.submit_recommendation(cast.provincial_a, recommendation)
    letter = a.letters.get(kind=LetterKind.RECOMMENDATION)
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert letter.content_version == letter_content.CONTENT_VERSION == 4
    assert letter.content["plans"] == [
        {"park": "乙园区", "name": "乙园区建设方案.pdf", "sha256": digest},
        {"park": "甲园区", "name": "甲园区建设方案.pdf", "sha256": digest},
    ]
    text = _pdf_text(letters.render_pdf(letter), tmp_path)
    assert "随函报送各推荐园区的建设方案" in text, text
    assert text.index("乙园区建设方案.pdf") < text.index("甲园区建设方案.pdf")
    assert text.count(digest) == 2

    # The record is what the letter states: a plan's row changed later changes nothing.
    django_apps.get_model("applications", "RecommendationPlan").objects.filter(
        application=a
    ).update(original_name="改名.pdf")
    assert "甲园区建设方案.pdf" in _pdf_text(letters.render_pdf(letter), tmp_path)

    # A letter issued in format 3 had no plans in its record: it renders as it did.
    # (Issued letters cannot be changed in the database: the older record is shown, unsaved.)
    issued = Letter.objects.get(pk=letter.pk)
    issued.content = {k: v for k, v in letter.content.items() if k != "plans"}
    issued.content_version = 3
    old = _pdf_text(letters.render_pdf(issued), tmp_path)
    assert "建设方案文件" not in old and digest not in old and "乙园区" in old
