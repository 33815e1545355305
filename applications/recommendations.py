"""The province's recommendation (models/recommendations.py): assembling the draft.

The provincial reviewer picks up to the quota's number of its parks awaiting it, in order, writes
the provincial opinion and names the co-operating departments (会同) and uploads the
construction plans, one per park (`attach_plan`, decision D49). A park that fails a basic
condition (or leaves it to judgement) or fails the core indicator is recommended only with a
reason. Submitting
is the workflow's (`workflow.submit_recommendation`), in one transaction.

Parks the province does not put forward stay 待省级审核 (decision D26): the province decides on
them one by one, with a reason, by 不予推荐; nothing is decided for them silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from . import evidence, permissions
from .eligibility import OUTCOME_LABELS, Outcome
from .models import (
    COUNTS_AGAINST_QUOTA,
    RECOMMENDATIONS_PER_PROVINCE,
    Application,
    Attachment,
    AttachmentSection,
    Batch,
    ProvinceBatchQuota,
    ProvincialRecommendation,
    RecommendationEntry,
    RecommendationFrozen,
    RecommendationPlan,
    Status,
)

if TYPE_CHECKING:
    from .models import User

MAX_TEXT = 5000
MAX_DEPARTMENTS = 300


class RecommendationError(Exception):
    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Candidate:
    """A park the province may put forward, with what needs a reason before it does."""

    application: Application
    concerns: list[str] = field(default_factory=list)
    entry: RecommendationEntry | None = None

    @property
    def needs_reason(self) -> bool:
        return bool(self.concerns)


@dataclass(frozen=True)
class Quota:
    limit: int
    taken: int  # already with NDRC (recommended earlier and not returned)

    @property
    def left(self) -> int:
        return max(self.limit - self.taken, 0)


def may_assemble(user: User) -> bool:
    return permissions.may(user, "recommend_batch") and user.province_id is not None


def for_user(user: User, batch: Batch) -> ProvincialRecommendation:
    """The province's recommendation of this batch (a draft is made the first time)."""
    if not may_assemble(user):
        raise PermissionDenied(_("只有省级审核人员可以编制本省推荐。"))
    recommendation, _created = ProvincialRecommendation.objects.get_or_create(
        batch=batch, province_id=user.province_id
    )
    return recommendation


def quota(batch_id: int, province_id: int, exclude: list[int] | None = None) -> Quota:
    limit = (
        ProvinceBatchQuota.objects.filter(batch_id=batch_id, province_id=province_id)
        .values_list("limit", flat=True)
        .first()
        or RECOMMENDATIONS_PER_PROVINCE
    )
    taken = (
        Application.objects.filter(
            batch_id=batch_id,
            park__province_id=province_id,
            status__in=COUNTS_AGAINST_QUOTA,
        )
        .exclude(pk__in=exclude or [])
        .count()
    )
    return Quota(limit, taken)


def quotas(batch_ids: list[int], province_id: int) -> dict[int, Quota]:
    """`quota` of several batches of one province, in two queries."""
    limits = dict(
        ProvinceBatchQuota.objects.filter(
            batch_id__in=batch_ids, province_id=province_id
        ).values_list("batch_id", "limit")
    )
    taken = dict(
        Application.objects.filter(
            batch_id__in=batch_ids,
            park__province_id=province_id,
            status__in=COUNTS_AGAINST_QUOTA,
        )
        .order_by()
        .values("batch_id")
        .annotate(n=Count("pk"))
        .values_list("batch_id", "n")
    )
    return {
        pk: Quota(limits.get(pk) or RECOMMENDATIONS_PER_PROVINCE, taken.get(pk, 0))
        for pk in batch_ids
    }


def concerns(application: Application) -> list[str]:
    """What the province must give a reason for: a basic condition not met (or left to its
    judgement) in the submitted snapshot, and the core indicator not met or not calculated."""
    submission = application.submissions.order_by("-number").first()
    snapshot = submission.snapshot if submission else {}
    found = [
        _("基本条件“%(title)s”：%(outcome)s")
        % {"title": row.get("title"), "outcome": OUTCOME_LABELS.get(row.get("outcome"), "")}
        for row in snapshot.get("eligibility") or []
        if row.get("outcome") != Outcome.PASS
    ]
    if application.core_pass is False:
        found.append(_("核心指标（单位能耗碳排放）未达标"))
    elif application.core_pass is None:
        found.append(_("核心指标无核算结果"))
    return found


def candidates(recommendation: ProvincialRecommendation) -> list[Candidate]:
    """The parks of the province awaiting it in this batch (and those already entered)."""
    entries = {e.application_id: e for e in recommendation.entries.all()}
    applications = (
        Application.objects.filter(
            batch_id=recommendation.batch_id, park__province_id=recommendation.province_id
        ).filter(status=Status.SUBMITTED)
        if not recommendation.is_submitted
        else Application.objects.filter(pk__in=list(entries))
    )
    applications = (
        applications.select_related("park__province", "batch")
        .defer("data", "boundary_geojson")
        .order_by("park__name")
    )
    rows = [Candidate(a, concerns(a), entries.get(a.pk)) for a in applications]
    rows.sort(key=lambda c: (c.entry is None, c.entry.position if c.entry else 0))
    return rows


