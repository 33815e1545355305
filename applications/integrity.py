"""Whether the records still prove themselves: each ready letter's file is there, its SHA-256 is
the one recorded and its seal (pyHanko) is intact and by its issuer; each submission's snapshot
hashes to its recorded SHA-256; each evidence file's content to the attachment's SHA-256.

Run by `manage.py verify_records` (the restore drill, deploy/restore-drill, runs it on a
restored copy); reads only, through the private storage (zcparks/storage.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from zcparks.storage import private_storage

from . import seals
from .models import Attachment, Letter, LetterStatus, Submission
from .services import snapshot_digest


@dataclass
class Report:
    checked: dict[str, int] = field(
        default_factory=lambda: {"letters": 0, "submissions": 0, "attachments": 0}
    )
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256(name: str) -> tuple[str, bytes] | None:
    try:
        with private_storage.open(name, "rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError):
        return None
    return hashlib.sha256(content).hexdigest(), content


def _letters() -> Iterator[str]:
    for letter in Letter.objects.filter(status=LetterStatus.READY).order_by("pk"):
        stored = _sha256(letter.file) if letter.file else None
        if stored is None:
            yield f"letter {letter.reference}: file {letter.file or '(none)'} is missing"
            continue
        digest, content = stored
        if digest != letter.sha256:
            yield (
                f"letter {letter.reference}: SHA-256 {digest} differs from recorded {letter.sha256}"
            )
            continue
        seal = seals.check(content, letter.issuer)
        if not seal.valid:
            yield f"letter {letter.reference}: seal does not verify ({seal.problem})"


def _submissions() -> Iterator[str]:
    for submission in Submission.objects.select_related("application").order_by("pk"):
        digest = snapshot_digest(submission.snapshot)
        if digest != submission.snapshot_sha256:
            yield (
                f"submission {submission.number} of application {submission.application_id}: "
                f"snapshot SHA-256 {digest} differs from recorded {submission.snapshot_sha256}"
            )


def _attachments() -> Iterator[str]:
    for attachment in Attachment.objects.order_by("pk"):
        stored = _sha256(attachment.file.name)
        if stored is None:
            yield f"evidence {attachment.pk}: file {attachment.file.name} is missing"
        elif stored[0] != attachment.sha256:
            yield (
                f"evidence {attachment.pk}: SHA-256 {stored[0]} differs from recorded "
                f"{attachment.sha256}"
            )


def verify() -> Report:
    report = Report()
    for kind, check, rows in (
        ("letters", _letters, Letter.objects.filter(status=LetterStatus.READY)),
        ("submissions", _submissions, Submission.objects.all()),
        ("attachments", _attachments, Attachment.objects.all()),
    ):
        report.checked[kind] = rows.count()
        report.problems.extend(check())
    return report
