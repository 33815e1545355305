"""An assigned expert declares conflicts of interest before reading anything of an application:
no conflict opens the material and the score sheet; a conflict removes the assignment for good,
leaves a record NDRC's reviewers read, and tells whoever assigned the expert."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from applications import reviews, tasks
from applications.models import ConflictOfInterest, ReviewAssignment, ReviewScore
from tests.applications.builders import complete_application, drive_to, open_batch

pytestmark = pytest.mark.django_db

SHEET = {
    "representativeness": "80",
    "demonstration": "70",
    "reduction_potential": "90",
    "feasibility": "61",
}
MATERIAL_MARK = 'data-testid="review-status"'  # the review page proper, not the declaration


@pytest.fixture
def assigned(cast, django_capture_on_commit_callbacks):
    """Park A under national review, the expert just assigned (mail of the drive cleared)."""
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    tasks.run_due_here()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reviews.assign(cast.national, application, cast.expert)
    return application


def test_assigning_an_expert_mails_them_the_link_to_declare(cast, assigned):
    tasks.run_due_here()
    [message] = mail.outbox
    assert message.to == [cast.expert.email]
    assert cast.park_a.name in message.subject
    assert reverse("review_detail", args=[assigned.pk]) in message.body
    assert "利益冲突" in message.body


def test_an_undeclared_expert_sees_only_the_park_and_the_declaration(client, cast, assigned):
    client.force_login(cast.expert)
    response = client.get(reverse("review_detail", args=[assigned.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="conflict-declaration"' in page
    assert cast.park_a.name in page and str(cast.park_a.province) in page
    assert "近三年" in page
    # Declaring a conflict asks first, in the dialog of every irreversible act.
    assert "data-confirm-dialog" in page and "不可恢复" in page
    assert MATERIAL_MARK not in page and "summary" not in response.context
    for name in ("application_detail", "application_dossier", "application_book"):
        assert client.get(reverse(name, args=[assigned.pk])).status_code == 404, name


def test_an_undeclared_expert_cannot_score_or_comment(client, cast, assigned):
    client.force_login(cast.expert)
    client.post(reverse("review_score", args=[assigned.pk]), SHEET)
    client.post(
        reverse("review_comment", args=[assigned.pk]), {"text": "意见", "visibility": "internal"}
    )
    assert not ReviewScore.objects.exists()
    assert not assigned.review_comments.exists()
    with pytest.raises(reviews.ReviewError):
        reviews.save_score(cast.expert, assigned, SHEET)


def test_after_declaring_no_conflict_the_expert_reads_and_scores(client, cast, assigned):
    client.force_login(cast.expert)
    response = client.post(reverse("review_declare", args=[assigned.pk]), {"conflict": "0"})
    assert response.status_code == 302
    assignment = ReviewAssignment.objects.get(application=assigned, assignee=cast.expert)
    assert assignment.declared_at is not None
    page = client.get(reverse("review_detail", args=[assigned.pk])).content.decode()
    assert MATERIAL_MARK in page and 'data-testid="conflict-declaration"' not in page
    client.post(reverse("review_score", args=[assigned.pk]), SHEET)
    assert ReviewScore.objects.filter(reviewer=cast.expert, application=assigned).exists()
    # Declared once: the declaration is not taken again.
    with pytest.raises(reviews.ReviewError):
        reviews.declare_no_conflict(cast.expert, assigned)
    # NDRC's reviewers see when the expert declared.
    client.force_login(cast.national)
    assert (
        "声明无利益冲突"
        in client.get(reverse("review_detail", args=[assigned.pk])).content.decode()
    )


def test_a_conflict_without_confirmation_asks_on_a_page_and_changes_nothing(client, cast, assigned):
    client.force_login(cast.expert)
    response = client.post(
        reverse("review_declare", args=[assigned.pk]),
        {"conflict": "1", "reason": "三年内曾为该园区编制规划"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="confirm-conflict"' in page
    assert "三年内曾为该园区编制规划" in page and 'name="confirmed_act"' in page
    assert ReviewAssignment.objects.filter(assignee=cast.expert).exists()
    assert not ConflictOfInterest.objects.exists()


def test_a_conflict_needs_a_reason(client, cast, assigned):
    client.force_login(cast.expert)
    response = client.post(
        reverse("review_declare", args=[assigned.pk]),
        {"conflict": "1", "reason": "  ", "confirmed_act": "1"},
    )
    assert "利益冲突说明" in response.content.decode()
    assert ReviewAssignment.objects.filter(assignee=cast.expert).exists()
    assert not ConflictOfInterest.objects.exists()


def test_declaring_a_conflict_removes_the_assignment_and_tells_who_assigned(
    client, cast, assigned, django_capture_on_commit_callbacks
):
    tasks.run_due_here()
    mail.outbox.clear()
    client.force_login(cast.expert)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("review_declare", args=[assigned.pk]),
            {"conflict": "1", "reason": "三年内曾为该园区编制规划", "confirmed_act": "1"},
        )
    assert response.status_code == 302
    assert not ReviewAssignment.objects.filter(assignee=cast.expert).exists()
    conflict = ConflictOfInterest.objects.get()
    assert (conflict.application, conflict.expert, conflict.assigned_by) == (
        assigned,
        cast.expert,
        cast.national,
    )
    assert conflict.reason == "三年内曾为该园区编制规划" and conflict.declared_at
    # The expert can no longer open it, nor score.
    assert client.get(reverse("review_detail", args=[assigned.pk])).status_code == 404
    client.post(reverse("review_score", args=[assigned.pk]), SHEET)
    assert not ReviewScore.objects.exists()
    # The national reviewer who assigned is told, and reads the record on the review page.
    tasks.run_due_here()
    [message] = mail.outbox
    assert message.to == [cast.national.email]
    assert str(cast.expert) in message.body and "三年内曾为该园区编制规划" in message.body
    client.force_login(cast.national)
    page = client.get(reverse("review_detail", args=[assigned.pk])).content.decode()
    assert 'data-testid="conflicts"' in page
    assert str(cast.expert) in page and "三年内曾为该园区编制规划" in page


def test_the_conflict_record_is_not_shown_to_the_province(client, cast, assigned):
    reviews.declare_conflict(cast.expert, assigned, "亲属在园区企业任职")
    client.force_login(cast.provincial_a)
    page = client.get(reverse("review_detail", args=[assigned.pk])).content.decode()
    assert "亲属在园区企业任职" not in page


def test_an_expert_removed_before_the_mail_went_gets_none(cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    reviews.assign(cast.national, application, cast.expert)  # its mail still owed
    reviews.unassign(cast.national, application.assignments.get(), "另行安排")
    tasks.run_due_here()
    # Only the withdrawal reaches them, never the assignment's mail (D44).
    subjects = [m.subject for m in mail.outbox if cast.expert.email in m.to]
    assert len(subjects) == 1 and "评审指派已撤回" in subjects[0]


def test_ndrc_withdraws_an_assignment_before_the_expert_scored(
    client, cast, assigned, django_capture_on_commit_callbacks
):
    """D44: the review page's withdraw asks for a reason and a confirmation; the act is kept
    (ReviewWithdrawal, shown to NDRC), the expert is told in the inbox and by mail and loses the
    application at once; after scoring it is refused with a clear message."""
    from applications.models import InboxItem, ReviewWithdrawal

    application = assigned
    assignment = application.assignments.get()
    with pytest.raises(reviews.ReviewError, match="只有国家级评审人员"):
        reviews.unassign(cast.provincial_a, assignment, "理由")
    with pytest.raises(reviews.ReviewError, match="撤回原因"):
        reviews.unassign(cast.national, assignment, "")
    client.force_login(cast.national)
    url = reverse("review_unassign", args=[application.pk, assignment.pk])
    asked = client.post(url, {})
    assert 'data-testid="confirm-withdraw"' in asked.content.decode()
    assert ReviewAssignment.objects.filter(pk=assignment.pk).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"reason": "回避需要", "confirmed_act": "1"}, follow=True)
    page = done.content.decode()
    assert "已撤回" in page and 'data-testid="withdrawals"' in page and "回避需要" in page
    assert not ReviewAssignment.objects.filter(pk=assignment.pk).exists()
    record = ReviewWithdrawal.objects.get()
    assert (record.assignee, record.withdrawn_by, record.reason) == (
        cast.expert,
        cast.national,
        "回避需要",
    )
    item = InboxItem.objects.filter(recipient=cast.expert).latest("pk")
    assert "评审指派已撤回" in item.title and "回避需要" in item.body
    assert [m.to for m in mail.outbox if "评审指派已撤回" in m.subject] == [[cast.expert.email]]
    client.force_login(cast.expert)
    assert client.get(reverse("review_detail", args=[application.pk])).status_code == 404

    # Assigned again, declared and scored: the withdrawal is refused and says why.
    reviews.assign(cast.national, application, cast.expert)
    reviews.declare_no_conflict(cast.expert, application)
    reviews.save_score(cast.expert, application, SHEET)
    again = application.assignments.get(assignee=cast.expert)
    with pytest.raises(reviews.ReviewError, match="已对该申报书评分"):
        reviews.unassign(cast.national, again, "理由")
    client.force_login(cast.national)
    refused = client.post(
        reverse("review_unassign", args=[application.pk, again.pk]),
        {"reason": "理由", "confirmed_act": "1"},
        follow=True,
    )
    assert "不能再撤回指派" in refused.content.decode()
    assert ReviewAssignment.objects.filter(pk=again.pk).exists()


def test_the_assignment_mail_reads_in_full_with_the_address_to_declare_at(cast, assigned):
    tasks.run_due_here()
    [message] = mail.outbox
    park = cast.park_a
    address = settings.ZCP_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "review_detail", args=[assigned.pk]
    )
    assert message.subject == f"【零碳园区申报】评审指派：{park.name}"
    assert message.body == (
        f"您已被指派为 {park.name}（{park.province}）申报书（{assigned.batch}）的评审专家。\n"
        f"查看申报材料前，请先声明与该园区有无利益冲突：{address}"
    )
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
