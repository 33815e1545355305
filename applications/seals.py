"""Electronic seals: each issuing body signs its letters (PAdES, pyHanko); anyone can check them.

Every issuing body has a signing key and certificate in `settings.ZCP_SIGNING_DIR`:

    ca.crt                      the trust root (and any intermediate certificates) letters chain to
    ndrc.key, ndrc.crt          国家发展和改革委员会
    drc-<code>.key, .crt        each provincial DRC, by the province's two-digit code (drc-32: 江苏)

`sign` adds a signature whose visible field covers the seal drawn in the letter's signature
block; `check` validates a stored file against the trust root. A body without a key cannot issue:
`SealUnavailable` fails the rendering (the letter shows 生成失败 and can be retried once the key
is in place); a letter is never stored unsigned. `demo_seals.make_demo_seals` writes a demo
authority and keys for every body.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from django.conf import settings

logger = logging.getLogger(__name__)

NATIONAL_BODY = "ndrc"
CA_FILE = "ca.crt"
FIELD_NAME = "Seal"
# WeasyPrint lays out in CSS pixels (96 per inch); PDF user space is in points (72 per inch).
PX_TO_PT = 72 / 96


class SealUnavailable(Exception):
    """The issuing body has no usable key or certificate: the letter cannot be sealed."""


def body_for(issuer_is_national: bool, province_code: str) -> str:
    return NATIONAL_BODY if issuer_is_national else f"drc-{province_code}"


def signing_dir() -> Path:
    if not settings.ZCP_SIGNING_DIR:
        logger.error("letter not sealed: ZCP_SIGNING_DIR is not set")
        raise SealUnavailable("签章密钥目录未配置（ZCP_SIGNING_DIR）")
    return Path(settings.ZCP_SIGNING_DIR)


def _files(body: str) -> tuple[Path, Path, Path]:
    folder = signing_dir()
    return folder / f"{body}.key", folder / f"{body}.crt", folder / CA_FILE


def _signer(body: str):
    key, cert, chain = _files(body)
    missing = [str(path) for path in (key, cert, chain) if not path.is_file()]
    if missing:
        logger.error(
            "letter not sealed: issuing body %s has no %s (ZCP_SIGNING_DIR=%s)",
            body,
            ", ".join(missing),
            signing_dir(),
        )
        raise SealUnavailable(f"签章密钥缺失（{body}）：{', '.join(missing)}")
    stamps = tuple(path.stat().st_mtime_ns for path in (key, cert, chain))
    return _load_signer(str(key), str(cert), str(chain), stamps)


@lru_cache(maxsize=64)
def _load_signer(key: str, cert: str, chain: str, _stamps: tuple[int, ...]):
    """Loaded once per process and file version (the stamps make a replaced key load anew)."""
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(chain,))
    if signer is None:  # pyHanko logs why and returns nothing on an unreadable file
        logger.error("letter not sealed: cannot read the key or certificate %s / %s", key, cert)
        raise SealUnavailable(f"签章密钥无法读取：{key}")
    return signer


def signer_name(body: str) -> str:
    """The organisation named in the body's certificate, as it will be recorded on the letter."""
    return _subject_name(_signer(body).signing_cert)


def _subject_name(cert) -> str:
    subject = cert.subject.native
    return subject.get("organization_name") or subject.get("common_name") or ""


T = TypeVar("T")


def off_loop(work: Callable[[], T]) -> T:
    """pyHanko's synchronous calls run their own event loop (asyncio.run), which fails in a
    thread that already has one running (an async server, a browser test's thread): there the
    work goes to a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@dataclass(frozen=True)
class SealBox:
    """Where the seal is drawn: 0-based page and the rectangle in CSS pixels, top-left origin
    (WeasyPrint's anchor of the element), with the page height to turn it into PDF points."""

    page: int
    left: float
    top: float
    right: float
    bottom: float
    page_height: float

    def pdf_rect(self) -> tuple[float, float, float, float]:
        height = self.page_height * PX_TO_PT
        return (
            self.left * PX_TO_PT,
            height - self.bottom * PX_TO_PT,
            self.right * PX_TO_PT,
            height - self.top * PX_TO_PT,
        )


def sign(pdf: bytes, body: str, box: SealBox, reason: str, issuer: str) -> bytes:
    """The PDF with the body's PAdES signature in a field over the drawn seal. The body's
    certificate must name `issuer`, the body the letter names: a key put in the wrong file
    seals nothing."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    signer = _signer(body)
    named = _subject_name(signer.signing_cert)
    if named != issuer:
        logger.error(
            "letter not sealed: the certificate of %s names %s, the letter %s", body, named, issuer
        )
        raise SealUnavailable(f"签章证书单位（{named}）与出具单位（{issuer}）不一致：{body}.crt")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(
        writer, fields.SigFieldSpec(FIELD_NAME, on_page=box.page, box=box.pdf_rect())
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        name=_subject_name(signer.signing_cert),
    )
    # The seal itself is drawn by the letter (its fonts are already embedded there); the
    # widget over it has no appearance of its own, so the seal is what a reader shows.
    style = StaticStampStyle(background=None, border_width=0)
    pdf_signer = signers.PdfSigner(metadata, signer, stamp_style=style)
    return off_loop(lambda: pdf_signer.sign_pdf(writer)).getvalue()


@dataclass(frozen=True)
class SealCheck:
    valid: bool
    signer: str = ""
    signed_at: datetime | None = None
    problem: str = ""


def trust_roots() -> list:
    from pyhanko.keys import load_certs_from_pemder

    if not settings.ZCP_SIGNING_DIR:
        return []
    path = Path(settings.ZCP_SIGNING_DIR) / CA_FILE
    return list(load_certs_from_pemder([str(path)])) if path.is_file() else []


def check(pdf: bytes, issuer: str) -> SealCheck:
    """Whether `pdf` carries exactly one intact signature, chaining to the trust root,
    covering the whole file and made by `issuer`. Never raises on a damaged file: that is an
    invalid seal."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = trust_roots()
    if not roots:
        return SealCheck(False, problem="no trust root configured")
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if len(signatures) != 1:
            return SealCheck(False, problem=f"{len(signatures)} signatures")
        context = ValidationContext(trust_roots=roots)
        status = off_loop(lambda: validate_pdf_signature(signatures[0], context))
    except Exception as exc:  # a file that does not parse is not validly sealed
        return SealCheck(False, problem=f"{type(exc).__name__}: {exc}")
    name = _subject_name(status.signing_cert) if status.signing_cert else ""
    if not (status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE):
        return SealCheck(False, signer=name, problem=status.summary())
    if name != issuer:
        return SealCheck(False, signer=name, problem=f"sealed by {name}, issued by {issuer}")
    return SealCheck(True, signer=name, signed_at=status.signer_reported_dt)
