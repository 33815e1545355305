"""The application records environmental and social benefits beside the economic ones (the
notice: 测算经济、环境、社会效益): declared once in the book, required for the section, entered in
its form and printed in the 申报书."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications import book, book_pdf, sections, services

from .builders import complete_application, open_batch

pytestmark = pytest.mark.django_db

BENEFITS = ("environmental_benefits", "social_benefits")


def test_the_book_declares_them_required_beside_the_economic_ones():
    fields = book.FIELDS_BY_KEY["economics"]
    for key in BENEFITS:
        assert fields[key].requirement == book.REQUIRED
    assert fields["co2_reduction_t"].kind == book.DECIMAL
    content = dict.fromkeys(("total_cost", "annual_return", "payback_years", "irr_percent"), "1")
    content |= {"cost_structure": "设备", "revenue_sources": "售电"}
    assert set(BENEFITS) <= set(sections.missing_fields("economics", content, False))


def test_they_are_entered_in_the_form_and_printed_in_the_book(cast, client):
    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    client.force_login(cast.applicant_a)
    url = reverse("application_section", args=[application.pk, "economics"])
    page = client.get(url).content.decode()
    assert "环境效益" in page and "社会效益" in page and "预计年二氧化碳减排量" in page
    data = dict(application.data["economics"])
    data |= {
        "environmental_benefits": "年减排二氧化碳约3万吨",
        "co2_reduction_t": "30000.5",
        "social_benefits": "新增就业岗位200个",
    }
    services.save_section(application, "economics", data)
    application.refresh_from_db()
    shown = {
        r.label: r.shown.as_text() for r in book.rows("economics", application.data["economics"])
    }
    assert shown["环境效益"] == "年减排二氧化碳约3万吨"
    assert shown["预计年二氧化碳减排量（tCO2）"] == "30,000.50"
    pdf = book_pdf.render(application, None)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "环境效益" in text and "新增就业岗位200个" in text
