"""Answering a return (整改说明): the comments appear on the sections they concern, the park
answers each one before resubmitting, the answers are frozen with the submission, and
reviewers read them beside the changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications import revisions, services, workflow
from applications.models import Application, Submission
from tests.applications.builders import answer_return, complete_application, open_batch

pytestmark = pytest.mark.django_db

COMMENTS = {"energy": "请区分外购与自供能源。", "economics": "投资回收期测算依据不足。"}


@pytest.fixture
def returned(cast) -> Application:
    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)
    workflow.return_for_revision(cast.provincial_a, application, "请补充数据。", COMMENTS)
    application.refresh_from_db()
    return application


def _submit(client, application):
    return client.post(
        reverse("application_transition", args=[application.pk, "submit"]),
        {"confirmed_act": "1", "declaration": "1"},
        follow=True,
    )


def test_the_comment_shows_on_the_section_it_concerns_with_a_way_to_answer(client, cast, returned):
    client.force_login(cast.applicant_a)
    page = client.get(reverse("application_section", args=[returned.pk, "energy"]))
    body = page.content.decode()
    assert "请区分外购与自供能源。" in body and "投资回收期测算依据不足" not in body
    assert reverse("application_answers", args=[returned.pk]) + "#answer-energy" in body
    other = client.get(reverse("application_section", args=[returned.pk, "basic"]))
    assert 'data-testid="section-return-comment"' not in other.content.decode()


def test_resubmitting_without_every_answer_is_refused_naming_each_comment_once(
    client, cast, returned
):
    client.force_login(cast.applicant_a)
    client.post(
        reverse("application_answers", args=[returned.pk]),
        {"answer_general": "已补充。", "answer_energy": "已分列。"},
    )
    response = _submit(client, returned)
    body = response.content.decode()
    assert body.count("整改说明：请回复“经济性分析”的退回意见。") == 1
    assert body.count("整改说明：请回复") == 1  # the answered ones are not listed
    assert "#id_answer_economics" in body
    assert Application.objects.get(pk=returned.pk).status == "returned"
    assert Submission.objects.filter(application=returned).count() == 1


def test_the_answers_are_frozen_with_the_submission_and_shown_beside_the_changes(
    client, cast, returned
):
    client.force_login(cast.applicant_a)
    answers = {
        "answer_general": "已补充数据。",
        "answer_energy": "已分列外购电力和自供电力。",
        "answer_economics": "已补充测算表。",
    }
    response = client.post(reverse("application_answers", args=[returned.pk]), answers, follow=True)
    assert "整改说明已保存。" in response.content.decode()
    assert _submit(client, returned).status_code == 200
    submission = Submission.objects.get(application=returned, number=2)
    assert [(i["key"], i["answer"]) for i in submission.revision_answers["items"]] == [
        ("general", "已补充数据。"),
        ("energy", "已分列外购电力和自供电力。"),
        ("economics", "已补充测算表。"),
    ]
    assert submission.revision_answers["items"][1]["comment"] == COMMENTS["energy"]
    # The draft is answered: nothing left to answer until the next return.
    assert revisions.open_comments(Application.objects.get(pk=returned.pk)) == []

    client.force_login(cast.provincial_a)
    review = client.get(reverse("review_detail", args=[returned.pk])).content.decode()
    assert "已分列外购电力和自供电力。" in review and COMMENTS["economics"] in review
    page = client.get(reverse("application_submission", args=[returned.pk, 2]))
    blocks = {b.key: b for b in page.context["answered"]}
    assert blocks["energy"].answer == "已分列外购电力和自供电力。"
    assert blocks["economics"].comment == COMMENTS["economics"]


def test_answers_to_an_earlier_return_do_not_answer_a_later_one(cast, returned):
    answer_return(returned)
    workflow.submit(cast.applicant_a, returned, declaration=workflow.DECLARATION)
    workflow.return_for_revision(
        cast.provincial_a, returned, "仍需补充。", {"energy": "请补充分月数据。"}
    )
    returned.refresh_from_db()
    assert [(c.key, c.answer) for c in revisions.open_comments(returned)] == [
        ("general", ""),
        ("energy", ""),
    ]
    with pytest.raises(workflow.IncompleteApplication):
        workflow.submit(cast.applicant_a, returned, declaration=workflow.DECLARATION)


@pytest.mark.parametrize("text", ["含\x00空字符", "长" * (revisions.ANSWER_MAX + 1)])
def test_a_bad_answer_is_refused_naming_the_comment_and_nothing_is_written(
    client, cast, returned, text
):
    client.force_login(cast.applicant_a)
    response = client.post(
        reverse("application_answers", args=[returned.pk]),
        {"answer_general": "好", "answer_energy": text},
    )
    assert response.status_code == 200
    assert "整改说明（能源供应、消费及碳排放）" in response.context["error"]
    assert Application.objects.get(pk=returned.pk).revision_answers == {}


def test_there_is_no_answers_page_before_a_return_nor_for_another_park(client, cast, returned):
    client.force_login(cast.applicant_b)
    assert client.get(reverse("application_answers", args=[returned.pk])).status_code == 404
    draft = complete_application(cast.park_b, cast.applicant_b, returned.batch)
    assert client.get(reverse("application_answers", args=[draft.pk])).status_code == 404
    with pytest.raises(services.ServiceError):
        services.save_revision_answers(draft, {"general": "无"})
