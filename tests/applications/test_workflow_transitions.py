"""Every transition checks the role, the scope (park, province) and the state itself."""

from __future__ import annotations

import pytest
from django.core import mail

from applications import workflow
from applications.models import (
    Application,
    ApplicationEvent,
    ImmutableRecord,
    PendingEffect,
    Status,
    Submission,
)

from .builders import complete_application, drive_to, open_batch

# action → (who may, the state it starts from, comment)
RULES = {
    "submit": ("applicant_a", "draft"),
    # One park on its own only again, after NDRC returned it (a first one is the act's, D26).
    "recommend": ("provincial_a", "resubmitted_after_ndrc"),
    "not_recommend": ("provincial_a", "submitted"),
    "return_for_revision": ("provincial_a", "submitted"),
    "start_national_review": ("national", "recommended"),
    "approve": ("national", "under_national_review"),
    "reject": ("national", "under_national_review"),
}


@pytest.fixture(autouse=True)
def _notifications_inline():
    # With a broker configured (PostgreSQL+Redis runs) the task would wait for a worker.
    from zcparks.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


EVERYONE = [
    "applicant_a",
    "applicant_b",
    "applicant_c",
    "provincial_a",
    "provincial_other",
    "national",
    "admin",
]


def _act(action, user, app):
    return workflow.perform(action, user, app, comment="意见", declaration=workflow.DECLARATION)


@pytest.fixture
def app_in(cast):
    def make(status: str) -> Application:
        return drive_to(complete_application(cast.park_a, cast.applicant_a), status, cast)

    return make


@pytest.mark.parametrize("action", sorted(RULES))
def test_each_transition_refuses_everyone_but_its_role_and_scope(cast, app_in, action):
    allowed, state = RULES[action]
    app = app_in(state)
    others = [
        w
        for w in EVERYONE
        if w != allowed and not (action == "return_for_revision" and w == "national")
    ]
    state = {"resubmitted_after_ndrc": "submitted"}.get(state, state)
    for who in others:
        with pytest.raises(workflow.NotAllowed):
            _act(action, getattr(cast, who), app)
    app.refresh_from_db()
    assert app.status == state
    assert not ApplicationEvent.objects.filter(
        application=app, actor__in=[getattr(cast, w) for w in others], from_status=state
    ).exists()
    _act(action, getattr(cast, allowed), app)
    app.refresh_from_db()
    assert app.status == workflow.TRANSITIONS[action].target


@pytest.mark.parametrize("action", sorted(RULES))
def test_each_transition_refuses_the_wrong_state(cast, app_in, action):
    allowed, state = RULES[action]
    wrong = "approved" if state != "approved" else "draft"
    app = app_in(wrong)
    with pytest.raises(workflow.WrongState):
        _act(action, getattr(cast, allowed), app)
    app.refresh_from_db()
    assert app.status == wrong


def test_a_provincial_reviewer_of_another_province_cannot_act_on_this_application(cast, app_in):
    app = app_in("submitted")
    for action in ("recommend", "not_recommend", "return_for_revision"):
        with pytest.raises(workflow.NotAllowed):
            _act(action, cast.provincial_other, app)
    assert ApplicationEvent.objects.filter(application=app).count() == 1


def test_the_province_cannot_return_what_it_has_already_recommended(cast, app_in):
    app = app_in("recommended")
    with pytest.raises(workflow.WrongState):
        workflow.return_for_revision(cast.provincial_a, app, "再改改")


@pytest.mark.parametrize("state", ["recommended", "under_national_review"])
def test_the_national_reviewer_returns_from_either_national_stage(cast, app_in, state):
    app = app_in(state)
    workflow.return_for_revision(cast.national, app, "补充材料", {"economics": "回收期依据"})
    event = ApplicationEvent.objects.filter(application=app).last()
    assert event.to_status == Status.RETURNED and event.section_comments == {
        "economics": "回收期依据"
    }


def test_the_national_reviewer_cannot_return_what_the_province_has_not_recommended(cast, app_in):
    application = app_in("submitted")
    # It has not reached NDRC: outside the national reviewer's scope, not merely the wrong state.
    with pytest.raises(workflow.NotAllowed):
        workflow.return_for_revision(cast.national, application, "请修改")
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not application.events.filter(action="return_for_revision").exists()


@pytest.mark.parametrize(
    "action, state, who",
    [
        ("return_for_revision", "submitted", "provincial_a"),
        ("not_recommend", "submitted", "provincial_a"),
        ("approve", "under_national_review", "national"),
        ("reject", "under_national_review", "national"),
    ],
)
def test_decisions_that_need_a_reason_refuse_an_empty_comment(cast, app_in, action, state, who):
    app = app_in(state)
    with pytest.raises(workflow.CommentRequired):
        workflow.perform(action, getattr(cast, who), app, comment="   ")
    app.refresh_from_db()
    assert app.status == state


