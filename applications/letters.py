"""Official letters: issued by a transition, numbered, rendered with WeasyPrint, stored once.

Flow: a transition whose effects include `issue_letter` calls `issue_for_event` inside its
transaction: the Letter row (reference number and verification code allocated here) and the
outbox row that owes its rendering commit with the decision. After commit the worker runs
`generate(letter_id)`, which renders the PDF, checks it and moves it into place atomically; the
row is marked ready only after the file is in place. A rendering lost with the broker or a
worker is sent again by the sweep (`tasks.sweep`).

Reference numbers are allocated under a lock on the (kind, year) counter row, so two decisions
at the same moment never share a number.

The record. When a letter is issued, everything it states (park, submission, decision, scores,
indicators, comments, issuer, date, reference) is frozen into `Letter.content` (format
`CONTENT_VERSION`) in the same transaction; the PDF, the verification page and a reissue read
that record and nothing else, so renaming the park or commenting afterwards changes no letter.
What each kind states is built by `letter_content` (the acceptance letter's and the
certificate's own part by `letter_content_acceptance`); this module issues, freezes, reissues,
renders and stores.
A reissue copies the record of the letter it replaces, with a new reference, date and code, the
reason given and the letter it replaces; only the issuing side may make it (`may_reissue`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import qrcode
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from zcparks.storage import private_storage

from . import outbox, permissions, seals
from .letter_content import (
    AFTER_CONSTRUCTION,
    CERTIFICATE_DECISION,
    CONTENT_VERSION,
    DECISIONS,
    NATIONAL_ISSUER,
    build_content,
    provincial_issuer,
)
from .letter_content_acceptance import acceptance_content
from .models import (
    Application,
    ApplicationEvent,
    EffectKind,
    Letter,
    LetterCounter,
    LetterKind,
    LetterStatus,
    RecommendationEntry,
    Role,
)

LETTER_DIR = "letters"
# Archives take PDF/A (WeasyPrint embeds the fonts, an sRGB output intent and XMP metadata from
# the template's title, author, description and keywords).
PDF_VARIANT = "pdf/a-2b"
REASON_MAX_LENGTH = 500
KIND_BY_ACTION = {
    "approve": LetterKind.ASSESSMENT,
    "reject": LetterKind.ASSESSMENT,
    "recommend": LetterKind.RECOMMENDATION,
    "return_for_revision": LetterKind.REVISION,
    "accept": LetterKind.ACCEPTANCE,
    "accept_with_conditions": LetterKind.ACCEPTANCE,
    "not_accept": LetterKind.ACCEPTANCE,
}


class LetterError(Exception):
    pass


def _official(text) -> str:
    """A letter is in the system's language (Chinese) whatever the issuer's interface language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


# --- Issuing -------------------------------------------------------------------------------------


def issuer_for(actor, application: Application) -> str:
    if actor.role == Role.PROVINCIAL:
        return provincial_issuer(application.park.province.name_zh)
    return NATIONAL_ISSUER


# 机关代字 of each issuing body in its reference numbers (发改环资〔2026〕12号): NDRC's
# Department of Resource Conservation and Environmental Protection, and each provincial DRC's
# the province's one-character name before it. settings.ZCP_LETTER_AGENCY_CODES (body → code)
# replaces any of them.
NATIONAL_AGENCY_CODE = "发改环资"


PROVINCE_ABBREVIATIONS = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "蒙",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川",
    "52": "黔",
    "53": "云",
    "54": "藏",
    "61": "陕",
    "62": "甘",
    "63": "青",
    "64": "宁",
    "65": "新",
}


def agency_code(body: str) -> str:
    configured = getattr(settings, "ZCP_LETTER_AGENCY_CODES", None) or {}
    if body in configured:
        return configured[body]
    if body == seals.NATIONAL_BODY:
        return NATIONAL_AGENCY_CODE
    province = body.removeprefix("drc-")
    return PROVINCE_ABBREVIATIONS.get(province, province) + NATIONAL_AGENCY_CODE


def allocate_reference(body: str, year: int) -> tuple[int, str]:
    """The issuing body's next number of the year, with its 机关代字 and no zero padding
    (GB/T 9704-2012 7.2.4); call inside a transaction."""
    counter, _created = LetterCounter.objects.get_or_create(body=body, year=year)
    counter = LetterCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"{agency_code(body)}〔{year}〕{counter.last}号"


