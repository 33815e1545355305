"""The auditors' dossier of one application: a zip with everything on record.

Who: anyone who may see the application (`download_dossier` of the permission table). Internal
material goes only to its audience: the province's internal comments and score sheets to the
province and NDRC, NDRC's (and its assignments) to NDRC; the park's copy has neither.

Contents: `application.json` (the current record and the denormalised indicators),
`submissions/<n>.json` (every frozen snapshot, with the declaration (承诺书) ticked for it) and
`submissions/<n>-application-book.pdf` (the printable 申报书 of it, book_pdf.py),
`calculations/run-<id>.json` (each calculation run a snapshot refers to, with its trace),
`letters/<reference>.pdf` (every ready letter, replaced ones too) and `letters.json`,
`attachments/evidence-<id>.<pdf|png|jpg>` (every evidence file, streamed from the private
storage, named by its checked type: never by the uploader's name, which `attachments.json`
keeps as text beside its title, section, type, size and hash), `events.json` (the event log),
`reviews.json` (assignments, scores, comments as allowed).

The zip is written to an anonymous temporary file (streamed file by file, never held whole in
memory) and served from there; the file disappears when the response closes it.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

from accounting.models import CalculationRun
from zcparks.storage import private_storage

from . import book_pdf, evidence, permissions
from .models import Application, LetterStatus


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder).encode("utf-8")


def _safe(name: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", name)[:120] or "file"


def filename(application: Application) -> str:
    return f"dossier-{application.pk}.zip"


def build(user, application: Application) -> IO[bytes]:
    """The dossier as an open temporary file, positioned at the start."""
    sees_ndrc = permissions.may(user, "read_ndrc_material", application)
    submissions = list(application.submissions.order_by("number"))
    run_ids = {
        c.get("run_id")
        for s in submissions
        for c in s.snapshot.get("calculations") or []
        if c.get("run_id")
    }
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, closed by the response
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "application.json",
            _json(
                {
                    "id": application.pk,
                    "park": application.park.name,
                    "province": application.park.province.code,
                    "batch": application.batch.name,
                    "status": application.status,
                    "submission_count": application.submission_count,
                    "tier": application.tier,
                    "core_pass": application.core_pass,
                    "intensity": application.intensity,
                }
            ),
        )
        for submission in submissions:
            archive.writestr(
                f"submissions/{submission.number}.json",
                _json(
                    {
                        "number": submission.number,
                        "submitted_at": submission.submitted_at,
                        "snapshot_sha256": submission.snapshot_sha256,
                        "snapshot": submission.snapshot,
                        "declaration": submission.declaration,
                    }
                ),
            )
            archive.writestr(
                f"submissions/{submission.number}-application-book.pdf",
                book_pdf.pdf(application, submission),
            )
        for run in CalculationRun.objects.filter(pk__in=run_ids).order_by("pk"):
            archive.writestr(
                f"calculations/run-{run.pk}.json",
                _json(
                    {
                        "id": run.pk,
                        "status": run.status,
                        "factor_set_code": run.factor_set_code,
                        "factor_set_version": run.factor_set_version,
                        "method_version": run.method_version,
                        "input_digest": run.input_digest,
                        "started_at": run.started_at,
                        "finished_at": run.finished_at,
                        "result": run.result,
                        "trace": run.trace,
                        "error": run.error,
                    }
                ),
            )
        letters = list(application.letters.order_by("pk"))
        archive.writestr(
            "letters.json",
            _json(
                [
                    {
                        "reference": x.reference,
                        "kind": x.kind,
                        "issuer": x.issuer,
                        "decision": x.decision,
                        "issued_at": x.issued_at,
                        "status": x.status,
                        "sha256": x.sha256,
                        "replaced_at": x.replaced_at,
                        "verification_code": x.verification_code,
                    }
                    for x in letters
                ]
            ),
        )
        for letter in letters:
            if letter.status == LetterStatus.READY and private_storage.exists(letter.file):
                with (
                    private_storage.open(letter.file, "rb") as source,
                    archive.open(f"letters/{_safe(letter.reference)}.pdf", "w") as target,
                ):
                    shutil.copyfileobj(source, target, 1 << 20)
        attachments = list(application.attachments.order_by("pk"))
        archive.writestr(
            "attachments.json",
            _json(
                [
                    {
                        "file": f"attachments/{evidence.safe_name(a.pk, a.content_type)}",
                        "title": a.title,
                        "section": a.section,
                        "original_name": a.original_name,
                        "content_type": a.content_type,
                        "size": a.size,
                        "sha256": a.sha256,
                        "uploaded_at": a.uploaded_at,
                    }
                    for a in attachments
                ]
            ),
        )
        for attachment in attachments:
            name = evidence.safe_name(attachment.pk, attachment.content_type)
            with (
                attachment.file.open("rb") as source,
                archive.open(f"attachments/{name}", "w") as target,
            ):
                shutil.copyfileobj(source, target, 1 << 20)
        archive.writestr(
            "events.json",
            _json(
                [
                    {
                        "at": e.created_at,
                        "actor": str(e.actor),
                        "action": e.action,
                        "from": e.from_status,
                        "to": e.to_status,
                        "comment": e.comment,
                        "section_comments": e.section_comments,
                        "submission": e.submission.number if e.submission else None,
                    }
                    for e in application.events.select_related("actor", "submission")
                ]
            ),
        )
        comments = permissions.readable_comments(
            user, application, application.review_comments.select_related("author")
        )
        reviews: dict[str, Any] = {
            "comments": [
                {
                    "at": c.created_at,
                    "author": str(c.author),
                    "visibility": c.visibility,
                    "text": c.text,
                }
                for c in comments
            ]
        }
        if permissions.readable_sides(user, application):
            scores = permissions.readable_scores(
                user, application, application.scores.select_related("reviewer")
            )
            reviews["scores"] = [
                {
                    "reviewer": str(s.reviewer),
                    "submission": s.submission_number,
                    "criteria": s.criteria,
                    "values": s.values,
                    "weighted_total": s.weighted_total,
                    "legacy": s.legacy,
                    "at": s.updated_at,
                }
                for s in scores
            ]
        if sees_ndrc:
            reviews["assignments"] = [
                {"assignee": str(a.assignee), "kind": a.kind, "at": a.assigned_at}
                for a in application.assignments.select_related("assignee")
            ]
        archive.writestr("reviews.json", _json(reviews))
    handle.seek(0)
    return handle
