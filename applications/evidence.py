"""Evidence files: content checks (not the file name) and hashing. Storing and removing them
is a change to the draft, made by ``services.add_attachment`` / ``services.delete_attachment``.

Accepted: PDF (must start with %PDF-) and PNG/JPEG images (magic bytes, then Pillow verify).
Executables (MZ, ELF, Mach-O, scripts) are refused whatever they are called.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"#!")


class EvidenceError(ValueError):
    """The file is refused; the message says why."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    sha256: str
    size: int


def check_file(name: str, content: bytes) -> CheckedFile:
    """Decide the type from the content; refuse oversize, executables and anything else."""
    limit = settings.ZCP_MAX_ATTACHMENT_BYTES
    if len(content) > limit:
        raise EvidenceError(
            _("文件“%(name)s”过大（%(size)s 字节），上限为 %(limit)s 字节。")
            % {"name": name, "size": len(content), "limit": limit}
        )
    if not content:
        raise EvidenceError(_("文件“%(name)s”是空文件。") % {"name": name})
    if content.startswith(_EXECUTABLE_MAGIC):
        raise EvidenceError(_("文件“%(name)s”是可执行程序，不能上传。") % {"name": name})
    if content.startswith(b"%PDF-"):
        content_type = PDF
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = PNG
    elif content.startswith(b"\xff\xd8\xff"):
        content_type = JPEG
    else:
        raise EvidenceError(
            _("文件“%(name)s”不是 PDF、PNG 或 JPEG 文件（按文件内容判断）。") % {"name": name}
        )
    if content_type != PDF:
        _verify_image(name, content, "PNG" if content_type == PNG else "JPEG")
    return CheckedFile(content, content_type, hashlib.sha256(content).hexdigest(), len(content))


def safe_name(attachment_id: int, content_type: str) -> str:
    """The name a file leaves the system under (download, dossier): its id and the extension of
    its checked type. Never the uploader's name or extension: `report.hta`, `scan.pdf.lnk` or a
    `.bat` that starts with %PDF- would be run by a reviewer's desktop. The uploader's name is
    kept as text only (the page, the dossier's attachments.json)."""
    return f"evidence-{attachment_id}.{EXTENSIONS.get(content_type, 'bin')}"


def _verify_image(name: str, content: bytes, expected: str) -> None:
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != expected:
                raise EvidenceError(_("文件“%(name)s”的图片格式与内容不符。") % {"name": name})
            image.verify()
    except Image.DecompressionBombError:
        # A few bytes can claim billions of pixels; refuse before anything decodes them.
        raise EvidenceError(_("文件“%(name)s”的图片尺寸过大。") % {"name": name}) from None
    except EvidenceError:
        raise
    except Exception as error:  # noqa: BLE001 - untrusted bytes: any parser failure is a refusal
        # Pillow raises many types on a malformed file (OSError, SyntaxError, ValueError
        # "Truncated IHDR chunk", UnicodeDecodeError, IndexError, struct.error …): all mean
        # "not a valid image".
        raise EvidenceError(
            _("文件“%(name)s”不是有效的图片：%(why)s") % {"name": name, "why": error}
        ) from None


def read_upload(upload: UploadedFile) -> bytes:
    """Read at most the limit plus one byte, so that an oversize upload is refused without
    reading all of it."""
    upload.seek(0)
    return upload.read(settings.ZCP_MAX_ATTACHMENT_BYTES + 1)
