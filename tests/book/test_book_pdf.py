"""The printable 申报书: labels and values read back from the PDF, a table of contents with page
numbers, downloadable by the park and its reviewers, and inside the dossier."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from applications import book, book_pdf, sections
from applications.models import Application, User, ZoneLevel
from zcparks import numbers


@pytest.fixture
def submitted(db) -> Application:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return (
        Application.objects.filter(submissions__isnull=False, park__name="苏北示范零碳产业园")
        .select_related("park__province", "batch")
        .distinct()
        .get()
    )


def _text(pdf: bytes) -> tuple[str, list[str]]:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return re.sub(r"\s+", "", "".join(pages)), pages


def test_the_pdf_holds_every_section_title_the_labels_and_the_values(submitted):
    submission = submitted.submissions.order_by("-number").first()
    text, pages = _text(book_pdf.render(submitted, submission))
    snapshot = submission.snapshot["sections"]
    assert "国家级零碳园区申报书" in text and submitted.park.name in text
    for section in sections.SECTIONS:
        assert re.sub(r"\s+", "", str(section.title)) in text
    assert "园区级别" in text and str(ZoneLevel(snapshot["basic"]["zone_level"]).label) in text
    assert "已获得地方政府和园区企业支持" in text  # a boolean by its label, its value 是
    assert "加快园区用能结构转型" in text and "新增光伏80MW" in text
    project = snapshot["key_tasks"]["projects"][0]
    assert project["name"] in text and numbers.money(project["investment"]) in text
    assert "gov_support" not in text and "zone_level" not in text and '{"' not in text
    # Indicators in the one number format.
    calc = max(
        (c for c in submission.snapshot["calculations"] if c.get("result")),
        key=lambda c: c["year"],
    )
    assert numbers.intensity(calc["result"]["intensity"]) in text
    assert numbers.share(calc["result"]["guiding"]["clean_energy"]["value"]) in text
    # The table of contents names each section with the page it starts on.
    toc = re.sub(r"\s+", "", pages[1])
    assert "目录" in toc
    assert re.search(r"园区基本情况\.*3", toc), toc
    assert len(pages) > len(sections.SECTIONS)


def test_no_book_key_is_printed_in_the_pdf(submitted):
    text, _pages = _text(book_pdf.render(submitted, submitted.submissions.first()))
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    assert not words & (book.all_keys() | book.choice_codes()) - {"MW"}


def test_the_park_and_its_province_download_it_another_park_cannot(client, submitted):
    url = reverse("application_book", args=[submitted.pk])
    for username in ("park_subei", "prov_jiangsu", "admin"):
        client.force_login(User.objects.get(username=username))
        response = client.get(url)
        assert response.status_code == 200, username
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
    client.force_login(User.objects.get(username="park_xibu"))
    assert client.get(url).status_code == 404


def test_the_dossier_holds_the_book_of_each_submission(client, submitted):
    client.force_login(User.objects.get(username="park_subei"))
    response = client.get(reverse("application_dossier", args=[submitted.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    numbers_ = sorted(s.number for s in submitted.submissions.all())
    for n in numbers_:
        pdf = archive.read(f"submissions/{n}-application-book.pdf")
        assert submitted.park.name in _text(pdf)[0]


def test_the_overview_and_submission_pages_link_the_book(client, submitted):
    client.force_login(User.objects.get(username="park_subei"))
    number = submitted.submissions.first().number
    link = f"{reverse('application_book', args=[submitted.pk])}?submission={number}"
    detail = client.get(reverse("application_detail", args=[submitted.pk])).content.decode()
    page = client.get(reverse("application_submission", args=[submitted.pk, number]))
    assert link in detail and link in page.content.decode()


def test_the_book_of_a_declared_submission_ends_with_the_declaration(submitted):
    from applications.models import DECLARATION

    submission = submitted.submissions.order_by("-number").first()
    assert submission.declaration == DECLARATION  # the demo submits as a park would
    text, pages = _text(book_pdf.render(submitted, submission))
    assert re.sub(r"\s+", "", DECLARATION) in re.sub(r"\s+", "", pages[-1])
    assert "承诺书" in re.sub(r"\s+", "", pages[1])  # in the table of contents
