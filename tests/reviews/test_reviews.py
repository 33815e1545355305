"""Score sheets and their average, comments and who sees them, assignments, decisions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from applications import reviews
from applications.models import ReviewAssignment, ReviewComment, ReviewScore, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHEET = {
    "representativeness": "80",
    "demonstration": "70",
    "reduction_potential": "90",
    "feasibility": "61",
}


def test_review_page_shows_each_reviewers_scores_and_the_average(
    client, cast, submitted_with_energy
):
    application = submitted_with_energy()
    expert = UserFactory(username="expert", role=Role.EXPERT)
    reviews.assign(cast.national, application, expert)
    reviews.declare_no_conflict(expert, application)
    client.force_login(cast.national)
    client.post(reverse("review_score", args=[application.pk]), SHEET)
    client.force_login(expert)
    client.post(
        reverse("review_score", args=[application.pk]),
        {
            "representativeness": "60",
            "demonstration": "75",
            "reduction_potential": "80",
            "feasibility": "70",
        },
    )
    response = client.get(reverse("review_detail", args=[application.pk]))
    [(_title, summary)] = response.context["summaries"]  # both are NDRC's
    assert summary.count == 2
    assert summary.averages["representativeness"] == Decimal("70.0")
    assert summary.averages["demonstration"] == Decimal("72.5")
    assert summary.averages["feasibility"] == Decimal("65.5")
    # The default rubric weighs 30/30/30/10: 78.10 and 71.50.
    assert sorted(s.weighted_total for s in summary.sheets) == [Decimal("71.50"), Decimal("78.10")]
    assert summary.spread.mean == Decimal("74.80")
    assert 'data-testid="score-average"' in response.content.decode()


def test_a_reviewer_revises_their_own_sheet_instead_of_adding_one(cast, submitted_with_energy):
    application = submitted_with_energy()
    reviews.save_score(cast.national, application, SHEET)
    reviews.save_score(cast.national, application, {**SHEET, "feasibility": "99"})
    assert ReviewScore.objects.get(application=application).values["feasibility"] == 99


def test_a_score_out_of_range_is_refused_by_name_and_nothing_is_written(
    cast, submitted_with_energy
):
    application = submitted_with_energy()
    with pytest.raises(reviews.ReviewError, match="碳减排潜力"):
        reviews.save_score(cast.national, application, {**SHEET, "reduction_potential": "101"})
    with pytest.raises(reviews.ReviewError, match="指标可行性"):
        reviews.save_score(cast.national, application, {**SHEET, "feasibility": "abc"})
    assert not ReviewScore.objects.exists()


def test_province_cannot_score_once_it_has_recommended(cast, submitted_with_energy):
    application = submitted_with_energy(status="recommended")
    with pytest.raises(reviews.ReviewError):
        reviews.save_score(cast.provincial_a, application, SHEET)
    reviews.save_score(cast.national, application, SHEET)


def test_internal_comments_are_never_shown_to_the_park(client, cast, submitted_with_energy):
    application = submitted_with_energy()
    client.force_login(cast.national)
    client.post(
        reverse("review_comment", args=[application.pk]),
        {"text": "内部意见：规模偏小", "visibility": "internal"},
    )
    client.post(
        reverse("review_comment", args=[application.pk]),
        {"text": "请补充绿电直供协议", "visibility": "public"},
    )
    assert ReviewComment.objects.count() == 2
    client.force_login(cast.applicant_a)
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "请补充绿电直供协议" in page
    assert "内部意见" not in page
    # Nor may the park open the reviewers' page.
    assert client.get(reverse("review_detail", args=[application.pk])).status_code == 404


def test_reviewers_see_internal_comments_marked_as_internal(client, cast, submitted_with_energy):
    application = submitted_with_energy()
    reviews.add_comment(cast.national, application, "内部意见：规模偏小", "internal")
    client.force_login(cast.national)
    page = client.get(reverse("review_detail", args=[application.pk])).content.decode()
    assert 'data-visibility="internal"' in page and "内部意见：规模偏小" in page


def test_national_staff_assign_a_reviewer_and_an_expert(client, cast, submitted_with_energy):
    application = submitted_with_energy()
    expert = UserFactory(username="expert", role=Role.EXPERT)
    client.force_login(cast.national)
    client.post(
        reverse("review_assign", args=[application.pk]), {"assignee": expert.pk, "kind": "expert"}
    )
    client.post(
        reverse("review_assign", args=[application.pk]),
        {"assignee": cast.national.pk, "kind": "reviewer"},
    )
    kinds = dict(ReviewAssignment.objects.values_list("assignee__username", "kind"))
    assert kinds == {"expert": "expert", "national": "reviewer"}
    client.force_login(expert)
    mine = client.get(reverse("review_queue_mine")).context["page"].object_list
    assert [a.pk for a in mine] == [application.pk]


def test_province_and_park_cannot_assign(cast, submitted_with_energy):
    application = submitted_with_energy(status="submitted")
    for user in (cast.provincial_a, cast.applicant_a):
        with pytest.raises(reviews.ReviewError):
            reviews.assign(user, application, cast.national)
    assert not ReviewAssignment.objects.exists()


def test_only_national_accounts_can_be_assigned(cast, submitted_with_energy):
    application = submitted_with_energy()
    with pytest.raises(reviews.ReviewError, match="被指派人"):
        reviews.assign(cast.national, application, cast.provincial_a)


def test_decision_on_the_review_page_goes_through_the_workflow(
    client, cast, submitted_with_energy, django_capture_on_commit_callbacks
):
    application = submitted_with_energy(status="submitted")
    client.force_login(cast.provincial_a)
    url = reverse("review_decide", args=[application.pk, "return_for_revision"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"comment": "请补充计量说明", "confirmed_act": "1"})
    application.refresh_from_db()
    assert application.status == "returned"
    assert application.events.last().actor == cast.provincial_a
    letter = application.letters.get()
    assert letter.kind == "revision" and letter.is_ready
    assert letter.issuer == "江苏省发展和改革委员会"


def test_another_province_cannot_decide(client, cast, submitted_with_energy):
    application = submitted_with_energy(status="submitted")
    client.force_login(cast.provincial_other)
    response = client.post(
        reverse("review_decide", args=[application.pk, "recommend"]), {"confirmed_act": "1"}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


def test_return_for_revision_issues_a_revision_notice_from_whoever_returned_it(
    cast, submitted_with_energy, django_capture_on_commit_callbacks
):
    from applications import workflow

    application = submitted_with_energy()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_for_revision(cast.national, application, "请补充核算材料")
    letter = application.letters.get(kind="revision")
    assert letter.kind == "revision" and letter.reference.startswith("发改环资〔")
    assert letter.issuer == "国家发展和改革委员会"


def test_the_review_page_reads_the_application_once_whatever_it_holds(
    client, cast, submitted_with_energy, django_assert_num_queries
):
    application = submitted_with_energy()
    client.force_login(cast.national)
    client.post(reverse("review_score", args=[application.pk]), SHEET)
    client.post(
        reverse("review_comment", args=[application.pk]),
        {"body": "请补充", "visibility": "internal"},
    )
    url = reverse("review_detail", args=[application.pk])
    client.get(url)  # warm: session and translations
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # One query for the application (scope included), none again for the access check.
    reads = [q["sql"] for q in queries if 'FROM "applications_application"' in q["sql"]]
    assert len(reads) == 1, reads
    # 16, the batch's rubric and the current runs of the history years (data changed since
    # submission, services.data_changes_since_submission); the inbox badge's count is cached
    # since the first page; one for the withdrawn assignments NDRC sees (D44)
    assert len(queries) <= 19


def test_a_province_reads_its_own_internal_notes_but_not_ndrcs_nor_the_experts_scores(
    client, cast, submitted_with_energy
):
    application = submitted_with_energy(status="submitted")
    reviews.add_comment(cast.provincial_a, application, "省内意见：建议推荐", "internal")
    reviews.save_score(cast.provincial_a, application, SHEET)
    # NDRC's review of the same park, after the province recommended it.
    from applications import workflow

    workflow.recommend(cast.provincial_a, application)
    reviews.assign(cast.national, application, cast.expert)
    reviews.declare_no_conflict(cast.expert, application)
    reviews.add_comment(cast.national, application, "国家内部：规模偏小", "internal")
    reviews.save_score(cast.expert, application, SHEET)

    client.force_login(cast.provincial_a)
    response = client.get(reverse("review_detail", args=[application.pk]))
    page = response.content.decode()
    assert "省内意见：建议推荐" in page
    assert "国家内部：规模偏小" not in page
    assert [
        s.reviewer for _title, summary in response.context["summaries"] for s in summary.sheets
    ] == [cast.provincial_a]
    assert "expert_a" not in page and 'data-testid="assignments"' not in page

    client.force_login(cast.national)
    page = client.get(reverse("review_detail", args=[application.pk])).content.decode()
    assert "省内意见：建议推荐" in page and "国家内部：规模偏小" in page
    assert 'data-reviewer="expert_a"' in page and 'data-reviewer="prov_js"' in page