def plans(application_ids: list[int]) -> dict[int, list]:
    """The construction plans: each park's plan attachments (the application's attachments
    other than the data evidence), by application id."""
    evidence = {
        AttachmentSection.DATA_STATISTICS,
        AttachmentSection.DATA_ACCOUNTING,
        AttachmentSection.DATA_METERING,
        AttachmentSection.DATA_MONITORING,
    }
    found: dict[int, list] = {}
    for attachment in (
        Attachment.objects.filter(application_id__in=application_ids)
        .exclude(section__in=evidence)
        .order_by("pk")
    ):
        found.setdefault(attachment.application_id, []).append(attachment)
    return found


def attached_plans(recommendation: ProvincialRecommendation) -> dict[int, RecommendationPlan]:
    """The construction plans the province attached, by application id."""
    return {p.application_id: p for p in recommendation.plans.all()}


def may_read_plan(user: User, plan: RecommendationPlan) -> bool:
    """The province that sent it and NDRC (permission `read_recommendation_plan`)."""
    if not permissions.may(user, "read_recommendation_plan"):
        return False
    if permissions.may(user, "recommend_batch"):  # a province: its own recommendation only
        return plan.recommendation.province_id == user.province_id
    return True


def attach_plan(
    user: User,
    recommendation: ProvincialRecommendation,
    application_id: int,
    *,
    name: str,
    content: bytes,
) -> RecommendationPlan:
    """Store the construction plan of one park of the draft (replacing an earlier one): checked
    by its content like evidence, stored privately under its hash through STORAGES."""
    if not may_assemble(user) or user.province_id != recommendation.province_id:
        raise PermissionDenied(_("只有本省的省级审核人员可以编制本省推荐。"))
    if recommendation.is_submitted:
        raise RecommendationFrozen
    application = (
        permissions.permitted(user, "recommend")
        .filter(
            pk=application_id,
            batch_id=recommendation.batch_id,
            park__province_id=recommendation.province_id,
        )
        .select_related("park")
        .first()
    )
    if application is None:
        raise RecommendationError(
            _("所选园区不在本省待推荐的申报书中，请刷新后重选。"), "applications"
        )
    try:
        checked = evidence.check_file(name, content)
    except evidence.EvidenceError as error:
        raise RecommendationError(
            _("%(park)s的建设方案：%(why)s") % {"park": application.park.name, "why": error},
            f"plan_{application_id}",
        ) from None
    with transaction.atomic():
        locked = ProvincialRecommendation.objects.select_for_update().get(pk=recommendation.pk)
        if locked.is_submitted:
            raise RecommendationFrozen
        earlier = RecommendationPlan.objects.filter(
            recommendation=locked, application_id=application_id
        ).first()
        plan = RecommendationPlan(
            recommendation=locked,
            application_id=application_id,
            original_name=name[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=user,
        )
        replaced = earlier.file.name if earlier is not None else ""
        if earlier is not None:
            earlier.delete()
        plan.file.save("upload", ContentFile(checked.content), save=False)
        try:
            plan.save()
        except Exception:
            plan.file.delete(save=False)
            raise
        if replaced and replaced != plan.file.name:
            storage = plan.file.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    return plan


def _text(value: str, name: str, limit: int, label: str) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise RecommendationError(_("%(label)s中含有无效字符（NUL）。") % {"label": label}, name)
    if len(value) > limit:
        raise RecommendationError(
            _("%(label)s不能超过 %(n)s 个字。") % {"label": label, "n": limit}, name
        )
    return value


def save_draft(
    user: User,
    recommendation: ProvincialRecommendation,
    *,
    opinion: str,
    departments: str,
    chosen: list[tuple[int, str]],
) -> ProvincialRecommendation:
    """Write the draft: `chosen` is [(application id, reason)] in the province's order."""
    if not may_assemble(user) or user.province_id != recommendation.province_id:
        raise PermissionDenied(_("只有本省的省级审核人员可以编制本省推荐。"))
    opinion = _text(opinion, "opinion", MAX_TEXT, _("省级推荐意见"))
    departments = _text(departments, "departments", MAX_DEPARTMENTS, _("会同部门"))
    ids = [pk for pk, _reason in chosen]
    if len(set(ids)) != len(ids):
        raise RecommendationError(_("同一园区只能推荐一次。"), "applications")
    with transaction.atomic():
        locked = ProvincialRecommendation.objects.select_for_update().get(pk=recommendation.pk)
        if locked.is_submitted:
            raise RecommendationFrozen
        allowed = set(
            permissions.permitted(user, "recommend")
            .filter(
                pk__in=ids,
                batch_id=locked.batch_id,
                park__province_id=locked.province_id,
            )
            .values_list("pk", flat=True)
        )
        if set(ids) - allowed:
            raise RecommendationError(
                _("所选园区不在本省待推荐的申报书中，请刷新后重选。"), "applications"
            )
        left = quota(locked.batch_id, locked.province_id, exclude=ids).left
        if len(ids) > left:
            raise RecommendationError(
                _("本省本批次还可推荐 %(left)s 个园区，不能选择 %(n)s 个。")
                % {"left": left, "n": len(ids)},
                "applications",
            )
        RecommendationEntry.objects.filter(recommendation=locked).delete()
        RecommendationEntry.objects.bulk_create(
            [
                RecommendationEntry(
                    recommendation=locked,
                    application_id=pk,
                    position=n,
                    override_reason=_text(reason, "reason", MAX_TEXT, _("推荐理由")),
                )
                for n, (pk, reason) in enumerate(chosen, start=1)
            ]
        )
        locked.opinion = opinion
        locked.departments = departments
        locked.save(update_fields=["opinion", "departments", "updated_at"])
    return locked
