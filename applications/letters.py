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
A reissue copies the record of the letter it replaces, with a new reference, date and code, the
reason given and the letter it replaces; only the issuing side may make it (`may_reissue`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from datetime import date, timedelta
from decimal import Decimal
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

from accounting import labels
from zcparks import numbers
from zcparks.storage import private_storage

from . import book, outbox, permissions, rubric, seals
from .eligibility import OUTCOME_LABELS
from .models import (
    RECOMMENDATIONS_PER_PROVINCE,
    Application,
    ApplicationEvent,
    CommentVisibility,
    ConstructionProgramme,
    Designation,
    EffectKind,
    Letter,
    LetterCounter,
    LetterKind,
    LetterStatus,
    ProvinceBatchQuota,
    RecommendationEntry,
    ReviewScore,
    Role,
    SelfAssessment,
)
from .sections import SECTIONS_BY_KEY

LETTER_DIR = "letters"
# The format of Letter.content written now (build_content); templates read every version kept.
CONTENT_VERSION = 3  # 1: without scores, core indicator, programme, recommendations, items;
# 2: the acceptance letter and the certificate without their own record ("acceptance")
# The notice the letters rest on, and the time a park has to resubmit after a 整改意见 (D27).
BASIS = (
    "《国家发展改革委 工业和信息化部 国家能源局关于开展零碳园区建设的通知》"
    "（发改环资〔2025〕910号）"
)
REVISION_DAYS = 30
# Archives take PDF/A (WeasyPrint embeds the fonts, an sRGB output intent and XMP metadata from
# the template's title, author, description and keywords).
PDF_VARIANT = "pdf/a-2b"
REASON_MAX_LENGTH = 500
NATIONAL_ISSUER = "国家发展和改革委员会"
KIND_BY_ACTION = {
    "approve": LetterKind.ASSESSMENT,
    "reject": LetterKind.ASSESSMENT,
    "recommend": LetterKind.RECOMMENDATION,
    "return_for_revision": LetterKind.REVISION,
    "accept": LetterKind.ACCEPTANCE,
    "accept_with_conditions": LetterKind.ACCEPTANCE,
    "not_accept": LetterKind.ACCEPTANCE,
}
DECISIONS = {
    "approve": _("同意纳入国家级零碳园区建设名单"),
    "reject": _("不予纳入国家级零碳园区建设名单"),
    "recommend": _("同意推荐申报国家级零碳园区"),
    "return_for_revision": _("退回整改，请按意见修改后重新提交"),
    "accept": _("通过评估验收，正式成为国家级零碳园区"),
    "accept_with_conditions": _("有条件通过评估验收，正式成为国家级零碳园区"),
    "not_accept": _("未通过评估验收"),
}
# What the certificate states, whichever passing decision it follows.
CERTIFICATE_DECISION = _("国家级零碳园区")
# The kinds after construction: their record adds the self-assessment that put the park forward,
# the acceptance decision and the register entry ("acceptance", `acceptance_content`).
AFTER_CONSTRUCTION = frozenset({LetterKind.ACCEPTANCE, LetterKind.CERTIFICATE})
# The indicator system acceptance is judged on (notice Att.3).
INDICATOR_SYSTEM = "《国家级零碳园区建设指标体系（试行）》"


class LetterError(Exception):
    pass


def _official(text) -> str:
    """A letter is in the system's language (Chinese) whatever the issuer's interface language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


# --- Issuing -----------------------------------------------------------------------------------


def provincial_issuer(province_name: str) -> str:
    return f"{province_name}发展和改革委员会"


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


# --- Content -----------------------------------------------------------------------------------


def latest_calculation(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    runs = [
        c
        for c in snapshot.get("calculations") or []
        if c.get("status") == "succeeded" and c.get("result")
    ]
    return max(runs, key=lambda c: c["year"]) if runs else None


def indicator_rows(calculation: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Core and guiding indicators against their targets, for pages and letters."""
    if not calculation:
        return []
    r = calculation["result"]
    rows = [
        {
            "key": "intensity",
            "core": True,
            "label": _("单位能耗碳排放（tCO2/tce）"),
            "value": numbers.intensity(r.get("intensity")),
            "target": f"≤ {numbers.intensity(r.get('threshold'))}",
            "pass": r.get("core_pass"),
        }
    ]
    for name, value in (r.get("guiding") or {}).items():
        if "not_applicable" in value:
            shown, target = _("不适用"), "—"
        elif "products" in value:
            shown, target = _("%(n)s 种产品") % {"n": value["products"]}, _("二级及以上")
        else:
            shown = numbers.share(value.get("value"))
            target = f"≥ {numbers.share(value.get('target'))}"
        rows.append(
            {
                "key": name,
                "core": False,
                "label": labels.GUIDING_LABELS.get(name, name),
                "value": shown,
                "target": target,
                "pass": value.get("pass"),
            }
        )
    return rows


def eligibility_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**row, "outcome_label": OUTCOME_LABELS.get(row.get("outcome"), row.get("outcome"))}
        for row in snapshot.get("eligibility") or []
    ]


