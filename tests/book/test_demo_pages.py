"""Review, submission and result pages of every demo application show labels: no snapshot key,
no JSON object, no code of the book, the factor sets or the method."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from applications.models import Application, Submission, User

from .pages import codes_shown, forbidden_codes, visible_text


@pytest.fixture
def demo(db) -> list[Application]:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return list(
        Application.objects.select_related("park").prefetch_related("submissions").order_by("pk")
    )


def _get(client, user: User, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_forbidden_list_holds_the_codes_reviewers_complained_about(demo):
    forbidden = forbidden_codes()
    for code in (
        "gov_support",
        "baseline_year",
        "natural_gas",
        "fuel_combustion",
        "zone_level",
        "national_zone",
        "pass",
        "clean_energy",
        "grid",
        "end_use",
    ):
        assert code in forbidden


def test_every_demo_page_shows_labels_and_no_codes_or_json(client, demo):
    forbidden = forbidden_codes()
    admin = User.objects.get(username="admin")
    problems: dict[str, set[str]] = {}
    pages = 0
    for application in demo:
        applicant = User.objects.filter(park=application.park).first()
        urls = [
            (admin, reverse("review_detail", args=[application.pk])),
            (applicant, reverse("application_detail", args=[application.pk])),
        ]
        for submission in application.submissions.all():
            url = reverse("application_submission", args=[application.pk, submission.number])
            urls += [(admin, url), (applicant, url)]
            for calc in submission.snapshot.get("calculations") or []:
                result = reverse("accounting:result", args=[application.park_id, calc["year"]])
                urls.append((applicant, result))
        for user, url in urls:
            html = _get(client, user, url)
            pages += 1
            shown = codes_shown(html, forbidden)
            if '{"' in visible_text(html):
                shown.add('{"')
            if shown:
                problems[url] = shown
    assert pages > 20
    assert problems == {}


def test_the_demo_snapshots_hold_no_key_the_book_does_not_declare(demo):
    from applications import book

    unknown = {
        (s.application_id, section, key)
        for s in Submission.objects.all()
        for section, content in (s.snapshot.get("sections") or {}).items()
        for key in book.unknown_keys(section, content)
    }
    assert unknown == set()


def test_the_submission_page_shows_the_books_labels_and_the_values_labels(client, demo):
    application = next(a for a in demo if a.submissions.all())
    submission = application.submissions.all()[0]
    basic = submission.snapshot["sections"]["basic"]
    text = visible_text(
        _get(
            client,
            User.objects.get(username="admin"),
            reverse("application_submission", args=[application.pk, submission.number]),
        )
    )
    from applications.models import ZoneLevel

    assert "园区级别" in text and str(ZoneLevel(basic["zone_level"]).label) in text
    assert "已获得地方政府和园区企业支持" in text and "八项重点任务" in text
    assert "加快园区用能结构转型" in text  # a key task by its title, not its key
