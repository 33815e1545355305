"""One number prints the same on every page and in every letter; the diff between submissions
names fields by their labels and shows values as the book displays them."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from applications import letter_content, letters, services, workflow
from applications.models import Application, Letter, User
from tests.applications.builders import answer_return, complete_application, drive_to
from zcparks import numbers

from .pages import codes_shown, forbidden_codes, visible_text


@pytest.fixture
def decided(db) -> Letter:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Letter.objects.select_related("application__park").filter(kind="assessment").first()


def test_the_clean_energy_share_prints_identically_on_pages_and_in_the_letter(client, decided):
    application = decided.application
    calc = letter_content.latest_calculation(
        application.submissions.order_by("-number")[0].snapshot
    )
    value = calc["result"]["guiding"]["clean_energy"]["value"]
    expected = numbers.share(value)
    assert re.fullmatch(r"\d{1,3}\.\d%", expected)
    pdf = letters.render_pdf(decided)
    letter_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    client.force_login(User.objects.get(username="admin"))
    review = visible_text(
        client.get(reverse("review_detail", args=[application.pk])).content.decode()
    )
    result = visible_text(
        client.get(
            reverse("accounting:result", args=[application.park_id, calc["year"]])
            + f"?run={calc['run_id']}"
        ).content.decode()
    )
    for text in (letter_text, review, result):
        shares = set(re.findall(r"(\d{1,3}\.\d+)\s?%", text))
        assert expected.rstrip("%") in shares
    # The one policy: one decimal place everywhere, never the two of the old result page.
    for text in (letter_text, review, result):
        assert not re.search(r"\d\.\d\d\s?%", text)


def test_the_diff_between_submissions_shows_labels_and_displayed_values(client, cast):
    application: Application = drive_to(
        complete_application(cast.park_a, cast.applicant_a), "returned", cast
    )
    support = application.data["support"]
    services.save_section(application, "support", {**support, "gov_support": False})
    economics = application.data["economics"]
    services.save_section(application, "economics", {**economics, "total_cost": "1234567.5"})
    tasks = application.data["key_tasks"]
    projects = [*tasks["projects"], {"name": "储能电站", "investment": "2500"}]
    services.save_section(application, "key_tasks", {**tasks, "projects": projects})
    answer_return(application)
    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)
    client.force_login(cast.provincial_a)
    html = client.get(reverse("application_submission", args=[application.pk, 2])).content.decode()
    changes = visible_text(html.split('data-testid="changes"', 1)[1].split("</section>", 1)[0])
    assert "已获得地方政府和园区企业支持" in changes and "否" in changes
    assert "成本投入（万元）" in changes and "1,234,567.50" in changes
    assert "重点项目表" in changes and "储能电站" in changes and "2,500.00" in changes
    # The changes, not the whole page: the builder's attachments carry English file names.
    assert codes_shown(changes, forbidden_codes()) == set()
    assert '{"' not in changes and "{'" not in changes
    review = client.get(reverse("review_detail", args=[application.pk])).content.decode()
    assert "1,234,567.50" in visible_text(review)
