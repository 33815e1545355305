"""The in-app inbox: every notice the system mails lands, with the act, as an item for each
person concerned; each person reads, opens and marks read only their own."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from applications import deadlines, inbox, reviews, tasks, workflow
from applications.models import EffectKind, InboxItem, PendingEffect
from tests.applications.builders import complete_application, drive_to, open_batch

pytestmark = pytest.mark.django_db


def titles(user) -> list[str]:
    return list(InboxItem.objects.filter(recipient=user).values_list("title", flat=True))


@pytest.fixture
def submitted(cast):
    """Park A's application, submitted: its province is told."""
    return drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )


def test_a_submission_lands_in_the_provinces_inbox_with_the_act_before_any_mail(cast, submitted):
    # The effect that mails has not run (no commit in this test), yet the item is there.
    assert mail.outbox == []
    [item] = InboxItem.objects.filter(recipient=cast.provincial_a)
    assert cast.park_a.name in item.title and "待省级审核" in item.title
    assert item.link == reverse("application_detail", args=[submitted.pk])
    assert item.read_at is None
    # The actor is not told of their own act; another province and other parks hear nothing.
    assert titles(cast.applicant_a) == []
    assert titles(cast.provincial_other) == [] and titles(cast.applicant_b) == []


def test_the_mail_and_the_item_say_the_same(cast, submitted):
    tasks.run_due_here()
    [message] = [m for m in mail.outbox if cast.provincial_a.email in m.to]
    [item] = InboxItem.objects.filter(recipient=cast.provincial_a)
    assert message.subject.endswith(item.title) and not item.title.startswith("【")
    assert message.body.startswith(item.body)


def test_a_return_tells_the_park_with_the_comment(cast, submitted):
    workflow.return_for_revision(cast.provincial_a, submitted, "请补充能源计量说明")
    [item] = InboxItem.objects.filter(recipient=cast.applicant_a)
    assert "请补充能源计量说明" in item.body


def test_an_act_that_rolls_back_leaves_no_item_and_no_mail_owed(cast, submitted):
    items, effects = InboxItem.objects.count(), PendingEffect.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.return_for_revision(cast.provincial_a, submitted, "请修改")
        raise RuntimeError("the act fails after its notices were written")
    assert InboxItem.objects.count() == items and PendingEffect.objects.count() == effects


def test_assigning_an_expert_tells_them_in_the_app_and_by_mail(
    cast, django_capture_on_commit_callbacks
):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    tasks.run_due_here()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reviews.assign(cast.national, application, cast.expert)
    tasks.run_due_here()
    [item] = InboxItem.objects.filter(recipient=cast.expert)
    assert "评审指派" in item.title and cast.park_a.name in item.title
    assert item.link == reverse("review_detail", args=[application.pk])
    [message] = mail.outbox
    assert message.to == [cast.expert.email] and message.subject.endswith(item.title)
    assert PendingEffect.objects.filter(kind=EffectKind.NOTIFY_ASSIGNED).count() == 1


def test_a_person_without_an_address_still_gets_the_item(cast, submitted):
    cast.applicant_a.email = ""
    cast.applicant_a.save(update_fields=["email"])
    workflow.return_for_revision(cast.provincial_a, submitted, "请修改")
    assert len(titles(cast.applicant_a)) == 1


def test_a_deadline_reminder_lands_in_the_inbox(cast):
    from datetime import timedelta

    from django.utils import timezone

    batch = open_batch()
    batch.deadline = timezone.now() + timedelta(days=2)
    batch.save(update_fields=["deadline"])
    complete_application(cast.park_a, cast.applicant_a, batch)
    deadlines.remind()
    [item] = InboxItem.objects.filter(recipient=cast.applicant_a)
    assert "截止时间提醒" in item.title and item.link == reverse("application_list")


# --- The pages -----------------------------------------------------------------------------------


def _items(user, count: int) -> list[InboxItem]:
    return InboxItem.objects.bulk_create(
        InboxItem(recipient=user, title=f"通知{n:02d}", body="内容", link="/applications/")
        for n in range(count)
    )


def test_the_nav_badge_counts_the_unread_items(client, cast):
    _items(cast.provincial_a, 3)
    InboxItem.objects.filter(pk=_items(cast.provincial_a, 1)[0].pk).update(
        read_at="2026-01-01T00:00Z"
    )
    client.force_login(cast.provincial_a)
    html = client.get(reverse("inbox")).content.decode()
    assert 'data-testid="inbox-unread">3<' in html


def test_the_inbox_shows_only_the_readers_own_items_newest_first_and_pages(
    client, cast, django_assert_max_num_queries
):
    _items(cast.provincial_a, inbox.PAGE_SIZE + 2)
    _items(cast.provincial_other, 1)
    client.force_login(cast.provincial_a)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("inbox")).content.decode()
    assert page.count('data-testid="inbox-item"') == inbox.PAGE_SIZE
    assert page.index("通知21") < page.index("通知20")
    second = client.get(reverse("inbox"), {"page": 2}).content.decode()
    assert second.count('data-testid="inbox-item"') == 2
    client.force_login(cast.provincial_other)
    other = client.get(reverse("inbox")).content.decode()
    assert other.count('data-testid="inbox-item"') == 1


def test_opening_an_item_marks_it_read_and_leads_to_its_object(client, cast):
    [item] = _items(cast.applicant_a, 1)
    client.force_login(cast.applicant_a)
    response = client.get(reverse("inbox_open", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == "/applications/"
    item.refresh_from_db()
    assert item.read_at is not None
    unread = client.get(reverse("inbox"), {"unread": "1"}).content.decode()
    assert 'data-testid="inbox-empty"' in unread


def test_nobody_opens_or_marks_another_persons_item(client, cast):
    [item] = _items(cast.applicant_a, 1)
    client.force_login(cast.applicant_b)
    assert client.get(reverse("inbox_open", args=[item.pk])).status_code == 404
    assert client.post(reverse("inbox_mark_read", args=[item.pk])).status_code == 404
    client.post(reverse("inbox_mark_all_read"))
    item.refresh_from_db()
    assert item.read_at is None


def test_marking_one_and_all_read_says_so(client, cast, django_capture_on_commit_callbacks):
    first, *_rest = _items(cast.provincial_a, 3)
    client.force_login(cast.provincial_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("inbox_mark_read", args=[first.pk]), {"next": reverse("inbox") + "?unread=1"}
        )
    assert response["Location"] == reverse("inbox") + "?unread=1"
    assert inbox.unread_count(cast.provincial_a) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inbox_mark_all_read"))
    page = client.get(response["Location"]).content.decode()
    assert "已将 2 条未读消息标记为已读" in page
    assert inbox.unread_count(cast.provincial_a) == 0
    assert 'data-testid="inbox-unread"' not in page


def test_marking_read_must_be_posted(client, cast):
    [item] = _items(cast.applicant_a, 1)
    client.force_login(cast.applicant_a)
    assert client.get(reverse("inbox_mark_read", args=[item.pk])).status_code == 405
    assert client.get(reverse("inbox_mark_all_read")).status_code == 405