def body_of(issuer: str, application: Application) -> str:
    return seals.body_for(issuer == NATIONAL_ISSUER, application.park.province.code)


def _new_letter(
    event: ApplicationEvent, kind: str, replaces: Letter | None = None, reason: str = ""
) -> Letter:
    application = event.application
    now = timezone.now()
    year = timezone.localtime(now).year
    if replaces is not None:
        # A reissue states what the letter it replaces stated, in that issuer's name.
        stated = record(replaces)
        issuer, decision = replaces.issuer, replaces.decision
    else:
        issuer = issuer_for(event.actor, application)
        decision = _official(
            CERTIFICATE_DECISION if kind == LetterKind.CERTIFICATE else DECISIONS[event.action]
        )
        stated = {**build_content(event, kind, issuer), "decision": decision}
    with transaction.atomic():
        sequence, reference = allocate_reference(body_of(issuer, application), year)
        code = secrets.token_urlsafe(12)
        content = {
            **stated,
            "reference": reference,
            "issued_on": timezone.localtime(now).date().isoformat(),
            "replaces": None
            if replaces is None
            else {
                "reference": replaces.reference,
                "issued_on": timezone.localtime(replaces.issued_at).date().isoformat(),
                "reason": reason,
            },
        }
        letter = Letter.objects.create(
            application=application,
            event=event,
            kind=kind,
            year=year,
            sequence=sequence,
            reference=reference,
            issuer=issuer,
            decision=decision,
            issued_at=now,
            verification_code=code,
            replaces=replaces,
            reason=reason,
            content=content,
            content_version=CONTENT_VERSION,
        )
        if replaces is not None:
            Letter.objects.filter(pk=replaces.pk).update(replaced_at=now)
        # Owed with the letter: rendered after commit, or by the sweep if that is lost.
        outbox.record(EffectKind.RENDER_LETTER, letter=letter)
    return letter


def issue_for_event(event: ApplicationEvent) -> Letter:
    """The letter of a decision, with its rendering owed; call inside the decision's
    transaction (the `issue_letter` effect of the transition table)."""
    kind = KIND_BY_ACTION[event.action]
    event = ApplicationEvent.objects.select_related("application__park__province", "actor").get(
        pk=event.pk
    )
    return _new_letter(event, kind)


def issue_certificate(event: ApplicationEvent) -> Letter:
    """The certificate of a national zero-carbon park, with its rendering owed; call inside the
    passing decision's transaction (the `issue_certificate` effect)."""
    event = ApplicationEvent.objects.select_related("application__park__province", "actor").get(
        pk=event.pk
    )
    return _new_letter(event, LetterKind.CERTIFICATE)


def is_national(letter: Letter) -> bool:
    return letter.issuer == NATIONAL_ISSUER


def reissue_permission(letter: Letter) -> str:
    """The permission that reissues this letter: the issuing side's own (a national reviewer
    never reissues a provincial letter in the province's name, nor a province NDRC's)."""
    return "reissue_letter" if is_national(letter) else "reissue_provincial_letter"


def may_reissue(user, letter: Letter) -> bool:
    return permissions.may(user, reissue_permission(letter), letter.application)


def reissue(user, letter: Letter, reason: str) -> Letter:
    """A new version with a new reference and code that replaces `letter` (marked replaced),
    stating what it stated and why it was reissued; its rendering is owed in the same
    transaction."""
    if not may_reissue(user, letter):
        raise LetterError(
            str(_("只有出具单位（%(issuer)s）的评审人员可以重新出具该文书。"))
            % {"issuer": letter.issuer}
        )
    if letter.is_replaced:
        raise LetterError(str(_("该文书已被替代，请重新出具最新版本。")))
    reason = (reason or "").strip()
    if not reason:
        raise LetterError(str(_("请填写重新出具的原因。")))
    if "\x00" in reason:  # PostgreSQL cannot store it
        raise LetterError(str(_("重新出具的原因不能包含空字符（NUL）。")))
    if len(reason) > REASON_MAX_LENGTH:
        raise LetterError(str(_("重新出具的原因不能超过 %(n)s 个字。")) % {"n": REASON_MAX_LENGTH})
    event = ApplicationEvent.objects.select_related("application__park__province", "actor").get(
        pk=letter.event_id
    )
    return _new_letter(event, letter.kind, replaces=letter, reason=reason)


