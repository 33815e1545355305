"""What each kind of letter says and its form (GB/T 9704-2012 as free fonts allow): one park with
a long name, 30 comments on each letter; page images made of each kind, the signature block never
alone on a page, the QR code decoded to the configured public address, PDF/A with metadata and a
valid pyHanko seal over it, reference numbers per issuing body without zero padding."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.db import transaction
from PIL import Image

from applications import letters, rubric, workflow
from applications.models import Letter, ReviewComment, ReviewScore
from tests.applications.builders import complete_application, drive_to, open_batch
from tests.reviews.conftest import add_energy_data
from tests.reviews.test_letter_seal import _validate

pytestmark = pytest.mark.django_db

LONG_NAME = "某某省某某市国家级经济技术开发区零碳产业示范园区（含高新技术产业园中园及综合保税区）"
PUBLIC = "https://zcp.example.gov.cn"
COMMENT = (
    "第{n}条：请补充园区能源消费数据的计量依据和统计口径说明，核实外购电力、热力的"
    "计量点位与结算凭证，并说明重点用能企业在线监测覆盖情况。"
)


def _comment(application, author, count: int) -> None:
    ReviewComment.objects.bulk_create(
        ReviewComment(
            application=application, author=author, visibility="public", text=COMMENT.format(n=n)
        )
        for n in range(1, count + 1)
    )


@pytest.fixture
def three_letters(cast, settings, django_capture_on_commit_callbacks):
    """A 推荐函 and a 评审意见书 for park A (long name) and a 整改意见 for park B, each with 30
    comments of its issuing side, rendered and sealed."""
    settings.ZCP_PUBLIC_BASE_URL = PUBLIC
    cast.park_a.name = LONG_NAME
    cast.park_a.save(update_fields=["name"])
    batch = open_batch()
    add_energy_data(cast.park_a, batch.year - 1)
    a = drive_to(complete_application(cast.park_a, cast.applicant_a, batch), "submitted", cast)
    b = drive_to(complete_application(cast.park_b, cast.applicant_b, batch), "submitted", cast)
    _comment(a, cast.provincial_a, 30)
    _comment(b, cast.provincial_a, 30)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.recommend(cast.provincial_a, a, "该园区产业代表性强，同意推荐。")
        workflow.return_for_revision(
            cast.provincial_a,
            b,
            "请按意见补充材料。",
            section_comments={"energy": "补充近三年能源消费数据。"},
        )
        workflow.start_national_review(cast.national, a)
    _comment(a, cast.national, 30)
    a.refresh_from_db()
    values = {
        "representativeness": 85,
        "demonstration": 80,
        "reduction_potential": 78,
        "feasibility": 90,
    }
    criteria = rubric.default_criteria()
    ReviewScore.objects.create(
        application=a,
        reviewer=cast.national,
        submission_number=a.submission_count,
        criteria=[c.as_stored() for c in criteria],
        values=values,
        weighted_total=rubric.weighted_total(criteria, values),
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(cast.national, a, "同意纳入建设名单。")
    found = {letter.kind: letter for letter in Letter.objects.filter(status="ready")}
    assert set(found) == {"assessment", "recommendation", "revision"}
    return found


def _pages(pdf: Path) -> list[str]:
    count = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


SIGNATURE_ONLY = set(
    "国家发展和改革委员会江苏省年月日★扫码核验地址：0123456789 /-_.:"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ—"
)


def test_each_kind_says_what_it_must_in_official_form_with_no_page_holding_only_the_signature(
    three_letters, tmp_path
):
    says = {
        "assessment": [
            "发改环资〔2025〕910号",
            "评分情况",
            "产业代表性",
            "85.0",
            "81.9",
            "吨标准煤",
            "档",
            "建设期",
            "工作指导",
            "自评估",
            "评估验收",
            "第30条",
        ],
        "recommendation": [
            "会同",
            "工业和信息化",
            "能源主管部门",
            "推荐顺序",
            "不超过 2 个",
            "省级意见",
            "同意推荐",
            "第30条",
        ],
        "revision": ["1. 【能源供应、消费及碳排放】", "总体意见", "前完成整改", "第30条"],
    }
    for kind, letter in three_letters.items():
        path = tmp_path / f"{kind}.pdf"
        with letters.open_pdf(letter) as handle:
            path.write_bytes(handle.read())
        # Page images of each kind, to look at (kept under the test's tmp_path).
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / kind)], check=True
        )
        pages = _pages(path)
        text = "".join(pages).replace("\n", "").replace(" ", "")
        for words in says[kind]:
            assert words.replace(" ", "") in text, (kind, words)
        assert "0001号" not in text and letter.reference in text
        assert re.search(r"—\s*1\s*—", pages[0]) and re.search(rf"—\s*{len(pages)}\s*—", pages[-1])
        for number, page in enumerate(pages, start=1):
            body = [
                line
                for line in page.splitlines()
                if line.strip()
                and not set(line.strip()) <= SIGNATURE_ONLY
                and letter.verification_code not in line
                and LONG_NAME not in line
            ]
            assert body, f"{kind}: page {number} holds only the signature block:\n{page}"
        assert len(pages) > 1, kind  # 30 comments do cross a page break


def test_the_qr_code_of_each_kind_reads_as_the_configured_public_address(three_letters, tmp_path):
    for kind, letter in three_letters.items():
        path = tmp_path / f"{kind}.pdf"
        with letters.open_pdf(letter) as handle:
            path.write_bytes(handle.read())
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "150",
                "-png",
                "-f",
                "1000",
                str(path),
                str(tmp_path / f"{kind}-hi"),
            ],
            check=False,
        )
        images = sorted(tmp_path.glob(f"{kind}-hi*.png")) or []
        if not images:  # -f beyond the last page renders nothing: take the last page itself
            count = len(_pages(path))
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "150",
                    "-png",
                    "-f",
                    str(count),
                    "-l",
                    str(count),
                    str(path),
                    str(tmp_path / f"{kind}-hi"),
                ],
                check=True,
            )
            images = sorted(tmp_path.glob(f"{kind}-hi*.png"))
        # Only QR codes: a line of the letter's text can pass for a one-dimensional barcode.
        page = Image.open(images[-1])
        codes = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
        found = [code.text for code in codes]
        assert found == [f"{PUBLIC}/verify/{letter.verification_code}/"], kind


def test_each_kind_is_pdf_a_with_metadata_and_its_seal_validates(three_letters):
    from pypdf import PdfReader

    for kind, letter in three_letters.items():
        with letters.open_pdf(letter) as handle:
            pdf = handle.read()
        _signature, status = _validate(pdf)
        assert status.intact and status.valid and status.trusted, kind
        reader = PdfReader(__import__("io").BytesIO(pdf))
        xmp = reader.xmp_metadata
        assert xmp is not None and xmp.pdfaid_part == "2" and xmp.pdfaid_conformance == "B"
        info = reader.metadata
        assert info.author == letter.issuer and letter.reference in (info.get("/Keywords") or "")
        assert info.title.endswith(letter.reference)


def test_reference_numbers_are_counted_per_issuing_body_without_zero_padding(cast):
    with transaction.atomic():
        first = letters.allocate_reference("ndrc", 2031)
        second = letters.allocate_reference("ndrc", 2031)
        jiangsu = letters.allocate_reference("drc-32", 2031)
    assert first == (1, "发改环资〔2031〕1号") and second == (2, "发改环资〔2031〕2号")
    assert jiangsu == (1, "苏发改环资〔2031〕1号")


def test_the_agency_code_is_configurable(settings):
    settings.ZCP_LETTER_AGENCY_CODES = {"drc-32": "苏发改资环"}
    with transaction.atomic():
        assert letters.allocate_reference("drc-32", 2032)[1] == "苏发改资环〔2032〕1号"