def verification_url(letter: Letter) -> str:
    return settings.ZCP_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "letter_verify", args=[letter.verification_code]
    )


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _event_submission(event: ApplicationEvent):
    """The submission the decision was made on: the event's own, else the last one made
    before it (never a later one)."""
    if event.submission_id:
        return event.submission
    return (
        event.application.submissions.filter(submitted_at__lte=event.created_at)
        .order_by("-number")
        .first()
    )


def _stated_comments(event: ApplicationEvent, national: bool) -> list[str]:
    """The comments visible to the park that the issuing side had made when it decided."""
    comments = (
        event.application.review_comments.filter(
            visibility=CommentVisibility.PUBLIC, created_at__lte=event.created_at
        )
        .select_related("author")
        .order_by("created_at", "pk")
    )
    return [c.text for c in comments if (c.author.role != Role.PROVINCIAL) == national]


def _stated_scores(event: ApplicationEvent, submission, national: bool) -> dict[str, Any]:
    """The issuing side's score sheets of the submission decided on, on the batch's rubric
    (applications/rubric.py): each criterion's average and weight, the average weighted total
    (out of 100), and how many sheets."""
    if submission is None:
        return {"sheets": 0, "rows": [], "total": None}
    sheets = [
        sheet
        for sheet in ReviewScore.objects.filter(
            application=event.application,
            submission_number=submission.number,
            updated_at__lte=event.created_at,
        ).select_related("reviewer")
        if (sheet.reviewer.role != Role.PROVINCIAL) == national
    ]
    if not sheets:
        return {"sheets": 0, "rows": [], "total": None}

    def average(values) -> str:
        values = [Decimal(v) for v in values if v is not None]
        return numbers.number(sum(values) / len(values), 1) if values else "—"

    return {
        "sheets": len(sheets),
        "rows": [
            {
                "label": c.name,
                "weight": numbers.number(c.weight, 0),
                "average": average([s.value_of(c.key) for s in sheets]),
            }
            for c in rubric.criteria_of(event.application.batch)
        ],
        "total": average([s.weighted_total for s in sheets]),
    }


def _core(calculation: dict[str, Any] | None) -> dict[str, Any] | None:
    """The core indicator with what it is judged by: energy use, tier, threshold, and whether
    the threshold is provisional (D1: no threshold is published under 200,000 tce)."""
    if not calculation:
        return None
    r = calculation["result"]
    return {
        "year": calculation["year"],
        "energy_tce": numbers.tonnes(r.get("energy_tce")),
        "emissions_t": numbers.tonnes((r.get("emissions_t") or {}).get("total")),
        "intensity": numbers.intensity(r.get("intensity")),
        "tier": str(labels.TIER_LABELS.get(r.get("tier"), r.get("tier") or "")),
        "threshold": numbers.intensity(r.get("threshold")),
        "provisional": "threshold_provisional" in (r.get("flags") or ()),
        "pass": r.get("core_pass"),
    }


