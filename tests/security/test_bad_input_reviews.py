"""Hostile input to the review pages: scores, comments and assignments refuse it with a message,
write nothing, never answer 500, and show markup as text."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from applications import rubric, workflow
from applications.models import (
    Application,
    ReviewAssignment,
    ReviewComment,
    ReviewScore,
)
from tests.applications.builders import complete_application

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def under_review(cast) -> Application:
    application = complete_application(cast.park_a, cast.applicant_a)
    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)
    workflow.recommend(cast.provincial_a, application)
    workflow.start_national_review(cast.national, application)
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def national(client, cast):
    client.force_login(cast.national)
    return client


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize(
    "value", ["", "abc", "-1", "101", "1e3", "9" * 5000, "²", "1.5", SCRIPT, "\x00"]
)
def test_a_hostile_score_is_refused_naming_the_criterion(national, under_review, value):
    url = reverse("review_score", args=[under_review.pk])
    criteria = rubric.default_criteria()
    data = {c.key: "20" for c in criteria}
    first, first_label = criteria[0].key, criteria[0].name

    response = national.post(url, {**data, first: value}, follow=True)

    assert response.status_code == 200
    assert f"{first_label}：" in _messages(response)
    assert ReviewScore.objects.count() == 0
    assert "<script>alert" not in response.content.decode()


@pytest.mark.parametrize("text", ["", "   ", "意见\x00含空字符"])
def test_an_empty_or_nul_comment_is_refused_and_nothing_is_written(national, under_review, text):
    response = national.post(
        reverse("review_comment", args=[under_review.pk]),
        {"text": text, "visibility": "public"},
        follow=True,
    )

    assert response.status_code == 200
    assert "评审意见" in _messages(response)
    assert ReviewComment.objects.count() == 0


def test_an_unknown_visibility_is_refused(national, under_review) -> None:
    response = national.post(
        reverse("review_comment", args=[under_review.pk]),
        {"text": "意见", "visibility": "everyone"},
        follow=True,
    )

    assert "可见范围" in _messages(response)
    assert ReviewComment.objects.count() == 0


@pytest.mark.parametrize("assignee", ["", "abc", "²", "-1", "99999999999999999999999", "1.5"])
def test_a_malformed_assignee_is_refused_not_crashed(national, under_review, assignee) -> None:
    response = national.post(
        reverse("review_assign", args=[under_review.pk]),
        {"assignee": assignee, "kind": "reviewer"},
        follow=True,
    )

    assert response.status_code == 200
    assert "被指派人" in _messages(response)
    assert ReviewAssignment.objects.count() == 0


def test_review_comments_are_shown_escaped_to_reviewers_and_to_the_park(
    national, under_review, client, cast
) -> None:
    for text in (SCRIPT, IMG):
        national.post(
            reverse("review_comment", args=[under_review.pk]),
            {"text": text, "visibility": "public"},
        )
    pages = [national.get(reverse("review_detail", args=[under_review.pk]))]
    client.force_login(cast.applicant_a)
    pages.append(client.get(reverse("application_detail", args=[under_review.pk])))

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert escape(SCRIPT) in html and escape(IMG) in html
