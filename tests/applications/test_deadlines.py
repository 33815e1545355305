"""The two deadlines where the notice puts them (applications/deadlines.py): NDRC's date for the
provinces' recommendations, each province's date for its parks' first submissions; enforced with
the date named, shown on the pages that need them, moved only with a record, reminded once."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications import deadlines, outbox, tasks, workflow
from applications.models import (
    Batch,
    DeadlineChange,
    DeadlineKind,
    DeadlineReminder,
    EffectKind,
    PendingEffect,
    ProvinceBatchQuota,
    Status,
)

from .builders import answer_return, complete_application, drive_to, open_batch

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _past(batch: Batch, days: int = 1) -> Batch:
    """NDRC's date, moved into the past behind the door's back (as time passing would)."""
    Batch.objects.filter(pk=batch.pk).update(deadline=timezone.now() - days * DAY)
    batch.refresh_from_db()
    return batch


def test_a_province_recommending_after_ndrcs_date_is_refused_with_the_date_named(cast):
    batch = open_batch()
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "submitted", cast
    )
    batch = _past(batch)

    with pytest.raises(workflow.DeadlinePassed) as refused:
        workflow.recommend(cast.provincial_a, application)

    date = deadlines.label(batch.deadline)
    assert date in refused.value.message and "截止" in refused.value.message
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not application.events.filter(action="recommend").exists()


def test_the_refusal_reaches_the_province_on_the_page_with_the_date(client, cast):
    batch = open_batch()
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "submitted", cast
    )
    batch = _past(batch)
    client.force_login(cast.provincial_a)

    response = client.post(
        reverse("review_decide", args=[application.pk, "recommend"]),
        {"confirmed_act": "1"},
        follow=True,
    )

    assert deadlines.label(batch.deadline) in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_a_park_ndrc_returned_after_the_date_resubmits_and_is_recommended_again(cast):
    batch = open_batch()
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "under_national_review", cast
    )
    _past(batch)
    workflow.return_for_revision(cast.national, application, "请补充建设方案")
    answer_return(application)

    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)
    workflow.recommend_again(cast.provincial_a, application)

    application.refresh_from_db()
    assert application.status == Status.RECOMMENDED


def test_a_parks_first_submission_after_its_provinces_date_is_refused_naming_it(cast):
    batch = open_batch()
    first = complete_application(cast.park_a, cast.applicant_a, batch)
    other = complete_application(cast.park_c, cast.applicant_c, batch)  # another province
    deadlines.set_submission_deadline(
        cast.provincial_a, batch, cast.park_a.province, timezone.now() + DAY
    )
    ProvinceBatchQuota.objects.filter(batch=batch).update(
        submission_deadline=timezone.now() - DAY
    )  # time passes

    with pytest.raises(workflow.IncompleteApplication) as refused:
        workflow.submit(cast.applicant_a, first, declaration=workflow.DECLARATION)

    quota = ProvinceBatchQuota.objects.get(batch=batch, province=cast.park_a.province)
    assert any(deadlines.label(quota.submission_deadline) in str(p) for p in refused.value.problems)
    # Anhui set no date: NDRC's date, still ahead, binds its park.
    workflow.submit(cast.applicant_c, other, declaration=workflow.DECLARATION)


def test_a_park_returned_after_its_provinces_date_still_resubmits(cast):
    batch = open_batch()
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "returned", cast
    )
    ProvinceBatchQuota.objects.update_or_create(
        batch=batch,
        province=cast.park_a.province,
        defaults={"submission_deadline": timezone.now() - DAY},
    )
    answer_return(application)

    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_the_province_sets_its_own_date_only_and_never_after_ndrcs(cast):
    batch = open_batch()
    jiangsu, anhui = cast.park_a.province, cast.park_c.province
    with pytest.raises(deadlines.DeadlineError, match="不能晚于"):
        deadlines.set_submission_deadline(cast.provincial_a, batch, jiangsu, batch.deadline + DAY)
    with pytest.raises(deadlines.PermissionDenied):
        deadlines.set_submission_deadline(cast.provincial_a, batch, anhui, timezone.now() + DAY)
    with pytest.raises(deadlines.PermissionDenied):
        deadlines.set_submission_deadline(cast.national, batch, jiangsu, timezone.now() + DAY)
    change = deadlines.set_submission_deadline(
        cast.provincial_a, batch, jiangsu, timezone.now() + DAY
    )
    assert (change.actor, change.old_value, change.province) == (cast.provincial_a, None, jiangsu)
    assert DeadlineChange.objects.count() == 1


def test_an_administrator_extends_ndrcs_date_with_a_reason_recorded(cast):
    batch = open_batch()
    old = batch.deadline
    with pytest.raises(deadlines.DeadlineError, match="理由"):
        deadlines.extend_recommendation_deadline(cast.admin, batch, old + DAY, "")
    with pytest.raises(deadlines.PermissionDenied):
        deadlines.extend_recommendation_deadline(cast.provincial_a, batch, old + DAY, "延期")
    with pytest.raises(deadlines.DeadlineError, match="晚于原截止时间"):
        deadlines.extend_recommendation_deadline(cast.admin, batch, old - DAY, "提前")

    change = deadlines.extend_recommendation_deadline(
        cast.admin, batch, old + 3 * DAY, "部分省份申请延期"
    )

    batch.refresh_from_db()
    assert batch.deadline == old + 3 * DAY
    assert (change.kind, change.actor, change.old_value, change.new_value, change.reason) == (
        DeadlineKind.RECOMMENDATION,
        cast.admin,
        old,
        old + 3 * DAY,
        "部分省份申请延期",
    )
    with pytest.raises(Exception, match="不能修改"):
        DeadlineChange.objects.update(reason="改")


def test_reminders_go_out_once_per_date_and_person(cast, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    batch = open_batch()
    Batch.objects.filter(pk=batch.pk).update(deadline=timezone.now() + 3 * DAY)
    complete_application(cast.park_a, cast.applicant_a, batch)  # a draft, never submitted
    drive_to(complete_application(cast.park_c, cast.applicant_c, batch), "submitted", cast)

    owed = deadlines.remind()
    again = deadlines.remind()

    people = {r.recipient for r in DeadlineReminder.objects.all()}
    # A's applicant (draft), Anhui's reviewer (a park awaits it); not C's applicant (submitted),
    # not Jiangsu's reviewer (nothing awaits it).
    assert people == {cast.applicant_a, cast.provincial_other}
    assert len(owed) == 2 and again == []
    assert all(e.kind == EffectKind.REMIND_DEADLINE for e in owed)
    for effect in owed:
        outbox.run(effect.pk, tasks.HANDLERS)
    assert len(mail.outbox) == 2
    assert all(
        "截止时间提醒" in m.subject
        and deadlines.label(Batch.objects.get(pk=batch.pk).deadline) in m.subject
        for m in mail.outbox
    )
    # A date moved later is a new date: reminded again when it comes near.
    deadlines.extend_recommendation_deadline(cast.admin, batch, timezone.now() + 4 * DAY, "延期")
    assert len(deadlines.remind()) == 2
    assert PendingEffect.objects.filter(kind=EffectKind.REMIND_DEADLINE).count() == 4


def test_no_reminder_far_from_the_date(cast):
    batch = open_batch()  # 30 days ahead
    complete_application(cast.park_a, cast.applicant_a, batch)
    assert deadlines.remind() == []


def test_the_dates_are_on_the_parks_page_and_both_queues(client, cast):
    batch = open_batch()
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "submitted", cast
    )
    deadlines.set_submission_deadline(
        cast.provincial_a, batch, cast.park_a.province, timezone.now() + 5 * DAY
    )
    ndrc = deadlines.label(batch.deadline)
    own = deadlines.label(deadlines.dates_for(batch, cast.park_a.province_id).submission)
    pages = [
        (cast.applicant_a, reverse("application_detail", args=[application.pk]), {ndrc, own}),
        (cast.provincial_a, reverse("review_queue_provincial"), {ndrc, own}),
        (cast.national, reverse("review_queue_national"), {ndrc}),
    ]
    for user, url, dates in pages:
        client.force_login(user)
        html = client.get(url).content.decode()
        assert 'data-testid="deadlines"' in html, url
        for date in dates:
            assert date in html, (url, date)


def test_the_deadlines_page_sets_a_date_and_names_a_bad_one(client, cast):
    batch = open_batch()
    client.force_login(cast.provincial_a)
    assert client.get(reverse("deadlines")).status_code == 200
    value = timezone.localtime(timezone.now() + 2 * DAY).strftime("%Y-%m-%dT%H:%M")

    done = client.post(
        reverse("deadlines"), {"batch": batch.pk, "kind": "submission", "value": value}, follow=True
    )
    late = timezone.localtime(batch.deadline + DAY).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(
        reverse("deadlines"), {"batch": batch.pk, "kind": "submission", "value": late}
    )
    stranger = client.post(
        reverse("deadlines"),
        {"batch": batch.pk, "kind": "recommendation", "value": late, "reason": "想延期"},
    )

    assert "变更已记录" in done.content.decode()
    assert refused.status_code == 400 and "不能晚于" in refused.content.decode()
    assert stranger.status_code == 403
    assert DeadlineChange.objects.count() == 1
    client.force_login(cast.applicant_a)
    assert client.get(reverse("deadlines")).status_code == 404
