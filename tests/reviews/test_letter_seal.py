"""Letters are sealed by their issuing body (PAdES, pyHanko) and the seal is checked in public.

The signatures are validated here with pyHanko directly, against the demo authority of the test
session, not through the application's own checking code.
"""

from __future__ import annotations

import copy
import hashlib
import io
import logging
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from applications import letters, seals, workflow
from applications.demo_seals import issuing_bodies
from applications.models import Letter, LetterStatus
from applications.models.people import read_provinces

pytestmark = pytest.mark.django_db

NDRC = "国家发展和改革委员会"
JIANGSU_DRC = "江苏省发展和改革委员会"


def _rendered(application, kind: str) -> Letter:
    """The letter of this kind, rendered by the door the worker uses."""
    letter = application.letters.get(kind=kind)
    return letters.generate(letter.pk)


def _download(client, user, letter: Letter) -> bytes:
    client.force_login(user)
    response = client.get(reverse("letter_download", args=[letter.application_id, letter.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _validate(pdf: bytes):
    root = load_cert_from_pemder(str(Path(settings.ZCP_SIGNING_DIR) / "ca.crt"))
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    # Off the loop a browser test of the same worker may have left running, as the product does.
    return signatures[0], seals.off_loop(
        lambda: validate_pdf_signature(signatures[0], ValidationContext(trust_roots=[root]))
    )


class _Letters(dict):
    """Each kind's (letter, reader, issuing body), built and rendered the first time a test
    asks for it: a test of one kind pays for that kind's application and rendering alone."""

    def __init__(self, build):
        super().__init__()
        self._build = build

    def __missing__(self, kind: str):
        self[kind] = self._build(kind)
        return self[kind]


@pytest.fixture
def letter_of_each_kind(cast, submitted_with_energy, django_capture_on_commit_callbacks):
    """A recommendation and an assessment (park A, through NDRC approval) and a revision
    notice (park B, returned by the province), each rendered when first asked for."""
    applications = {}

    def approved():
        if "approved" not in applications:
            application = submitted_with_energy()
            with django_capture_on_commit_callbacks(execute=True):
                workflow.approve(cast.national, application, "同意纳入建设名单。")
            applications["approved"] = application
        return applications["approved"]

    def build(kind: str):
        if kind == "assessment":
            return (_rendered(approved(), "assessment"), cast.applicant_a, NDRC)
        if kind == "recommendation":
            return (_rendered(approved(), "recommendation"), cast.applicant_a, JIANGSU_DRC)
        returned = submitted_with_energy(
            park=cast.park_b, applicant=cast.applicant_b, status="returned"
        )
        return (_rendered(returned, "revision"), cast.applicant_b, JIANGSU_DRC)

    return _Letters(build)


@pytest.mark.parametrize("kind", ["assessment", "recommendation", "revision"])
def test_each_kind_of_letter_downloaded_is_sealed_whole_by_its_issuing_body(
    client, letter_of_each_kind, kind
):
    letter, reader, body = letter_of_each_kind[kind]
    pdf = _download(client, reader, letter)

    signature, status = _validate(pdf)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["organization_name"] == body
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert letter.issuer == body and letter.signer == body
    # What the verification page vouches for is the file a reader downloads.
    assert hashlib.sha256(pdf).hexdigest() == letter.sha256
    assert len(pdf) == letter.size


def test_the_seal_is_a_visible_field_on_the_page_with_the_issuer_and_date(
    client, cast, letter_of_each_kind
):
    from pypdf import PdfReader

    letter, reader, body = letter_of_each_kind["assessment"]
    pdf = PdfReader(io.BytesIO(_download(client, reader, letter)))
    widgets = [
        (number, annot.get_object())
        for number, page in enumerate(pdf.pages)
        for annot in page.get("/Annots") or []
        if annot.get_object().get("/FT") == "/Sig"
    ]
    assert len(widgets) == 1
    number, widget = widgets[0]
    left, bottom, right, top = (float(v) for v in widget["/Rect"])
    # About the 42 mm of a round seal (119 pt), not an invisible zero-size field.
    assert 110 < right - left < 130 and 110 < top - bottom < 130
    text = pdf.pages[number].extract_text()
    date = letters.timezone.localtime(letter.issued_at).date()
    assert body in text and f"{date.year}年{date.month}月{date.day}日" in text
    # The signature block keeps company: the page holds some of the letter's text too.
    seal_and_block = set(body) | set("★ /0123456789年月日")  # arc, star, date, page number
    rest = [
        line
        for line in text.splitlines()
        if not set(line) <= seal_and_block
        and line != body
        and "核验" not in line
        and letter.verification_code not in line
    ]
    assert sum(len(line) for line in rest) >= 10, text


def test_verification_page_says_the_seal_is_valid_with_signer_and_time(client, letter_of_each_kind):
    letter, _reader, body = letter_of_each_kind["recommendation"]
    client.logout()
    page = client.get(reverse("letter_verify", args=[letter.verification_code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "电子签章有效" in html and "电子签章无效" not in html
    assert f"由{body}签章" in html
    _signature, status = _validate((Path(settings.PRIVATE_STORAGE_ROOT) / letter.file).read_bytes())
    signed = letters.timezone.localtime(status.signer_reported_dt)
    assert signed.strftime("%Y-%m-%d %H:%M") in html


def test_a_tampered_file_is_reported_invalid_on_the_verification_page(client, letter_of_each_kind):
    letter, _reader, _body = letter_of_each_kind["assessment"]
    path = Path(settings.PRIVATE_STORAGE_ROOT) / letter.file
    original = path.read_bytes()
    # One word of the letter changed, same length: the file still opens, but is not what
    # was sealed.
    assert original.count(b"WeasyPrint") >= 1
    path.write_bytes(original.replace(b"WeasyPrint", b"WeasyPrinT", 1))
    _signature, status = _validate(path.read_bytes())
    assert not status.intact  # the test's tampering really breaks the signature

    html = client.get(reverse("letter_verify", args=[letter.verification_code])).content.decode()
    assert "电子签章无效" in html and "电子签章有效" not in html
    assert 'data-testid="digest-mismatch"' in html
    assert "该文书真实有效" not in html


def test_a_body_without_its_key_gets_no_letter_until_the_key_is_there(
    client,
    cast,
    settings,
    tmp_path,
    signing_dir,
    submitted_with_energy,
    django_capture_on_commit_callbacks,
    caplog,
):
    keys = tmp_path / "keys"
    shutil.copytree(signing_dir, keys)
    (keys / "ndrc.key").unlink()
    settings.ZCP_SIGNING_DIR = str(keys)
    application = submitted_with_energy()
    with (
        caplog.at_level(logging.ERROR, logger="applications.seals"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        workflow.approve(cast.national, application, "同意")
    letter = application.letters.get(kind="assessment")
    assert letter.status == LetterStatus.FAILED  # 生成失败, never an unsealed file
    assert "签章密钥缺失" in letter.error and "ndrc.key" in letter.error
    assert letter.file == "" and letter.sha256 == "" and letter.signer is None
    assert not list((Path(settings.PRIVATE_STORAGE_ROOT) / letters.LETTER_DIR).rglob("*.pdf"))
    assert any("ndrc" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)

    shutil.copy(signing_dir / "ndrc.key", keys / "ndrc.key")
    client.force_login(cast.national)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("letter_retry", args=[application.pk, letter.pk]))
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY and letter.signer == NDRC
    _signature, status = _validate(_download(client, cast.applicant_a, letter))
    assert status.bottom_line


def test_make_demo_seals_gives_every_body_a_key_and_never_replaces_one(tmp_path):
    folder = tmp_path / "seals"
    call_command("make_demo_seals", dir=folder, stdout=io.StringIO())
    stems = {body for body, _name in issuing_bodies()}
    assert len(stems) == 1 + len(read_provinces())
    assert {"ndrc", "drc-32", "drc-65"} <= stems
    assert all(
        (folder / f"{stem}.key").is_file() and (folder / f"{stem}.crt").is_file() for stem in stems
    )
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    (folder / "drc-65.key").unlink()
    (folder / "drc-65.crt").unlink()

    out = io.StringIO()
    call_command("make_demo_seals", dir=folder, stdout=out)
    after = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert "drc-65" in out.getvalue()
    assert after["drc-65.key"] != before["drc-65.key"]  # only the missing body is made anew
    assert {k: v for k, v in after.items() if not k.startswith("drc-65")} == {
        k: v for k, v in before.items() if not k.startswith("drc-65")
    }
    assert oct((folder / "ndrc.key").stat().st_mode & 0o777) == "0o600"

    out = io.StringIO()
    call_command("make_demo_seals", dir=folder, stdout=out)
    assert "nothing changed" in out.getvalue()


def _laid_out_lines(page) -> list[str]:
    """The text of one laid-out page (WeasyPrint's boxes), a line of the layout at a time,
    the page's margin boxes (its number) included."""
    from weasyprint.formatting_structure import boxes

    lines: list[str] = []

    def walk(box) -> None:
        if isinstance(box, boxes.LineBox):
            lines.append("".join(t.text for t in box.descendants() if isinstance(t, boxes.TextBox)))
            return
        for child in getattr(box, "children", ()):
            walk(child)

    walk(page._page_box)
    return lines


def test_the_signature_block_never_stands_alone_on_the_last_page(
    cast, submitted_with_energy, django_capture_on_commit_callbacks
):
    """A long park name and one more public comment at a time push the end of the letter
    across a page break somewhere between 1 and 30 comments; at no count may the last page
    hold only the signature block, the seal and the verification lines.

    Each count is laid out by the letter's own renderer (`letters.render_document`) and its
    last page read from the layout: the pages are what is checked, and writing, sealing and
    parsing a PDF for each count (two thirds of the cost) changes none of them. At the first
    count past the page break and at the last count the sealed file itself is read as well,
    and must have the same pages and the same last-page text."""
    from pypdf import PdfReader

    cast.park_a.name = "某某省某某市国家级经济技术开发区零碳产业示范园区（名称较长的园区）"
    cast.park_a.save(update_fields=["name"])
    application = submitted_with_energy()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(cast.national, application, "同意纳入建设名单。")
    letter = application.letters.get(kind="assessment")
    block = set(NDRC) | set("★ /0123456789年月日")

    def rest(lines: list[str]) -> list[str]:
        return [
            line
            for line in lines
            if not set(line) <= block
            and line != NDRC
            and "核验" not in line
            and letter.verification_code not in line
        ]

    pages_seen: list[int] = []
    comments = []
    for count in range(1, 31):
        # A letter states the comments made before it was issued (its frozen record): each
        # count renders the same letter with one more in its record, never saved.
        comments.append(f"第{count}条：请补充园区能源消费数据的计量依据和统计口径说明。")
        variant = copy.copy(letter)
        variant.content = {**letter.content, "comments": list(comments)}
        document = letters.render_document(variant)
        last = _laid_out_lines(document.pages[-1])
        assert rest(last), (count, last)
        pages_seen.append(len(document.pages))
        if count == 30 or (count > 1 and pages_seen[-1] != pages_seen[-2]):
            # The sealed file a reader gets has these pages and this last page.
            pdf = PdfReader(io.BytesIO(letters.render_pdf(variant)))
            assert len(pdf.pages) == len(document.pages)
            printed = pdf.pages[-1].extract_text()
            assert rest(printed.splitlines()), (count, printed)
            assert "".join(rest(printed.splitlines())).replace(" ", "") == "".join(
                rest(last)
            ).replace(" ", ""), (count, printed, last)
    assert len(set(pages_seen)) > 1  # the scan really crossed a page break


def test_a_key_filed_under_the_wrong_body_seals_nothing(
    settings, tmp_path, signing_dir, letter_of_each_kind
):
    letter, _reader, _body = letter_of_each_kind["recommendation"]  # sealed with the right key
    keys = tmp_path / "keys"
    shutil.copytree(signing_dir, keys)
    for suffix in ("key", "crt"):  # Anhui's key and certificate filed as Jiangsu's
        shutil.copy(signing_dir / f"drc-34.{suffix}", keys / f"drc-32.{suffix}")
    settings.ZCP_SIGNING_DIR = str(keys)
    with pytest.raises(seals.SealUnavailable, match="不一致"):
        letters.render_pdf(letter)


def test_a_file_sealed_validly_by_another_body_is_not_this_letter(client, letter_of_each_kind):
    from weasyprint import HTML

    letter, _reader, _body = letter_of_each_kind["recommendation"]  # issued by Jiangsu
    document = HTML(
        string='<p>江苏省发展和改革委员会</p><div id="seal" style="width:40mm;height:40mm"></div>'
    ).render()
    forged = seals.sign(
        document.write_pdf(),
        "drc-34",
        letters._seal_box(document),
        "test",
        "安徽省发展和改革委员会",
    )
    _signature, status = _validate(forged)
    assert status.bottom_line  # a good seal, of Anhui
    (Path(settings.PRIVATE_STORAGE_ROOT) / letter.file).write_bytes(forged)

    html = client.get(reverse("letter_verify", args=[letter.verification_code])).content.decode()
    assert "电子签章无效" in html and "电子签章有效" not in html


def test_sealing_and_checking_work_where_an_event_loop_is_running(signing_dir):
    """pyHanko runs its own event loop; a thread that already runs one (an async server, a
    browser test) must still be able to seal and check."""
    import asyncio

    from weasyprint import HTML

    document = HTML(
        string=f'<p>{NDRC}</p><div id="seal" style="width:40mm;height:40mm"></div>'
    ).render()

    async def inside_a_loop():
        sealed = seals.sign(document.write_pdf(), "ndrc", letters._seal_box(document), "test", NDRC)
        return sealed, seals.check(sealed, NDRC)

    sealed, result = asyncio.run(inside_a_loop())
    assert result.valid and result.signer == NDRC
    assert _validate(sealed)[1].bottom_line