def reissue_confirmation(letter: Letter) -> str:
    """What reissuing will do, said before it is done."""
    return str(
        _(
            "将重新出具%(kind)s %(reference)s：新文书内容与原文书出具时的记录相同，使用新的文号、"
            "日期和验证码，写明所替代的文书和重新出具的原因；原文书标记为“已被替代”。"
            "不另发通知邮件。此操作不能撤销。"
        )
    ) % {"kind": letter.get_kind_display(), "reference": letter.reference}


def retry(letter: Letter) -> None:
    """Owe a failed letter's rendering again (the page's retry button)."""
    if letter.status != LetterStatus.FAILED:
        raise LetterError(str(_("只有生成失败的文书可以重试。")))
    with transaction.atomic():
        Letter.objects.filter(pk=letter.pk).update(status=LetterStatus.PENDING, error="")
        outbox.record(EffectKind.RENDER_LETTER, letter=letter)


# --- The record, as read and shown ---------------------------------------------------------------


def verification_url(letter: Letter) -> str:
    return settings.ZCP_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "letter_verify", args=[letter.verification_code]
    )


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def record(letter: Letter) -> dict[str, Any]:
    """What the letter states: its frozen record (a letter issued before records existed is
    read from the live data, as it was then; so is the acceptance part of an acceptance letter
    or certificate issued before it had one, format 2)."""
    if letter.content is not None:
        if letter.kind in AFTER_CONSTRUCTION and "acceptance" not in letter.content:
            with translation.override(settings.LANGUAGE_CODE):
                return {**letter.content, **acceptance_content(letter.event, letter.kind)}
        return letter.content
    content = build_content(letter.event, letter.kind, letter.issuer)
    return {
        **content,
        "plans": [],  # as then: letters listed no construction plans before format 4
        "decision": letter.decision,
        "reference": letter.reference,
        "issued_on": timezone.localtime(letter.issued_at).date().isoformat(),
        "replaces": None
        if letter.replaces_id is None
        else {"reference": letter.replaces.reference, "issued_on": "", "reason": letter.reason},
    }


def letter_context(letter: Letter) -> dict[str, Any]:
    content = record(letter)
    url = verification_url(letter)
    return recommendation_context(letter.event) | {
        "letter": letter,
        "c": content,
        "title": content["title"],
        "issued_on": date.fromisoformat(content["issued_on"]),
        "seal_arc": seal_arc(letter.issuer),
        "verify_url": url,
        "qr": qr_data_uri(url),
        "css": _css(letter.kind == LetterKind.CERTIFICATE) + seal_arc_css(letter.issuer),
    }


def recommendation_context(event: ApplicationEvent) -> dict[str, Any]:
    """The province's recommendation a 推荐函 belongs to: its departments, its parks in order,
    this park's place and, if it needed one, the province's reason (nothing for other letters
    and for recommendations recorded one by one before the province's act existed)."""
    entry = (
        RecommendationEntry.objects.select_related("recommendation__province")
        .filter(event_id=event.pk)
        .first()
    )
    if entry is None:
        return {}
    parks = [
        e.application.park.name
        for e in entry.recommendation.entries.select_related("application__park").order_by(
            "position"
        )
    ]
    return {
        "recommendation": entry.recommendation,
        "recommendation_position": entry.position,
        "recommendation_parks": parks,
        "recommendation_reason": entry.override_reason,
    }


@lru_cache(maxsize=2)
def _css(certificate: bool = False) -> str:
    """official.css (GB/T 9704) for every letter; the certificate adds its own layout on it."""
    names = ["official.css", "certificate.css"] if certificate else ["official.css"]
    folder = Path(settings.BASE_DIR) / "templates" / "letters"
    return "".join((folder / name).read_text(encoding="utf-8") for name in names)


def seal_arc(issuer: str) -> list[tuple[str, str]]:
    """Each character of the issuer's name with its angle on the seal's upper arc, as on a
    round official seal: spread over a wider arc the longer the name."""
    count = len(issuer)
    if count < 2:
        return [(issuer, "0")] if issuer else []
    span = min(250, 22 * count)
    return [(char, f"{-span / 2 + span * i / (count - 1):.1f}") for i, char in enumerate(issuer)]


