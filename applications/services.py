"""Services of the application: create, save sections, completeness, eligibility, snapshot, diff.

They glue the ORM to the pure rules (eligibility.py, geo.py, sections.py). Every write to a draft
goes through here (views never save, create or delete models themselves; a test scans them): it
checks that the application is still editable (the model refuses too) and runs in one
transaction.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from . import book, deadlines, eligibility, evidence, revisions, sections, three_years
from .kernel import scope
from .models import (
    EDITABLE_STATES,
    Application,
    ApplicationFrozen,
    Attachment,
    AttachmentSection,
    Batch,
    Incident,
    Park,
    Submission,
)
from .models.applications import BOUNDARY_TEXT_FIELDS

# The history years' calculations are three_years.py's (D43); importable from here as before.
from .three_years import data_changes_since_submission as data_changes_since_submission
from .three_years import history_years as history_years
from .three_years import latest_calculations as latest_calculations

if TYPE_CHECKING:
    from .models import User

SNAPSHOT_FORMAT = "zcp-application-snapshot/1"
DATA_EVIDENCE_SECTIONS = {
    "statistics": AttachmentSection.DATA_STATISTICS,
    "accounting": AttachmentSection.DATA_ACCOUNTING,
    "metering": AttachmentSection.DATA_METERING,
    "monitoring": AttachmentSection.DATA_MONITORING,
}


def _join(items) -> str:
    """Join items with the list separator of the active language (、 in Chinese)."""
    return str(pgettext("list separator", "、")).join(items)


class ServiceError(Exception):
    """Bad input, with a message naming the field."""


# --- Creating and editing -------------------------------------------------------------------------


@transaction.atomic
def start_application(user: User, batch: Batch) -> Application:
    """The park's application in this batch: the existing one, or a new draft prefilled from the
    park's record."""
    park = user.park
    if park is None or not scope.can_edit_park_data(user, park):
        raise ServiceError(str(_("只有园区申报人可以创建申报书。")))
    existing = Application.objects.filter(park=park, batch=batch).first()
    if existing:
        return existing
    if not batch.is_open():
        raise ServiceError(str(_("该批次未开放申报或已截止。")))
    return Application.objects.create(
        park=park,
        batch=batch,
        created_by=user,
        scope=park.scope,
        host_park_name=park.host_park_name,
        management_body=park.management_body,
        data={"basic": {"zone_level": park.zone_level}},
    )


def _lock_editable(application: Application) -> Application:
    """The application's row, locked until the transaction ends, while it may still be edited:
    a submission taken at the same time sees the change whole or not at all."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status not in EDITABLE_STATES:
        raise ApplicationFrozen
    return locked


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@transaction.atomic
def save_section(application: Application, key: str, content: dict[str, Any]) -> None:
    """Replace one JSON section's content (already validated by its form)."""
    if key not in sections.SECTIONS_BY_KEY:
        raise ServiceError(f"unknown section {key}")
    locked = _lock_editable(application)
    data = dict(locked.data)
    data[key] = _jsonable(content)
    locked.data = data
    locked.save(update_fields=["data", "updated_at"])
    application.data = data


@transaction.atomic
def save_revision_answers(application: Application, answers: dict[str, Any]) -> None:
    """The park's answers (整改说明) to the comments of the return it is answering, one per
    comment; a blank answer may be saved while drafting (submission asks for all). Refused
    whole, naming the comment, when an answer is too long or holds NUL."""
    locked = _lock_editable(application)
    event = revisions.return_event(locked)
    if event is None:
        raise ServiceError(str(_("整改说明：该申报书没有待回复的退回意见。")))
    kept: dict[str, str] = {}
    for comment in revisions.comments_of(event):
        text = str(answers.get(comment.key) or "").strip()
        if "\x00" in text:  # PostgreSQL cannot store it
            raise ServiceError(
                str(_("整改说明（%(title)s）：不能包含空字符（NUL）。")) % {"title": comment.title}
            )
        if len(text) > revisions.ANSWER_MAX:
            raise ServiceError(
                str(_("整改说明（%(title)s）：不能超过 %(max)s 个字。"))
                % {"title": comment.title, "max": revisions.ANSWER_MAX}
            )
        kept[comment.key] = text
    locked.revision_answers = {"event": event.pk, "answers": kept}
    locked.save(update_fields=["revision_answers", "updated_at"])
    application.revision_answers = locked.revision_answers


