"""Every transition asks before it acts: a POST without confirmed_act=1 changes nothing and
answers with a page that repeats the act; with it, the act is made and says what comes next."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from applications import workflow
from applications.models import Application, ApplicationEvent, Letter, PendingEffect, Submission

from .builders import complete_application, drive_to, open_batch

# action → (the state it starts from, who makes it, a comment)
STARTS = {
    "submit": ("draft", "applicant_a", ""),
    "return_for_revision": ("submitted", "provincial_a", "请补充光伏并网容量。"),
    # One park on its own is recommended only again (a first recommendation is the act's).
    "recommend": ("resubmitted_after_ndrc", "provincial_a", ""),
    "not_recommend": ("submitted", "provincial_a", "核心指标未达标。"),
    "start_national_review": ("recommended", "national", ""),
    "approve": ("under_national_review", "national", "同意纳入。"),
    "reject": ("under_national_review", "national", "示范性不足。"),
}


def test_every_transition_has_a_start_here():
    assert set(STARTS) == set(workflow.TRANSITIONS)


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_each_transition_says_what_it_will_do_and_what_it_did(action, cast):
    transition = workflow.TRANSITIONS[action]
    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    confirmation = transition.confirmation(application)
    success = transition.success(application)
    assert "撤" in confirmation  # 不能撤销 / 不能撤回: it cannot be undone
    assert "通知" in confirmation and "通知" in success  # who will be / was told
    assert success.endswith("。") and len(success) > 20
    assert cast.park_a.name in confirmation + success or "江苏" in confirmation + success
    texts = [(t.confirm_text, t.success_text) for t in workflow.TRANSITIONS.values()]
    assert len({c for c, _s in texts}) == len({s for _c, s in texts}) == len(texts)


def _counts() -> tuple[int, ...]:
    return (
        ApplicationEvent.objects.count(),
        Submission.objects.count(),
        Letter.objects.count(),
        PendingEffect.objects.count(),
    )


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_a_post_without_confirmation_changes_nothing_and_asks(action, client, cast):
    state, who, comment = STARTS[action]
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), state, cast
    )
    before = _counts()
    mail.outbox.clear()
    client.force_login(getattr(cast, who))
    url = reverse("application_transition", args=[application.pk, action])

    response = client.post(url, {"comment": comment, "section_comment_basic": "补充说明"})

    assert response.status_code == 200
    page = response.content.decode()
    transition = workflow.TRANSITIONS[action]
    assert transition.confirmation(application) in page
    assert 'name="confirmed_act" value="1"' in page
    if action != "submit":
        assert comment in page  # what was typed goes along
    assert application.status == Application.objects.get(pk=application.pk).status
    assert _counts() == before
    assert mail.outbox == []


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_a_confirmed_post_acts_and_says_what_comes_next(
    action, client, cast, django_capture_on_commit_callbacks
):
    state, who, comment = STARTS[action]
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), state, cast
    )
    client.force_login(getattr(cast, who))
    url = reverse(
        "review_decide" if who != "applicant_a" else "application_transition",
        args=[application.pk, action],
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"comment": comment, "confirmed_act": "1", "declaration": "1"})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == workflow.TRANSITIONS[action].target
    said = [str(m) for m in get_messages(response.wsgi_request)]
    # (A note that mail will follow may come after it: no broker runs in this test.)
    assert said[0] == workflow.TRANSITIONS[action].success(application)


def test_the_confirmation_page_is_refused_to_whoever_may_not_act(client, cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )
    client.force_login(cast.applicant_a)
    response = client.post(reverse("application_transition", args=[application.pk, "recommend"]))
    assert response.status_code == 403
    assert Application.objects.get(pk=application.pk).status == "submitted"


def test_a_first_recommendation_of_one_park_leads_to_the_provinces_act(client, cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )
    before = _counts()
    client.force_login(cast.provincial_a)
    for route in ("application_transition", "review_decide"):
        for confirmed in ({}, {"confirmed_act": "1"}):
            response = client.post(reverse(route, args=[application.pk, "recommend"]), confirmed)
            assert response.status_code == 302
            assert response["Location"] == reverse(
                "province_recommendation", args=[application.batch_id]
            )
    assert Application.objects.get(pk=application.pk).status == "submitted"
    assert _counts() == before
    page = client.get(reverse("review_detail", args=[application.pk])).content.decode()
    assert 'data-action="recommend"' not in page


def test_the_confirmation_page_of_an_act_no_longer_possible_says_why(client, cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "recommended", cast
    )
    client.force_login(cast.provincial_a)
    response = client.post(
        reverse("review_decide", args=[application.pk, "recommend"]), follow=True
    )
    assert "不能执行“推荐”" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == "recommended"


def test_the_confirmation_page_sends_the_act_with_what_was_typed(client, cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )
    client.force_login(cast.provincial_a)
    url = reverse("review_decide", args=[application.pk, "return_for_revision"])
    page = client.post(url, {"comment": "请补充", "section_comment_basic": "补充四至"})
    body = page.content.decode()
    assert f'action="{url}"' in body
    assert 'name="section_comment_basic" value="补充四至"' in body

    client.post(
        url, {"comment": "请补充", "section_comment_basic": "补充四至", "confirmed_act": "1"}
    )

    event = ApplicationEvent.objects.filter(application=application).last()
    assert event.action == "return_for_revision"
    assert event.comment == "请补充" and event.section_comments == {"basic": "补充四至"}


def test_a_refused_submission_lists_its_problems_once_each_linked_to_its_section(client, cast):
    from applications import services

    application = services.start_application(cast.applicant_a, open_batch())
    problems = services.submission_problems(application)
    assert len(problems) > 5
    client.force_login(cast.applicant_a)

    response = client.post(
        reverse("application_transition", args=[application.pk, "submit"]),
        {"confirmed_act": "1", "declaration": "1"},
        follow=True,
    )

    page = response.content.decode()
    assert page.count('role="alert"') == 1
    assert page.count('data-testid="submission-refused"') == 1
    assert 'data-testid="submission-problems"' not in page  # not listed a second time
    for problem in problems:
        assert page.count(str(problem)) == 1, problem
        if problem.section:
            assert f'data-problem-section="{problem.section}"' in page
    basic = reverse("application_section", args=[application.pk, "basic"])
    first = next(p for p in problems if p.section == "basic")
    assert f'href="{basic}#id_{first.field}"' in page
    assert f'id="id_{first.field}"' in client.get(basic).content.decode()  # the link lands
    assert f'href="{reverse("application_boundary", args=[application.pk])}' in page
    assert Application.objects.get(pk=application.pk).status == "draft"
    assert not Submission.objects.filter(application=application).exists()


def test_the_list_of_what_is_missing_links_each_problem_before_any_submission(client, cast):
    from applications import services

    application = services.start_application(cast.applicant_a, open_batch())
    client.force_login(cast.applicant_a)
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert 'data-testid="submission-problems"' in page
    assert page.count("data-problem-section=") == len(
        [p for p in services.submission_problems(application) if p.section]
    )


def test_reissuing_a_letter_asks_first_and_then_says_what_it_did(
    client, cast, django_capture_on_commit_callbacks
):
    from applications.models import LetterKind

    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "recommended", cast
    )
    letter = application.letters.get(kind=LetterKind.RECOMMENDATION)
    Letter.objects.filter(pk=letter.pk).update(status="ready")
    url = reverse("letter_reissue", args=[application.pk, letter.pk])
    client.force_login(cast.provincial_a)  # the province that issued it

    asked = client.post(url)

    assert asked.status_code == 200
    assert letter.reference in asked.content.decode() and "此操作不能撤销" in asked.content.decode()
    assert not Letter.objects.filter(replaces=letter).exists()

    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(url, {"confirmed_act": "1", "reason": "更正推荐意见"})

    new = Letter.objects.get(replaces=letter)
    said = [str(m) for m in get_messages(done.wsgi_request)]
    assert said[0].startswith("已重新出具推荐函") and new.reference in said[0]


def test_someone_who_may_not_reissue_is_not_asked(client, cast):
    from applications.models import LetterKind

    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "recommended", cast
    )
    letter = application.letters.get(kind=LetterKind.RECOMMENDATION)
    client.force_login(cast.national)  # not in the province's name
    response = client.post(reverse("letter_reissue", args=[application.pk, letter.pk]))
    assert response.status_code == 302
    assert not Letter.objects.filter(replaces=letter).exists()