def test_a_province_recommends_at_most_two_parks_per_batch(cast):
    batch = open_batch()
    from tests.factories import ParkFactory, UserFactory

    apps = []
    for n in range(3):
        park = ParkFactory(name=f"苏园{n}", province=cast.park_a.province)
        applicant = UserFactory(username=f"su{n}", role="applicant", park=park)
        apps.append(drive_to(complete_application(park, applicant, batch), "submitted", cast))
    workflow.recommend(cast.provincial_a, apps[0])
    workflow.recommend(cast.provincial_a, apps[1])
    with pytest.raises(workflow.QuotaExceeded):
        workflow.recommend(cast.provincial_a, apps[2])
    apps[2].refresh_from_db()
    assert apps[2].status == Status.SUBMITTED
    # A recommended park returned by NDRC frees its place until it is recommended again.
    workflow.return_for_revision(cast.national, apps[0], "请修改")
    workflow.recommend(cast.provincial_a, apps[2])


def test_an_incomplete_application_is_refused_with_the_list_of_what_is_missing(cast):
    from applications import services

    app = services.start_application(cast.applicant_a, open_batch())
    with pytest.raises(workflow.IncompleteApplication) as refused:
        workflow.submit(cast.applicant_a, app, declaration=workflow.DECLARATION)
    problems = "\n".join(refused.value.problems)
    assert "经济性分析" in problems and "申报边界" in problems
    assert not Submission.objects.exists() and not ApplicationEvent.objects.exists()


def test_a_failing_basic_condition_stops_submission(cast):
    from applications.models import Incident

    app = complete_application(cast.park_a, cast.applicant_a)
    Incident.objects.create(
        application=app,
        occurred_on="2025-01-01",
        kind="environmental",
        severity="major",
        description="泄漏",
    )
    with pytest.raises(workflow.IncompleteApplication) as refused:
        workflow.submit(cast.applicant_a, app, declaration=workflow.DECLARATION)
    assert any("安全环境记录" in p for p in refused.value.problems)


def test_a_transition_notifies_the_people_concerned_after_commit(
    cast, app_in, django_capture_on_commit_callbacks
):
    app = app_in("draft")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(cast.applicant_a, app, declaration=workflow.DECLARATION)
    recipients = {address for message in mail.outbox for address in message.to}
    assert cast.provincial_a.email in recipients
    assert cast.provincial_other.email not in recipients
    assert cast.applicant_a.email not in recipients  # the actor is not told what they just did


def test_no_notification_or_owed_effect_when_a_transition_is_refused(
    cast, app_in, django_capture_on_commit_callbacks
):
    app = app_in("submitted")
    owed_before = PendingEffect.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(workflow.NotAllowed),
    ):
        workflow.recommend(cast.provincial_other, app)
    assert mail.outbox == []
    assert PendingEffect.objects.count() == owed_before
    with django_capture_on_commit_callbacks(execute=True):
        event = workflow.recommend(cast.provincial_a, app)
    assert set(PendingEffect.objects.filter(event=event).values_list("kind", flat=True)) == {
        "notify"
    }
    assert mail.outbox


def test_events_are_append_only(cast, app_in):
    app = app_in("submitted")
    event = ApplicationEvent.objects.get(application=app)
    event.comment = "改写历史"
    with pytest.raises(ImmutableRecord):
        event.save()
    with pytest.raises(ImmutableRecord):
        event.delete()
    with pytest.raises(ImmutableRecord):
        ApplicationEvent.objects.filter(pk=event.pk).update(comment="x")
    with pytest.raises(ImmutableRecord):
        ApplicationEvent.objects.filter(pk=event.pk).delete()


def test_available_actions_offer_each_role_only_what_it_may_do(cast, app_in):
    app = app_in("submitted")
    # A first recommendation is the province's act, not one park's (D26).
    assert {t.action for t in workflow.available_actions(cast.provincial_a, app)} == {
        "not_recommend",
        "return_for_revision",
    }
    with pytest.raises(workflow.NotAllowed):
        _act("recommend", cast.provincial_a, app)
    again = drive_to(
        complete_application(cast.park_b, cast.applicant_b, open_batch("2025年第二批")),
        "resubmitted_after_ndrc",
        cast,
    )
    assert "recommend" in {t.action for t in workflow.available_actions(cast.provincial_a, again)}
    assert workflow.available_actions(cast.provincial_other, app) == []
    assert workflow.available_actions(cast.applicant_a, app) == []
    assert workflow.available_actions(cast.national, app) == []