@transaction.atomic
def save_boundary(application: Application, fields: dict[str, Any]) -> None:
    """Scope, four sides, declared area, the park's city or county and polygon; the polygon is
    validated, placed and measured by geo.py. Raises geo.DivisionError (a city or county outside
    the park's province), geo.BoundaryError (the polygon) or geo.AreaQuestion (the declared area,
    unless ``area_difference_confirmed``), and then nothing is saved."""
    from . import admin_areas, geo  # deferred: pyproj and shapely, which most requests never need

    locked = _lock_editable(application)
    park = application.park
    division = park.division_code
    if "division_code" in fields:
        # The park's city or county (D47): a park-level fact, chosen on the boundary page.
        division = fields["division_code"] or ""
        if division and division not in dict(admin_areas.places_of(park.province.code)):
            raise geo.DivisionError(
                str(_("所在市、县：“%(code)s”不是%(province)s的市、县。"))
                % {"code": division, "province": park.province}
            )
        if division != park.division_code:
            locked_park = Park.objects.select_for_update().get(pk=park.pk)
            locked_park.division_code = division
            locked_park.save(update_fields=["division_code"])
    for name in BOUNDARY_TEXT_FIELDS:
        setattr(locked, name, fields.get(name, "") or "")
    locked.declared_area_km2 = fields.get("declared_area_km2") or None
    geometry = fields.get("boundary_geojson")
    if geometry:
        boundary = geo.parse_boundary(geometry)
        # Where the park is (D29): its province, and its city or county if the park names one.
        geo.check_place(boundary, park.province.code, division)
        if not fields.get("area_difference_confirmed"):
            geo.question_area(boundary.area_km2, locked.declared_area_km2)
        locked.boundary_geojson = boundary.geojson
        locked.boundary_area_km2 = boundary.area_km2
    else:
        locked.boundary_geojson = None
        locked.boundary_area_km2 = None
    locked.save()
    saved = ("boundary_geojson", "boundary_area_km2", "declared_area_km2")
    for name in (*BOUNDARY_TEXT_FIELDS, *saved):
        setattr(application, name, getattr(locked, name))
    park.division_code = division


@transaction.atomic
def set_incident_register_confirmed(application: Application, confirmed: bool) -> None:
    locked = _lock_editable(application)
    locked.incident_register_confirmed = confirmed
    locked.save(update_fields=["incident_register_confirmed", "updated_at"])
    application.incident_register_confirmed = confirmed


INCIDENT_FIELDS = ("occurred_on", "kind", "severity", "description")


@transaction.atomic
def add_incident(application: Application, fields: dict[str, Any]) -> Incident:
    """A row of the incident register (fields already validated by ``IncidentForm``)."""
    locked = _lock_editable(application)
    return Incident.objects.create(
        application=locked, **{name: fields[name] for name in INCIDENT_FIELDS}
    )


@transaction.atomic
def delete_incident(incident: Incident) -> None:
    _lock_editable(incident.application)
    incident.delete()


