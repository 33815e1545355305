"""What every letter states: the record frozen into `Letter.content` when it is issued.

`build_content` gathers, in the letter's language and with numbers already formatted, what a
letter of a decision states: park, submission decided on, eligibility, indicators, comments,
scores, the decision; and what each kind adds: the province's recommended parks and quota for a
推荐函, the numbered items and the date to resubmit by for a 整改意见. The acceptance letter and
the certificate add their own part (`letter_content_acceptance`). Issuing, freezing, reissuing,
rendering and verifying the record are `letters`'s.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounting import labels
from zcparks import numbers

from . import book, rubric
from .eligibility import OUTCOME_LABELS
from .letter_content_acceptance import acceptance_content
from .models import (
    RECOMMENDATIONS_PER_PROVINCE,
    Application,
    ApplicationEvent,
    CommentVisibility,
    LetterKind,
    ProvinceBatchQuota,
    ProvincialRecommendation,
    ReviewScore,
    Role,
)
from .sections import SECTIONS_BY_KEY

# The format of Letter.content written now (build_content); templates read every version kept.
CONTENT_VERSION = 4  # 1: without scores, core indicator, programme, recommendations, items;
# 2: the acceptance letter and the certificate without their own record ("acceptance");
# 3: a 推荐函 without the construction plans sent with the recommendation ("plans", D52)
# The notice the letters rest on, and the time a park has to resubmit after a 整改意见 (D27).
BASIS = (
    "《国家发展改革委 工业和信息化部 国家能源局关于开展零碳园区建设的通知》"
    "（发改环资〔2025〕910号）"
)
REVISION_DAYS = 30
NATIONAL_ISSUER = "国家发展和改革委员会"
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


def provincial_issuer(province_name: str) -> str:
    return f"{province_name}发展和改革委员会"


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


def _plans(application: Application) -> list[dict[str, Any]]:
    """The construction plans (建设方案) the province sends with the recommendation this park is
    in, one per recommended park in the province's order: the park, the file's name and its
    SHA-256 digest, as frozen with the recommendation (D49, D52)."""
    recommendation = ProvincialRecommendation.objects.filter(
        batch_id=application.batch_id,
        province_id=application.park.province_id,
        entries__application=application,
    ).first()
    if recommendation is None:  # recommended one by one, before the province's act existed
        return []
    plans = {plan.application_id: plan for plan in recommendation.plans.all()}
    return [
        {
            "park": entry.application.park.name,
            "name": plans[entry.application_id].original_name,
            "sha256": plans[entry.application_id].sha256,
        }
        for entry in recommendation.entries.select_related("application__park").order_by("position")
        if entry.application_id in plans
    ]


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
            "plans": _plans(application) if kind == LetterKind.RECOMMENDATION else [],
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
