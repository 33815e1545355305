"""The assessment letter as a PDF: its text, its fonts, its storage."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from applications import letter_content, letters
from applications.models import LetterStatus

pytestmark = pytest.mark.django_db


def _pdf_path(letter) -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / letter.file


def _text(letter) -> str:
    return "".join(page.extract_text() for page in PdfReader(str(_pdf_path(letter))).pages)


def test_approval_renders_an_assessment_letter_with_park_indicators_and_decision(approved_letter):
    letter = approved_letter
    assert letter.status == LetterStatus.READY
    text = _text(letter)
    assert "甲园区" in text
    assert "评审意见书" in text
    assert "国家发展和改革委员会" in text
    assert "同意纳入国家级零碳园区建设名单" in text
    assert letter.reference in text
    calc = letter_content.latest_calculation(letter.application.submissions.last().snapshot)
    intensity = letter_content.indicator_rows(calc)[0]["value"]
    assert intensity != "—" and intensity in text


def test_reference_numbers_run_per_issuing_body_and_year_with_its_agency_code(approved_letter):
    year = approved_letter.year
    assert approved_letter.reference == f"发改环资〔{year}〕1号"  # GB/T 9704: no zero padding
    assert letters.allocate_reference("ndrc", year)[1] == f"发改环资〔{year}〕2号"
    # The province's recommendation on the way counts in the province's own series.
    recommendation = approved_letter.application.letters.get(kind="recommendation")
    assert recommendation.reference == f"苏发改环资〔{year}〕1号"
    assert letters.allocate_reference("drc-32", year)[1] == f"苏发改环资〔{year}〕2号"
    assert letters.allocate_reference("ndrc", 2031)[1] == "发改环资〔2031〕1号"


def test_letter_embeds_a_noto_cjk_font(approved_letter):
    listing = subprocess.run(
        ["pdffonts", str(_pdf_path(approved_letter))], capture_output=True, text=True, check=True
    ).stdout
    cjk = [
        line for line in listing.splitlines() if "Noto-Serif-CJK" in line or "Noto-Sans-CJK" in line
    ]
    assert cjk, listing
    assert all(" yes " in line for line in cjk), listing  # embedded (column "emb")


def test_first_page_shows_the_issuers_chinese_heading_in_ink(approved_letter, tmp_path):
    """The first page at 50 dpi: the red issuer mark (国家发展和改革委员会, 26 pt) must leave
    ink where it stands. With the CJK font missing the glyphs would be empty boxes or blanks and
    pdffonts (test above) would not list Noto; both together fail without the fonts."""
    from PIL import Image

    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(_pdf_path(approved_letter)),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    heading = page.crop((0, 65, page.width, 125)).tobytes()  # 天头 37 mm, then the mark
    dark = sum(1 for v in heading if v < 160)
    assert dark > 300, dark
    # The heading is ten glyphs wide: ink spread over the width, not one box.
    columns = {i % page.width for i, v in enumerate(heading) if v < 160}
    assert max(columns) - min(columns) > 150


def test_stored_letter_has_its_hash_and_is_never_rewritten(approved_letter):
    import hashlib

    path = _pdf_path(approved_letter)
    content = path.read_bytes()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == approved_letter.sha256
    again = letters.generate(approved_letter.pk)
    assert again.sha256 == approved_letter.sha256
    assert path.read_bytes() == content


def test_letter_carries_public_comments_only(
    cast, submitted_with_energy, django_capture_on_commit_callbacks
):
    from applications import reviews, workflow

    application = submitted_with_energy()
    reviews.add_comment(cast.national, application, "绿电直供比例高，示范意义突出。", "public")
    reviews.add_comment(cast.national, application, "内部：产值数据存疑", "internal")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(cast.national, application, "核心指标未达到要求。")
    letter = application.letters.get(kind="assessment")
    text = _text(letter)
    assert "示范意义突出" in text
    assert "产值数据存疑" not in text
    assert "不予纳入国家级零碳园区建设名单" in text


def test_revision_notice_lists_the_section_comments_under_their_titles(
    cast, submitted_with_energy, django_capture_on_commit_callbacks
):
    from applications import workflow

    application = submitted_with_energy(status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_for_revision(
            cast.provincial_a, application, "请按意见整改。", {"energy": "补充分品种能源消费数据"}
        )
    letter = application.letters.get(kind="revision")
    text = _text(letter)
    assert "整改意见" in text and "江苏省发展和改革委员会" in text
    assert "补充分品种能源消费数据" in text and "energy：" not in text
