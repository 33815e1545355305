"""The acceptance letter and the certificate of a national zero-carbon park are official letters
like the others: numbered, rendered once, sealed whole by NDRC (validated with pyHanko directly,
against the test session's authority), downloadable by the park and verifiable in public."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from applications import seals, workflow
from applications.models import LetterKind, LetterStatus

from .conftest import AT_THRESHOLD_GRID_MWH, enter_year

pytestmark = pytest.mark.django_db

NDRC = "国家发展和改革委员会"


@pytest.fixture
def designated(cast, approved_programme, django_capture_on_commit_callbacks):
    programme = approved_programme()
    enter_year(cast.park_a, 2025, AT_THRESHOLD_GRID_MWH)
    workflow.request_self_assessment(cast.applicant_a, programme)
    workflow.put_forward(cast.provincial_a, programme, year=2025, report="自评估报告")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.accept(cast.national, programme, "同意通过评估验收。")
    return programme


WORDS = {
    LetterKind.ACCEPTANCE: ("评估验收意见书", "通过评估验收", "自评估报告", "单位能耗碳排放"),
    LetterKind.CERTIFICATE: ("国家级零碳园区", "证书编号", "0.2000"),
}


def test_the_acceptance_letter_and_the_certificate_are_sealed_whole_by_ndrc(
    client, cast, designated
):
    # One designated park for both documents (rendering is the expensive part).
    for kind, words in WORDS.items():
        _check(client, cast, designated, kind, words)


def _check(client, cast, designated, kind, words) -> None:
    from pypdf import PdfReader

    letter = designated.application.letters.get(kind=kind)
    assert letter.status == LetterStatus.READY, letter.error
    client.force_login(cast.applicant_a)
    response = client.get(reverse("letter_download", args=[letter.application_id, letter.pk]))
    assert response.status_code == 200
    pdf = b"".join(response.streaming_content)

    root = load_cert_from_pemder(str(Path(settings.ZCP_SIGNING_DIR) / "ca.crt"))
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    status = seals.off_loop(
        lambda: validate_pdf_signature(signatures[0], ValidationContext(trust_roots=[root]))
    )
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["organization_name"] == NDRC
    assert letter.issuer == NDRC and letter.signer == NDRC
    assert hashlib.sha256(pdf).hexdigest() == letter.sha256

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(
        " ", ""
    )  # the certificate spaces its title
    for word in (designated.park.name, *words):
        assert word in text, word

    client.logout()
    html = client.get(reverse("letter_verify", args=[letter.verification_code])).content.decode()
    assert "电子签章有效" in html and "电子签章无效" not in html
    assert letter.get_kind_display() in html