def seal_arc_css(issuer: str) -> str:
    """The seal characters' rotations as style rules (`.seal .arc-N`), so that the template
    carries no style attribute."""
    return "".join(
        f".seal .arc-{i} {{ transform: rotate({angle}deg); }}\n"
        for i, (_char, angle) in enumerate(seal_arc(issuer))
    )


# --- Rendering and storing -----------------------------------------------------------------------


def signing_body(letter: Letter) -> str:
    """The key that seals the letter: the body named as its issuer."""
    return seals.body_for(letter.issuer == NATIONAL_ISSUER, letter.application.park.province.code)


def render_document(letter: Letter):
    """The letter laid out in pages (WeasyPrint's document), before any file is written: what
    `render_pdf` writes and seals, and what a test of the pagination alone can look at."""
    from weasyprint import HTML

    with translation.override(settings.LANGUAGE_CODE):  # an official letter is in Chinese
        html = render_to_string(f"letters/{letter.kind}.html", letter_context(letter))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(pdf_variant=PDF_VARIANT)


def render_pdf(letter: Letter) -> bytes:
    """The letter's PDF, sealed by its issuing body (raises `seals.SealUnavailable` when the
    body has no key: a letter is never stored unsealed)."""
    body = signing_body(letter)
    with translation.override(settings.LANGUAGE_CODE):
        reason = f"{letter.get_kind_display()} {letter.reference}"
    document = render_document(letter)
    # PDF/A first, sealed after: the signature is an incremental update over the archive file.
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return seals.sign(pdf, body, _seal_box(document), reason, letter.issuer)


def _seal_box(document) -> seals.SealBox:
    for number, page in enumerate(document.pages):
        if "seal" in page.anchors:
            left, top, right, bottom = page.anchors["seal"]
            return seals.SealBox(number, left, top, right, bottom, page.height)
    raise LetterError('the letter template has no seal (id="seal")')


def check_pdf(content: bytes) -> None:
    """A file that does not start with %PDF or does not parse is not a letter."""
    from pypdf import PdfReader

    if content[:5] != b"%PDF-":
        raise LetterError("rendered file is not a PDF")
    reader = PdfReader(io.BytesIO(content))
    if len(reader.pages) < 1:
        raise LetterError("rendered PDF has no pages")


def letter_name(letter: Letter) -> str:
    """The letter's name in the private storage (zcparks/storage.py)."""
    return (
        f"{LETTER_DIR}/{letter.year}/"
        f"{letter.kind}-{letter.year}-{letter.sequence:04d}-{letter.verification_code}.pdf"
    )


def generate(letter_id: int) -> Letter:
    """Render, check and store the letter; idempotent once ready (the file is never rewritten)."""
    letter = Letter.objects.select_related(
        "application__park__province", "application__batch", "event__actor"
    ).get(pk=letter_id)
    if letter.is_ready:
        return letter
    name = letter_name(letter)
    signer = seals.signer_name(signing_body(letter))
    if private_storage.exists(name):
        # A previous attempt got the file into place but not the row: keep that file.
        digest, size = _digest(name)
    else:
        pdf = render_pdf(letter)
        check_pdf(pdf)
        private_storage.save_once(name, pdf)  # whole or not at all; never overwritten
        digest, size = _digest(name)
    Letter.objects.filter(pk=letter.pk).update(
        status=LetterStatus.READY,
        file=name,
        sha256=digest,
        size=size,
        error="",
        signer=signer,
    )
    letter.refresh_from_db()
    return letter


def _digest(name: str) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with private_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def mark_attempt_failed(letter_id: int, error: str, final: bool) -> None:
    fields: dict[str, Any] = {"attempts": F("attempts") + 1, "error": error[:2000]}
    if final:
        fields["status"] = LetterStatus.FAILED
    Letter.objects.filter(pk=letter_id).exclude(status=LetterStatus.READY).update(**fields)


def open_pdf(letter: Letter):
    if not letter.is_ready or not letter.file:
        raise LetterError("letter is not ready")
    return private_storage.open(letter.file, "rb")
