"""The reviewers' queues: scope, filters, counts, fixed query counts, and the export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from applications import inbox, reviews
from applications.models import Application, Role
from bench.generate import generate
from tests.factories import ParkFactory, UserFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url_name, who",
    [
        ("review_queue_provincial", "provincial_a"),
        ("review_queue_national", "national"),
        ("review_queue_mine", "bench_national"),
        ("review_queue_provincial", "admin"),
    ],
)
def test_queue_pages_use_the_same_number_of_queries_for_3_and_30_applications(
    client, cast, url_name, who
):
    generate(3, batch_name="小批次", province_codes=["32"])
    user = (
        getattr(cast, who)
        if who != "bench_national"
        else type(cast.national).objects.get(username="bench_national")
    )
    client.force_login(user)
    inbox.unread_count(user)  # the badge, counted by an earlier page, costs none of these
    small = _queries(client, reverse(url_name))
    generate(30, batch_name="大批次", province_codes=["32"])
    large = _queries(client, reverse(url_name))
    assert small == large
    assert large <= 10


def test_review_page_uses_the_same_number_of_queries_whatever_the_number_of_applications(
    client, cast, submitted_with_energy
):
    application = submitted_with_energy()
    client.force_login(cast.national)
    url = reverse("review_detail", args=[application.pk])
    inbox.unread_count(cast.national)  # the badge, counted by an earlier page
    before = _queries(client, url)
    generate(30)
    assert _queries(client, url) == before
    assert before <= 24


def test_provincial_queue_holds_only_its_provinces_applications(client, cast):
    generate(62)  # every province twice
    client.force_login(cast.provincial_a)
    response = client.get(reverse("review_queue_provincial"))
    shown = list(response.context["page"].object_list)
    assert shown and all(a.park.province_id == cast.provincial_a.province_id for a in shown)


def test_applicant_has_no_queue(client, cast):
    client.force_login(cast.applicant_a)
    for name in ("review_queue_provincial", "review_queue_national", "review_queue_mine"):
        assert client.get(reverse(name)).status_code == 404


def test_national_queue_filters_by_tier_core_status_and_name(client, cast):
    generate(60)
    client.force_login(cast.national)
    url = reverse("review_queue_national")
    page = client.get(url, {"tier": "1m_plus", "core": "fail"}).context["page"]
    assert page.object_list
    assert all(a.tier == "1m_plus" and a.core_pass is False for a in page.object_list)
    page = client.get(url, {"status": "approved"}).context["page"]
    assert page.object_list and all(a.status == "approved" for a in page.object_list)
    name = page.object_list[0].park.name
    page = client.get(url, {"q": name}).context["page"]
    assert [a.park.name for a in page.object_list] == [name]


def test_status_counts_add_up_to_the_filtered_queue(client, cast):
    generate(60)
    client.force_login(cast.national)
    response = client.get(reverse("review_queue_national"), {"core": "pass"})
    counts = {value: n for value, _label, n in response.context["counts"]}
    expected = Application.objects.filter(ever_recommended=True, core_pass=True).count()
    assert sum(counts.values()) == expected
    assert "submitted" not in counts  # never reached NDRC


def test_tier_and_core_pass_are_copied_from_the_submission(submitted_with_energy):
    application = submitted_with_energy()
    result = application.submissions.last().snapshot["calculations"][-1]["result"]
    assert application.tier == result["tier"] and application.tier
    assert application.core_pass == result["core_pass"]
    # Stored to six places for sorting and filtering; the exact value stays in the snapshot.
    assert application.intensity == Decimal(result["intensity"]).quantize(Decimal("0.000001"))


def test_export_neutralises_cells_that_would_run_as_formulas(client, cast):
    batch = generate(3)
    for name in ['=HYPERLINK("http://evil")', "+1+2", "-3-4", "@SUM(A1)"]:
        park = ParkFactory(name=name, province=cast.park_c.province)
        Application.objects.create(
            park=park, batch=batch, status="recommended", ever_recommended=True, submission_count=1
        )
    client.force_login(cast.national)
    csv_text = client.get(reverse("review_queue_export", args=["national", "csv"])).content
    rows = list(csv.reader(io.StringIO(csv_text.decode("utf-8-sig"))))
    names = {row[1] for row in rows[1:]}
    for bad in ('=HYPERLINK("http://evil")', "+1+2", "-3-4", "@SUM(A1)"):
        assert bad not in names and "'" + bad in names
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("review_queue_export", args=["national", "xlsx"])).content)
    )
    cells = [row[1] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert not any(isinstance(c, str) and c[:1] in "=+-@" for c in cells)


def test_export_keeps_the_queues_filters(client, cast):
    generate(40)
    client.force_login(cast.national)
    response = client.get(
        reverse("review_queue_export", args=["national", "csv"]), {"status": "approved"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert rows and len(rows) == Application.objects.filter(status="approved").count()


def test_assigned_reviewer_sees_it_under_assigned_to_me(client, cast):
    generate(10)
    expert = UserFactory(username="expert", role=Role.EXPERT)
    application = Application.objects.filter(status="under_national_review").first()
    reviews.assign(cast.national, application, expert, "expert")
    client.force_login(expert)
    shown = list(client.get(reverse("review_queue_mine")).context["page"].object_list)
    assert shown == [application]
    client.force_login(cast.national)
    assert list(client.get(reverse("review_queue_mine")).context["page"].object_list) == []


def test_queue_filters_by_assigned_reviewer(client, cast):
    generate(20)
    expert = UserFactory(username="expert", role=Role.EXPERT)
    application = Application.objects.filter(status="recommended").first()
    reviews.assign(cast.national, application, expert, "expert")
    client.force_login(cast.national)
    page = client.get(reverse("review_queue_national"), {"assignee": expert.pk}).context["page"]
    assert list(page.object_list) == [application]
