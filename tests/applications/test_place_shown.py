"""The park's city or county (D47) goes wherever the park's province is shown for an application
(D53): frozen in the submission snapshot and shown from it on the review page and in the printed
book, on the overview page, in the API's park list and in the exports that list the province."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from applications import book_pdf, exports, services
from applications.models import Application, Park

from .builders import complete_application, drive_to

pytestmark = pytest.mark.django_db


def _name(park: Park, code: str) -> None:
    Park.objects.filter(pk=park.pk).update(division_code=code)
    park.refresh_from_db()


@pytest.fixture
def submitted(cast) -> Application:
    _name(cast.park_a, "320100")  # 南京市: the builders' boundary lies there
    application = complete_application(cast.park_a, cast.applicant_a)
    return drive_to(application, "submitted", cast)


def test_the_snapshot_freezes_the_code_and_its_label(submitted) -> None:
    park = submitted.submissions.get().snapshot["application"]["park"]
    assert park["province"] == "32"
    assert park["division_code"] == "320100" and park["division"] == "南京市"


def test_a_park_that_named_none_freezes_empty_values(cast) -> None:
    application = drive_to(complete_application(cast.park_b, cast.applicant_b), "submitted", cast)
    park = application.submissions.get().snapshot["application"]["park"]
    assert park["division_code"] == "" and park["division"] == ""
    assert services.snapshot_place(application.submissions.get().snapshot) == ""


def test_the_review_page_shows_the_place_as_submitted_not_as_changed_since(
    client, cast, submitted
) -> None:
    _name(cast.park_a, "320115")  # the park names a county, after submitting
    client.force_login(cast.provincial_a)
    html = client.get(reverse("review_detail", args=[submitted.pk])).content.decode()
    shown = re.search(r'data-testid="review-place">([^<]*)<', html).group(1)
    assert shown == "江苏省 南京市"


def test_a_snapshot_frozen_before_d53_shows_no_place(submitted) -> None:
    old = submitted.submissions.get().snapshot
    old = {**old, "application": {**old["application"], "park": {"id": 1, "province": "32"}}}
    assert services.snapshot_place(old) == ""
    assert services.snapshot_place({}) == ""


def test_the_overview_page_shows_the_parks_place_as_it_is_now(client, cast, submitted) -> None:
    _name(cast.park_a, "320115")
    client.force_login(cast.applicant_a)
    html = client.get(reverse("application_detail", args=[submitted.pk])).content.decode()
    shown = re.search(r'data-testid="application-place">([^<]*)<', html).group(1)
    assert shown == "江苏省 南京市 / 江宁区"


def test_the_printed_book_shows_the_frozen_place(cast, submitted) -> None:
    _name(cast.park_a, "320500")  # 苏州市, after submitting: the book keeps what was submitted
    submission = submitted.submissions.get()
    assert book_pdf.context(submitted, submission)["place"] == "南京市"
    pdf = book_pdf.render(submitted, submission)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    # The cover's terms come first, then their values.
    assert "所在省份所在市、县申报批次" in text and "江苏省南京市2025年第一批" in text
    assert "苏州市" not in text
    # A draft prints the park as it is now.
    assert book_pdf.context(submitted, None)["place"] == "苏州市"


def test_the_api_lists_the_parks_city_or_county(cast) -> None:
    _name(cast.park_a, "320115")
    client = APIClient()
    client.force_login(cast.national)
    parks = {p["id"]: p for p in client.get("/api/v1/parks/").json()["results"]}
    assert parks[cast.park_a.pk]["division_code"] == "320115"
    assert parks[cast.park_a.pk]["division_name"] == "南京市 / 江宁区"
    assert parks[cast.park_b.pk]["division_code"] == ""
    assert parks[cast.park_b.pk]["division_name"] == ""


def test_the_queue_export_has_a_column_for_it(submitted) -> None:
    header, row = exports.header(), exports.row(submitted)
    place = header.index("所在市、县")
    assert header[place - 1] == "省份"
    assert row[place - 1] == "江苏省" and row[place] == "南京市"


def test_the_score_table_export_has_a_column_for_it(submitted) -> None:
    table = SimpleNamespace(
        scorers=[],
        rows=[
            SimpleNamespace(
                application=submitted,
                cells=[],
                spread=SimpleNamespace(count=0, mean=None, range=None, std=None, median=None),
                outlier_names=[],
            )
        ],
    )
    header, row = list(exports.score_table_rows(table))
    place = header.index("所在市、县")
    assert header[place - 1] == "省份" and row[place] == "南京市"
