"""The acceptance letter and the certificate are letters like the others: what they state is
frozen at issue in the letter record, the PDF, the verification page and a reissue render that
record only; the letter is in the GB/T 9704 form with its signature block never alone on a page,
both are PDF/A sealed by NDRC (validated with pyHanko directly) with a QR code to the configured
public address. One designated park with a long name and long conditions serves each test."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
import zxingcpp
from django.db import transaction
from django.template.loader import render_to_string
from django.test import TestCase, override_settings
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from applications import acceptance_experts, effects, letter_content, letters, workflow
from applications.models import ConstructionProgramme, Letter, LetterKind, Park, Province, Role
from applications.models.people import read_provinces
from tests.conftest import Cast
from tests.factories import ParkFactory, UserFactory, province
from tests.programme import builders
from tests.reviews.test_letter_form import LONG_NAME, PUBLIC, SIGNATURE_ONLY, _pages
from tests.reviews.test_letter_seal import _validate

from .conftest import ABOVE_THRESHOLD_GRID_MWH, AT_THRESHOLD_GRID_MWH, enter_year

pytestmark = pytest.mark.django_db

YEAR = 2025
CONDITIONS = "\n".join(
    f"{n}. 请在一年内完成第{n}项整改：完善园区能源计量和碳排放监测体系，补齐重点用能企业在线监测，"
    "按季度向省级发展改革委报送整改进展。"
    for n in range(1, 9)
)
REPORT = "经组织专家现场核查和资料审核，园区建设期内各项目标任务基本完成。" * 12
# What each document states that a renaming or new data must not change.
STATED = ("park", "decision", "core", "indicators", "acceptance", "issuer", "title", "batch")


def make_cast() -> Cast:
    """The conftest's cast, made once for the module."""
    jiangsu, anhui = province("32"), province("34")
    park_a = ParkFactory(name="甲园区", province=jiangsu)
    park_b = ParkFactory(name="乙园区", province=jiangsu)
    park_c = ParkFactory(name="丙园区", province=anhui)
    return Cast(
        park_a=park_a,
        park_b=park_b,
        park_c=park_c,
        applicant_a=UserFactory(username="applicant_a", role=Role.APPLICANT, park=park_a),
        applicant_b=UserFactory(username="applicant_b", role=Role.APPLICANT, park=park_b),
        applicant_c=UserFactory(username="applicant_c", role=Role.APPLICANT, park=park_c),
        provincial_a=UserFactory(username="prov_js", role=Role.PROVINCIAL, province=jiangsu),
        provincial_other=UserFactory(username="prov_ah", role=Role.PROVINCIAL, province=anhui),
        national=UserFactory(username="national", role=Role.NATIONAL),
        expert=UserFactory(username="expert_a", role=Role.EXPERT),
        admin=UserFactory(username="admin", role=Role.ADMIN),
    )


@pytest.fixture(scope="module")
def module_files(tmp_path_factory):
    return tmp_path_factory.mktemp("acceptance-letters")