def _passed(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _stated_core(year: int, core: dict[str, Any]) -> dict[str, Any]:
    """The core indicator of a self-assessment sheet (exact numbers stored as strings), in the
    shape of `_core`: what the acceptance letter and the certificate state of it."""
    energy = numbers.to_decimal(core.get("energy_tce"))
    emissions = numbers.to_decimal(core.get("emissions_t"))
    tier = core.get("tier") or ""
    return {
        "year": year,
        "energy_tce": numbers.tonnes(energy),
        "emissions_t": numbers.tonnes(emissions),
        "intensity": numbers.intensity(
            emissions / energy if energy and emissions is not None else None
        ),
        "tier": str(labels.TIER_LABELS.get(tier, "—")),
        "threshold": numbers.intensity(core.get("threshold")),
        "provisional": tier == "below_200k",  # D1
        "pass": _passed(core.get("passed")),
    }


def _acceptance_scores(programme: ConstructionProgramme | None, event: ApplicationEvent) -> dict:
    """The experts' score sheets of the acceptance as NDRC had them when it decided (on the
    acceptance rubric each was scored on, applications/acceptance_experts.py): each criterion's
    average and weight, the average weighted total and how many sheets; in the shape of the
    review letters' `scores`."""
    sheets = (
        list(programme.expert_scores.filter(updated_at__lte=event.created_at))
        if programme is not None
        else []
    )
    if not sheets:
        return {"sheets": 0, "rows": [], "total": None}
    columns: dict[str, rubric.Criterion] = {}
    for sheet in sheets:
        for criterion in rubric.stored_criteria(sheet.criteria):
            columns.setdefault(criterion.key, criterion)
    rows = []
    for criterion in columns.values():
        given = [s.values[criterion.key] for s in sheets if criterion.key in s.values]
        rows.append(
            {
                "label": criterion.name,
                "weight": numbers.number(criterion.weight, 0),
                "average": numbers.number(rubric.average(given), 1) if given else "—",
            }
        )
    total = sum((Decimal(s.weighted_total) for s in sheets), Decimal(0)) / len(sheets)
    return {"sheets": len(sheets), "rows": rows, "total": numbers.number(total, 1)}


def acceptance_content(event: ApplicationEvent, kind: str) -> dict[str, Any]:
    """What the acceptance letter and the certificate of `event` (NDRC's acceptance decision)
    state beyond every letter's record: the programme's period, the self-assessment that put
    the park forward (its frozen sheet: assessment year, core indicator with energy use, tier
    and threshold, guiding indicators, projects, the province's report), the decision with its
    conditions or opinion, and the register entry it made. The core indicator and the indicator
    rows are the assessment year's (replacing the application's); call in the letter's
    language."""
    programme = ConstructionProgramme.objects.filter(application_id=event.application_id).first()
    assessment = (
        SelfAssessment.objects.filter(
            programme=programme, put_forward=True, created_at__lte=event.created_at
        )
        .select_related("event")
        .order_by("-created_at", "-pk")
        .first()
        if programme is not None
        else None
    )
    designation = Designation.objects.filter(event_id=event.pk).first()
    sheet = assessment.sheet if assessment else {}
    core = _stated_core(assessment.year, sheet.get("core") or {}) if assessment else None
    guiding = [
        {
            "label": str(labels.GUIDING_LABELS.get(g.get("key"), g.get("label") or "")),
            "required": bool(g.get("required")),
            "reason": g.get("reason") or "",
            "value": g.get("value") or "—",
            "target": g.get("target") or "—",
            "pass": _passed(g.get("passed")),
        }
        for g in sheet.get("guiding") or []
    ]
    conditions = event.comment if event.action == "accept_with_conditions" else ""
    # The certificate names the acceptance letter of the same decision, which states the
    # conditions in full (issued just before it, by the same transition).
    letter = (
        Letter.objects.filter(event_id=event.pk, kind=LetterKind.ACCEPTANCE).order_by("pk").first()
        if kind == LetterKind.CERTIFICATE
        else None
    )
    return {
        "core": core,
        "scores": _acceptance_scores(programme, event),
        "indicators": []
        if core is None
        else [
            {
                "label": str(_("单位能耗碳排放（tCO2/tce）")),
                "core": True,
                "value": core["intensity"],
                "target": f"≤ {core['threshold']}",
                "pass": core["pass"],
            },
            *(
                {
                    "label": g["label"],
                    "core": False,
                    "value": g["value"] if g["required"] else str(_("不适用")),
                    "target": g["target"] if g["required"] else "—",
                    "pass": g["pass"],
                }
                for g in guiding
            ),
        ],
        "acceptance": {
            "basis": INDICATOR_SYSTEM,
            "period_start": programme.period_start if programme else None,
            "period_end": programme.period_end if programme else None,
            "assessment": None
            if assessment is None
            else {
                "year": assessment.year,
                "concluded_on": timezone.localtime(assessment.created_at).date().isoformat(),
                "report": assessment.report,
                "override_reason": assessment.override_reason,
                "core_met": assessment.core_met,
                "guiding": guiding,
                "projects": [
                    {
                        "name": p.get("name") or "",
                        "completed": _passed(p.get("completed")),
                        "status": p.get("status") or "",
                    }
                    for p in sheet.get("projects") or []
                ],
                "reports": [
                    {"year": r.get("year"), "kind": r.get("kind") or ""}
                    for r in sheet.get("reports") or []
                ],
            },
            "outcome": event.action,
            "passed": event.action in ("accept", "accept_with_conditions"),
            "conditions": conditions,
            "condition_items": [line.strip() for line in conditions.splitlines() if line.strip()],
            "opinion": "" if conditions else event.comment,
            "letter": None
            if letter is None
            else {"title": str(LetterKind.ACCEPTANCE.label), "reference": letter.reference},
            "designation": None
            if designation is None
            else {
                "year": designation.year,
                "assessment_year": designation.assessment_year,
                "tier": str(labels.TIER_LABELS.get(designation.tier, "—")),
                "energy_tce": numbers.tonnes(designation.energy_tce),
                "intensity": numbers.intensity(designation.intensity),
                "threshold": numbers.intensity(designation.threshold),
                "conditions": designation.conditions,
            },
        },
    }


def _recommended(event: ApplicationEvent) -> list[dict[str, Any]]:
    """The parks the province had recommended in this batch when it made this recommendation,
    in the order it recommended them."""
    application = event.application
    events = (
        ApplicationEvent.objects.filter(
            action="recommend",
            created_at__lte=event.created_at,
            application__batch_id=application.batch_id,
            application__park__province_id=application.park.province_id,
        )
        .select_related("application__park")
        .order_by("created_at", "pk")
    )
    seen: list[dict[str, Any]] = []
    for recommend in events:
        if all(row["application"] != recommend.application_id for row in seen):
            seen.append(
                {
                    "application": recommend.application_id,
                    "park": recommend.application.park.name,
                    "on": timezone.localtime(recommend.created_at).date().isoformat(),
                }
            )
    return [{**row, "order": n} for n, row in enumerate(seen, start=1)]


def _quota(application: Application) -> int:
    quota = ProvinceBatchQuota.objects.filter(
        batch_id=application.batch_id, province_id=application.park.province_id
    ).first()
    return quota.limit if quota else RECOMMENDATIONS_PER_PROVINCE


def _items(event: ApplicationEvent) -> list[dict[str, Any]]:
    """A 整改意见's numbered items: one per section commented on, in the application's order,
    then the general comment."""
    items = []
    comments = event.section_comments or {}
    for key in [k for k in SECTIONS_BY_KEY if k in comments] + [
        k for k in comments if k not in SECTIONS_BY_KEY
    ]:
        title = SECTIONS_BY_KEY[key].title if key in SECTIONS_BY_KEY else key
        items.append({"section": str(title), "text": comments[key]})
    if event.comment:
        items.append({"section": str(_("总体意见")), "text": event.comment})
    return items


def build_content(event: ApplicationEvent, kind: str, issuer: str) -> dict[str, Any]:
    """Everything a letter of `event` states, as JSON (format CONTENT_VERSION): strings already
    in the letter's language, numbers already formatted (zcparks/numbers.py)."""
    application = event.application
    park = application.park
    submission = _event_submission(event)
    snapshot = submission.snapshot if submission else {}
    sections = snapshot.get("sections") or {}
    boundary = sections.get("boundary") or {}
    calculation = latest_calculation(snapshot)
    after_construction = kind in AFTER_CONSTRUCTION
    with translation.override(settings.LANGUAGE_CODE):
        content = {
            "kind": kind,
            "title": str(LetterKind(kind).label),
            "issuer": issuer,
            "national": issuer == NATIONAL_ISSUER,
            "decision": str(DECISIONS[event.action]),
            "action": event.action,
            "park": {
                "name": park.name,
                "province": park.province.name_zh,
                "province_code": park.province.code,
                "management_body": boundary.get("management_body")
                or application.management_body
                or "",
                "area_km2": book.show(
                    book.get("boundary", "area_km2"), boundary.get("area_km2")
                ).text
                if boundary.get("area_km2")
                else "",
            },
            "batch": application.batch.name,
            "submission": None
            if submission is None
            else {
                "number": submission.number,
                "submitted_on": timezone.localtime(submission.submitted_at).date().isoformat(),
                "sha256": submission.snapshot_sha256,
            },
            "eligibility": [
                {
                    "title": str(row.get("title") or ""),
                    "outcome": str(row["outcome_label"] or ""),
                    "reason": str(row.get("reason") or ""),
                }
                for row in eligibility_rows(snapshot)
            ],
            "calculation": None
            if calculation is None
            else {
                "year": calculation["year"],
                "factor_set_code": calculation.get("factor_set_code"),
                "factor_set_version": calculation.get("factor_set_version"),
            },
            "indicators": [
                {
                    "label": str(row["label"]),
                    "core": row["core"],
                    "value": str(row["value"]),
                    "target": str(row["target"]),
                    "pass": row["pass"],
                }
                for row in indicator_rows(calculation)
            ],
            "comment": event.comment,
            "section_comments": [
                [str(SECTIONS_BY_KEY[key].title) if key in SECTIONS_BY_KEY else key, text]
                for key, text in (event.section_comments or {}).items()
            ],
            "comments": []
            if after_construction
            else _stated_comments(event, issuer == NATIONAL_ISSUER),
            "decided_on": timezone.localtime(event.created_at).date().isoformat(),
            "basis": BASIS,
            "scores": None
            if after_construction
            else _stated_scores(event, submission, issuer == NATIONAL_ISSUER),
            "core": _core(calculation),
            "programme": {
                "period_start": (sections.get("targets") or {}).get("period_start"),
                "period_end": (sections.get("targets") or {}).get("period_end"),
                "targets": (sections.get("targets") or {}).get("targets") or "",
            },
            "recommended": _recommended(event) if kind == LetterKind.RECOMMENDATION else [],
            "quota": _quota(application),
            "items": _items(event) if kind == LetterKind.REVISION else [],
            "resubmit_by": (
                timezone.localtime(event.created_at).date() + timedelta(days=REVISION_DAYS)
            ).isoformat()
            if kind == LetterKind.REVISION
            else None,
        }
        if after_construction:
            content.update(acceptance_content(event, kind))
    return content


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


# --- Rendering and storing ---------------------------------------------------------------------


def signing_body(letter: Letter) -> str:
    """The key that seals the letter: the body named as its issuer."""
    return seals.body_for(letter.issuer == NATIONAL_ISSUER, letter.application.park.province.code)


def render_pdf(letter: Letter) -> bytes:
    """The letter's PDF, sealed by its issuing body (raises `seals.SealUnavailable` when the
    body has no key: a letter is never stored unsealed)."""
    from weasyprint import HTML

    body = signing_body(letter)
    with translation.override(settings.LANGUAGE_CODE):  # an official letter is in Chinese
        html = render_to_string(f"letters/{letter.kind}.html", letter_context(letter))
        reason = f"{letter.get_kind_display()} {letter.reference}"
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(pdf_variant=PDF_VARIANT)
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