@transaction.atomic
def add_attachment(
    application: Application,
    user: User,
    *,
    name: str,
    content: bytes,
    title: str,
    section: str = AttachmentSection.OTHER,
) -> Attachment:
    """Check the file by its content (``evidence.check_file``), store it privately under its
    hash and record it; refused with ``EvidenceError`` or ``ApplicationFrozen``."""
    if section not in AttachmentSection.values:
        raise evidence.EvidenceError(_("未知的材料类别。"))
    if not title.strip():
        raise evidence.EvidenceError(_("请填写材料名称。"))
    checked = evidence.check_file(name, content)
    # Refuse before anything is written to disk; save() checks again under the same rule.
    locked = _lock_editable(application)
    attachment = Attachment(
        application=locked,
        section=section,
        title=title.strip(),
        original_name=name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    attachment.file.save("upload", ContentFile(checked.content), save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def delete_attachment(attachment: Attachment) -> None:
    """Refused (``ApplicationFrozen``) once the draft is submitted, and for a file that was part
    of an earlier submission: that version points at it."""
    _lock_editable(attachment.application)
    attachment.delete()


# --- Completeness and eligibility --------------------------------------------------------------


@dataclass(frozen=True)
class SectionStatus:
    key: str
    title: str
    complete: bool
    missing: list[str]
    # The form field of the first missing item, where there is one to point at.
    first_field: str = ""


class Problem(str):
    """One thing that stops a submission: its message, and where it is put right (a section
    key and a form field name, for a link). A str, so that callers that only show or join
    messages need not know the difference."""

    section: str
    field: str

    def __new__(cls, text: str, section: str = "", field: str = "") -> Problem:
        problem = super().__new__(cls, text)
        problem.section = section
        problem.field = field
        return problem


# Where each basic condition (eligibility.py) is put right.
CONDITION_SECTIONS = {
    "builder": ("basic", "zone_level"),
    "scope": ("boundary", "scope"),
    "data_foundation": ("data_foundation", ""),
    "incidents": ("incidents", ""),
}


def is_new_park(application: Application) -> bool:
    return bool((application.data.get("basic") or {}).get("is_new_park"))


def section_statuses(application: Application) -> list[SectionStatus]:
    """Each section's completeness. Uses application.incidents / .attachments (prefetch them)."""
    new_park = is_new_park(application)
    attachments = list(application.attachments.all())
    result = []
    for section in sections.SECTIONS:
        first_field = ""
        if section.key == "boundary":
            missing = []
            if not application.management_body.strip():
                first_field = "management_body"
                missing.append(str(_("建设和管理主体")))
            if not application.boundary_geojson:
                missing.append(str(_("边界范围（地图绘制或上传GeoJSON）")))
            if application.scope == "within":
                if not application.host_park_name.strip():
                    missing.append(str(_("所在园区")))
                missing += [
                    str(eligibility.SIDE_LABELS[s])
                    for s, v in application.four_sides.items()
                    if not v.strip()
                ]
        elif section.key == "incidents":
            missing = (
                []
                if application.incident_register_confirmed
                else [str(_("确认已如实填报事故与事件记录"))]
            )
        elif section.key == "attachments":
            missing = [] if attachments else [str(_("至少一份证明材料"))]
        else:
            content = application.data.get(section.key) or {}
            names = sections.missing_fields(section.key, content, new_park)
            missing = [sections.label(section.key, n) for n in names]
            first_field = names[0] if names else ""
        result.append(
            SectionStatus(section.key, str(section.title), not missing, missing, first_field)
        )
    return result


def eligibility_results(
    application: Application, on: datetime.date | None = None
) -> list[eligibility.ConditionResult]:
    """The four basic conditions, as of `on` (default: today in Asia/Shanghai)."""
    on = on or timezone.localdate()
    basic = application.data.get("basic") or {}
    foundation = application.data.get("data_foundation") or {}
    attachments = list(application.attachments.all())
    evidence = {a.section for a in attachments}
    approval_year = basic.get("approval_year")
    builder = eligibility.BuilderInput(
        zone_level=basic.get("zone_level") or "",
        in_catalogue=basic.get("in_catalogue") or "",
        approval_document=basic.get("approval_document") or "",
        approval_year=int(approval_year) if approval_year not in (None, "") else None,
        has_approval_evidence=AttachmentSection.BUILDER in evidence,
    )
    scope = eligibility.ScopeInput(
        scope=application.scope,
        four_sides=application.four_sides,
        has_polygon=bool(application.boundary_geojson),
        management_body=application.management_body,
        host_park_name=application.host_park_name,
    )
    areas = {
        area: eligibility.DataAreaInput(
            description=foundation.get(area) or "",
            evidence_count=sum(1 for a in attachments if a.section == section),
        )
        for area, section in DATA_EVIDENCE_SECTIONS.items()
    }
    incidents = [
        eligibility.IncidentInput(i.occurred_on, i.kind, i.severity, i.description)
        for i in application.incidents.all()
    ]
    return [
        eligibility.check_builder(builder, on),
        eligibility.check_scope(scope),
        eligibility.check_data_foundation(areas),
        eligibility.check_incident_record(incidents, on, application.incident_register_confirmed),
    ]


def submission_problems(application: Application) -> list[Problem]:
    """Everything that stops a submission, as messages naming the section and field, each
    with the place where it is put right."""
    problems = []
    for status in section_statuses(application):
        if not status.complete:
            text = str(_("%(section)s：缺少%(fields)s")) % {
                "section": status.title,
                "fields": _join(status.missing),
            }
            problems.append(Problem(text, status.key, status.first_field))
    for result in eligibility_results(application):
        if result.outcome == eligibility.Outcome.FAIL:
            text = str(_("基本条件“%(title)s”不符合：%(reason)s")) % {
                "title": result.title,
                "reason": result.reason,
            }
            problems.append(Problem(text, *CONDITION_SECTIONS.get(result.key, ("", ""))))
    for comment in revisions.open_comments(application):
        if not comment.answer.strip():
            problems.append(
                Problem(
                    str(_("整改说明：请回复“%(title)s”的退回意见。")) % {"title": comment.title},
                    "answers",
                    comment.field,
                )
            )
    for text, field in three_years.problems(application, is_new_park(application)):
        problems.append(Problem(text, "energy", field))
    refusal = deadlines.submission_refusal(application)
    if refusal:
        problems.append(Problem(refusal))
    return problems


# --- Submission snapshot and diff -----------------------------------------------------------------


def _record_language(make):
    """The record of a submission is in the system's language (Chinese), whatever the language
    of the submitter's interface."""
    with translation.override(settings.LANGUAGE_CODE):
        return make()


def build_snapshot(application: Application, at: datetime.datetime) -> dict[str, Any]:
    """Every section, the eligibility results, the latest calculations and the attachment
    hashes, as plain JSON. See README.md, "Snapshot format"."""
    section_data: dict[str, Any] = {}
    for section in sections.SECTIONS:
        if section.key == "boundary":
            section_data["boundary"] = {
                "scope": application.scope,
                "host_park_name": application.host_park_name,
                "management_body": application.management_body,
                **application.four_sides,
                "geojson": application.boundary_geojson,
                "area_km2": (
                    str(application.boundary_area_km2)
                    if application.boundary_area_km2 is not None
                    else None
                ),
                "declared_area_km2": (
                    str(application.declared_area_km2)
                    if application.declared_area_km2 is not None
                    else None
                ),
            }
        elif section.key == "incidents":
            section_data["incidents"] = {
                "confirmed": application.incident_register_confirmed,
                "items": [
                    {
                        "occurred_on": i.occurred_on.isoformat(),
                        "kind": i.kind,
                        "severity": i.severity,
                        "description": i.description,
                    }
                    for i in sorted(
                        application.incidents.all(), key=lambda i: (i.occurred_on, i.pk)
                    )
                ],
            }
        elif section.key == "attachments":
            section_data["attachments"] = {
                "items": [
                    {
                        "id": a.pk,
                        "section": a.section,
                        "title": a.title,
                        "original_name": a.original_name,
                        "content_type": a.content_type,
                        "size": a.size,
                        "sha256": a.sha256,
                    }
                    for a in application.attachments.all()
                ],
            }
        else:
            section_data[section.key] = application.data.get(section.key) or {}
    on = timezone.localtime(at).date()
    from . import admin_areas  # deferred: shapely, which most requests never need

    return {
        "format": SNAPSHOT_FORMAT,
        "application": {
            "id": application.pk,
            "park": {
                "id": application.park_id,
                "name": application.park.name,
                "province": application.park.province.code,
                # The city or county the park named (D47), frozen with its label (D53).
                "division_code": application.park.division_code,
                "division": admin_areas.place_label(application.park.division_code),
            },
            "batch": {
                "id": application.batch_id,
                "name": application.batch.name,
                "year": application.batch.year,
            },
        },
        "submitted_at": at.isoformat(),
        "sections": section_data,
        "eligibility": _record_language(
            lambda: [r.as_dict() for r in eligibility_results(application, on)]
        ),
        "calculations": latest_calculations(application),
        "three_years": three_years.snapshot(application),
    }


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    canonical = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def create_submission(
    application: Application, user: User, at: datetime.datetime, declaration: str
) -> Submission:
    """Called by workflow.submit inside its transaction, with the row locked."""
    snapshot = build_snapshot(application, at)
    number = application.submissions.count() + 1
    return Submission.objects.create(
        application=application,
        number=number,
        submitted_by=user,
        submitted_at=at,
        snapshot=snapshot,
        snapshot_sha256=snapshot_digest(snapshot),
        declaration=declaration,
        revision_answers=revisions.frozen_answers(application),
    )


def snapshot_place(snapshot: dict[str, Any]) -> str:
    """The city or county a submission froze ("南京市 / 江宁区"); empty when the park named none
    or the snapshot is older than D53."""
    park = (snapshot.get("application") or {}).get("park") or {}
    return park.get("division") or ""


def latest_submission(application: Application) -> Submission | None:
    return application.submissions.order_by("-number").first()


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any
    # As displayed (book.show): what pages print instead of the raw values.
    old_shown: book.Shown | None = None
    new_shown: book.Shown | None = None


@dataclass(frozen=True)
class SectionChanges:
    key: str
    title: str
    changes: list[FieldChange]


def _snapshot_of(value: Submission | dict[str, Any] | None) -> dict[str, Any]:
    if value is None:
        return {}
    return value.snapshot if isinstance(value, Submission) else value


def diff_submissions(
    old: Submission | dict[str, Any] | None, new: Submission | dict[str, Any]
) -> list[SectionChanges]:
    """What changed between two submissions, section by section (unchanged sections left out).

    Fields are compared by value; lists (key projects, roadmap, incidents, attachments) as a
    whole. With no previous submission, every filled field counts as new."""
    old_sections = _snapshot_of(old).get("sections", {})
    new_sections = _snapshot_of(new).get("sections", {})
    changed = []
    for section in sections.SECTIONS:
        before = old_sections.get(section.key) or {}
        after = new_sections.get(section.key) or {}
        declared = [f.key for f in book.FIELDS[section.key]]
        names = [n for n in declared if n in before or n in after]
        names += sorted((set(before) | set(after)) - set(declared))
        changes = []
        for name in names:
            if before.get(name) == after.get(name):
                continue
            field = book.get(section.key, name) or book.Field(name, book.label(section.key, name))
            changes.append(
                FieldChange(
                    name,
                    str(field.label),
                    before.get(name),
                    after.get(name),
                    book.show(field, before.get(name)),
                    book.show(field, after.get(name)),
                )
            )
        if changes:
            changed.append(SectionChanges(section.key, str(section.title), changes))
    return changed


def eligibility_preview(
    application: Application, key: str, content: dict[str, Any]
) -> list[eligibility.ConditionResult]:
    """The basic conditions as they would be with this unsaved section content (nothing is
    written): the park sees the outcome while it types."""
    from . import geo  # deferred: pyproj and shapely

    preview = copy.copy(application)
    if key == "boundary":
        for name in BOUNDARY_TEXT_FIELDS:
            setattr(preview, name, content.get(name) or "")
        source = content.get("boundary_geojson")
        if isinstance(source, dict):  # already checked by the boundary form
            preview.boundary_geojson = source
        else:
            try:
                preview.boundary_geojson = geo.parse_boundary(source).geojson if source else None
            except geo.BoundaryError:
                preview.boundary_geojson = None
    else:
        preview.data = {**application.data, key: _jsonable(content)}
    return eligibility_results(preview)