@pytest.fixture(scope="module")
def issued_once(django_db_setup, django_db_blocker, module_files, signing_dir):
    """Park A (long name) designated with conditions: its acceptance letter and certificate,
    rendered and sealed once for the module, inside a transaction rolled back at its end (each
    test runs in a savepoint of it)."""
    from zcparks.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with (
        django_db_blocker.unblock(),
        override_settings(
            PRIVATE_STORAGE_ROOT=module_files / "private",
            ZCP_SIGNING_DIR=str(signing_dir),
            ZCP_PUBLIC_BASE_URL=PUBLIC,
            CELERY_TASK_ALWAYS_EAGER=True,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        if not Province.objects.exists():
            Province.objects.bulk_create(Province(**row) for row in read_provinces())
        cast = make_cast()
        Park.objects.filter(pk=cast.park_a.pk).update(name=LONG_NAME)
        cast.park_a.refresh_from_db()
        programme = builders.approved_programme(cast)
        enter_year(cast.park_a, YEAR, AT_THRESHOLD_GRID_MWH)
        workflow.request_self_assessment(cast.applicant_a, programme)
        workflow.put_forward(cast.provincial_a, programme, year=YEAR, report=REPORT)
        # One expert scores the acceptance (through the experts' door) before NDRC decides.
        acceptance_experts.assign(cast.national, programme, cast.expert)
        acceptance_experts.declare_no_conflict(cast.expert, programme)
        values = {c.key: 80 + n for n, c in enumerate(acceptance_experts.criteria())}
        acceptance_experts.save_score(cast.expert, programme, values, "同意通过。")
        with TestCase.captureOnCommitCallbacks(execute=True):
            workflow.accept_with_conditions(cast.national, programme, CONDITIONS)
        found = {
            letter.kind: letter
            for letter in programme.application.letters.filter(
                kind__in=letter_content.AFTER_CONSTRUCTION
            )
        }
        for letter in found.values():
            assert letter.is_ready, letter.error
        # Park B does not pass: its letter is issued (its rendering left owed).
        other = builders.approved_programme(cast, park=cast.park_b, applicant=cast.applicant_b)
        enter_year(cast.park_b, YEAR, AT_THRESHOLD_GRID_MWH)
        workflow.request_self_assessment(cast.applicant_b, other)
        workflow.put_forward(cast.provincial_a, other, year=YEAR, report="自评估报告")
        with TestCase.captureOnCommitCallbacks(execute=False):
            workflow.not_accept(cast.national, other, "重点项目未按期建成，不予通过。")
        cast.not_passed = other.application.letters.get(kind=LetterKind.ACCEPTANCE)
        yield cast, programme, found[LetterKind.ACCEPTANCE], found[LetterKind.CERTIFICATE]
        transaction.set_rollback(True)
    app.conf.task_always_eager = eager


@pytest.fixture
def issued(issued_once, settings, module_files, _isolated_files, _tasks_run_inline):
    """The module's letters, with the module's files and public address for this test."""
    settings.PRIVATE_STORAGE_ROOT = module_files / "private"
    settings.ZCP_PUBLIC_BASE_URL = PUBLIC
    return issued_once


def _text(pdf: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace(" ", "").replace("\n", "")


def _stored(letter: Letter) -> bytes:
    with letters.open_pdf(letter) as handle:
        return handle.read()


def test_renaming_the_park_and_changing_its_data_after_issue_change_neither_page_pdf_nor_reissue(
    client, issued, django_capture_on_commit_callbacks
):
    cast, programme, letter, certificate = issued
    stated = {
        kind: {key: one.content[key] for key in STATED}
        for kind, one in (("letter", letter), ("certificate", certificate))
    }
    assert letter.content_version == letter_content.CONTENT_VERSION
    assert stated["letter"]["park"]["name"] == LONG_NAME
    assert stated["letter"]["core"]["year"] == YEAR
    assert stated["letter"]["core"]["threshold"] == "0.2000"
    assert stated["letter"]["core"]["energy_tce"] == "333,000.00"
    assert stated["letter"]["acceptance"]["conditions"] == CONDITIONS
    assert stated["certificate"]["acceptance"]["designation"]["intensity"] == "0.2000"
    scores = letter.content["scores"]
    assert scores["sheets"] == 1 and scores["rows"][0]["average"] == "80.0"
    assert len(scores["rows"]) == len(acceptance_experts.criteria())
    before = {one.pk: _stored(one) for one in (letter, certificate)}

    # After issue: the park renamed, the programme's period moved, the year's data changed.
    Park.objects.filter(pk=cast.park_a.pk).update(name="改名后的园区", management_body="新主体")
    ConstructionProgramme.objects.filter(pk=programme.pk).update(period_end=2030)
    enter_year(cast.park_a, YEAR, ABOVE_THRESHOLD_GRID_MWH)

    for one in (letter, certificate):
        page = client.get(reverse("letter_verify", args=[one.verification_code])).content.decode()
        assert LONG_NAME in page and "改名后的园区" not in page
        assert "0.2000" in page and "333,000.00" in page and "电子签章有效" in page
        assert _stored(one) == before[one.pk]
    letter_page = client.get(reverse("letter_verify", args=[letter.verification_code]))
    assert "请在一年内完成第8项整改" in letter_page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        new_letter = effects.reissue_letter(cast.national, letter, "更正送达单位")
        new_certificate = effects.reissue_letter(cast.national, certificate, "更正证书编号")
    for old, new, reason, kind in (
        (letter, new_letter, "更正送达单位", "letter"),
        (certificate, new_certificate, "更正证书编号", "certificate"),
    ):
        new.refresh_from_db()
        assert new.is_ready, new.error
        assert {key: new.content[key] for key in STATED} == stated[kind]
        assert new.content["replaces"] == {
            "reference": old.reference,
            "issued_on": old.content["issued_on"],
            "reason": reason,
        }
        text = _text(_stored(new))
        assert LONG_NAME[:20] in text and "改名后的园区" not in text and "新主体" not in text
        assert old.reference in text and reason in text and new.reference in text
        assert "2030" not in text
        page = client.get(reverse("letter_verify", args=[new.verification_code])).content.decode()
        assert old.reference in page and reason in page and LONG_NAME in page
        old_page = client.get(reverse("letter_verify", args=[old.verification_code]))
        assert "已被替代" in old_page.content.decode()


def test_only_ndrc_reissues_the_acceptance_letter_and_certificate_and_only_with_a_reason(issued):
    cast, _programme, letter, certificate = issued
    for one in (letter, certificate):
        for outsider in (cast.provincial_a, cast.provincial_other, cast.applicant_a, cast.expert):
            with pytest.raises(letters.LetterError):
                letters.reissue(outsider, one, "代为重新出具")
        with pytest.raises(letters.LetterError, match="原因"):
            letters.reissue(cast.national, one, " ")
    assert not Letter.objects.filter(replaces__in=[letter, certificate]).exists()


def _qr_codes(pdf: bytes, tmp_path, name: str) -> list[str]:
    """The QR codes on the last page, read from a 150 dpi image."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    last = len(PdfReader(io.BytesIO(pdf)).pages)
    prefix = tmp_path / f"{name}-page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", str(last), "-l", str(last), str(path), prefix],
        check=True,
    )
    image = Image.open(sorted(tmp_path.glob(f"{name}-page*.png"))[-1])
    return [c.text for c in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def test_the_downloaded_letter_and_certificate_are_official_sealed_pdf_a_with_a_qr_to_the_public_address(  # noqa: E501
    client, issued, tmp_path
):
    cast, _programme, letter, certificate = issued
    client.force_login(cast.applicant_a)
    for one in (letter, certificate):
        response = client.get(reverse("letter_download", args=[one.application_id, one.pk]))
        pdf = b"".join(response.streaming_content)
        _signature, status = _validate(pdf)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert (
            status.signing_cert.subject.native["organization_name"]
            == letter_content.NATIONAL_ISSUER
        )
        reader = PdfReader(io.BytesIO(pdf))
        xmp = reader.xmp_metadata
        assert xmp.pdfaid_part == "2" and xmp.pdfaid_conformance == "B"
        assert reader.metadata.author == one.issuer and one.reference in reader.metadata.title
        assert re.fullmatch(r"发改环资〔\d{4}〕[1-9]\d*号", one.reference)
        assert _qr_codes(pdf, tmp_path, one.kind) == [f"{PUBLIC}/verify/{one.verification_code}/"]
    assert len(PdfReader(io.BytesIO(_stored(certificate))).pages) == 1


def test_the_long_acceptance_letter_has_page_numbers_and_no_page_holding_only_the_signature(
    issued, tmp_path
):
    _cast, _programme, letter, _certificate = issued
    path = tmp_path / "acceptance.pdf"
    path.write_bytes(_stored(letter))
    # Page images to look at (kept under the test's tmp_path).
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = _pages(path)
    assert len(pages) > 1  # the long report and conditions cross a page break
    text = "".join(pages).replace("\n", "").replace(" ", "")
    for words in (
        "国家级零碳园区评估验收结果的函",
        "评估年度2025年",
        "吨标准煤",
        "≤0.2000",
        "有条件通过评估验收",
        "通过条件",
        "省级自评估",
        "专家评分",
        "核心指标达成",
        "特此函告",
    ):
        assert words in text, words
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"—\s*{number}\s*—", page), number
        body = [
            line
            for line in page.splitlines()
            if line.strip()
            and not set(line.strip()) <= SIGNATURE_ONLY
            and letter.verification_code not in line
            and LONG_NAME not in line
        ]
        assert body, f"page {number} holds only the signature block:\n{page}"


def test_a_letter_of_not_passing_states_the_conclusion_and_no_register_entry(issued):
    cast, _programme, _letter, _certificate = issued
    letter = cast.not_passed
    stated = letter.content["acceptance"]
    assert letter.decision == "未通过评估验收" and not stated["passed"]
    assert stated["designation"] is None and stated["conditions"] == ""
    assert stated["opinion"] == "重点项目未按期建成，不予通过。"
    assert letter.content["core"]["year"] == YEAR and letter.content["core"]["pass"] is True
    assert not letter.application.letters.filter(kind=LetterKind.CERTIFICATE).exists()
    html = render_to_string("letters/acceptance.html", letters.letter_context(letter))
    assert "未通过评估验收。重点项目未按期建成" in html and "列入国家级零碳园区名录" not in html
    assert "乙园区" in html and "指导园区对照评估验收意见继续推进建设" in html
