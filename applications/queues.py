"""The reviewers' queues: filters, search, sort and counts, as plain indexed SQL.

`access.review_queue(user, queue)` decides which applications a queue holds; this module narrows
and orders them from the query string. Tier and core pass are columns of the application (copied
from the submission snapshot at submission), so no filter reads JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from accounting import labels
from zcparks.params import choice_param, code_param, int_param, text_param

from . import access, permissions
from .models import (
    COUNTS_AGAINST_QUOTA,
    NATIONAL_STAGE,
    Application,
    AssignmentKind,
    Batch,
    Province,
    ReviewAssignment,
    ReviewScore,
    Status,
    User,
)

QUEUES = {
    "provincial": _("省级审核"),
    "national": _("国家评审"),
    "mine": _("指派给我"),
}
TIERS = labels.TIER_LABELS
NO_TIER = "none"  # the tier filter's value for "no calculation result, so no tier"
SORTS = {
    "park": ("park__name", "pk"),
    "-park": ("-park__name", "-pk"),
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
    "intensity": ("intensity", "pk"),
    "-intensity": ("-intensity", "-pk"),
    "province": ("park__province__code", "park__name", "pk"),
    "status": ("status", "park__name", "pk"),
}
DEFAULT_SORT = "-submitted"
CORE_CHOICES = ("pass", "fail", "unknown")
CORE_LABELS = {"pass": _("达标"), "fail": _("未达标"), "unknown": _("无核算结果")}
# What an assignee still owes: the declaration of (no) conflict of interest, or a score sheet on
# the current submission while NDRC reviews: the reader's own, or for NDRC the `assignee` filter's.
AWAITING = {
    "declaration": _("待声明利益冲突"),
    "score": _("待评分"),
}
# A group of states as one filter: "quota" = those that take one of the province's
# recommendations (the province workbench's 已用 count links with it).
STAGES = {
    "quota": _("占用推荐名额（已推荐及之后）"),
}
PAGE_SIZE = 25


@dataclass
class QueueFilters:
    province: str = ""
    batch: int | None = None
    status: str = ""
    stage: str = ""  # a key of STAGES
    tier: str = ""
    core: str = ""  # "pass" | "fail" | "unknown"
    assignee: int | None = None
    awaiting: str = ""  # a key of AWAITING
    awaiting_for: int | None = None  # whose assignments `awaiting` reads (set by `_own`)
    q: str = ""
    sort: str = DEFAULT_SORT
    active: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_query(cls, params) -> QueueFilters:
        """Each filter parsed: a value no filter link sends is a 400 naming the parameter."""
        found = cls(
            province=code_param(params, "province", r"[0-9]{2}"),
            batch=int_param(params, "batch"),
            status=choice_param(params, "status", Status.values),
            stage=choice_param(params, "stage", STAGES),
            tier=choice_param(params, "tier", [*TIERS, NO_TIER]),
            core=choice_param(params, "core", CORE_CHOICES),
            assignee=int_param(params, "assignee"),
            awaiting=choice_param(params, "awaiting", AWAITING),
            q=text_param(params, "q", max_length=100),
            sort=choice_param(params, "sort", SORTS, default=DEFAULT_SORT),
        )
        found.active = {
            k: v
            for k, v in (
                ("province", found.province),
                ("batch", found.batch),
                ("status", found.status),
                ("stage", found.stage),
                ("tier", found.tier),
                ("core", found.core),
                ("assignee", found.assignee),
                ("awaiting", found.awaiting),
                ("q", found.q),
            )
            if v not in ("", None)
        }
        return found


def filtered(
    queryset: QuerySet[Application], filters: QueueFilters, with_status: bool = True
) -> QuerySet[Application]:
    if filters.province:
        queryset = queryset.filter(park__province__code=filters.province)
    if filters.batch:
        queryset = queryset.filter(batch_id=filters.batch)
    if with_status and filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.stage == "quota":
        queryset = queryset.filter(status__in=COUNTS_AGAINST_QUOTA)
    if filters.tier:
        queryset = queryset.filter(tier="" if filters.tier == NO_TIER else filters.tier)
    if filters.core == "pass":
        queryset = queryset.filter(core_pass=True)
    elif filters.core == "fail":
        queryset = queryset.filter(core_pass=False)
    elif filters.core == "unknown":
        queryset = queryset.filter(core_pass__isnull=True)
    if filters.assignee:
        queryset = queryset.filter(assignments__assignee_id=filters.assignee)
    if filters.awaiting and filters.awaiting_for:
        queryset = queryset.filter(awaited(filters.awaiting, filters.awaiting_for))
    if filters.q:
        queryset = queryset.filter(park__name__icontains=filters.q)
    return queryset


def awaited(what: str, assignee_id: int) -> Exists:
    """The applications on which this assignee still owes `what` (a key of AWAITING)."""
    mine = ReviewAssignment.objects.filter(application=OuterRef("pk"), assignee_id=assignee_id)
    if what == "declaration":
        return Exists(mine.filter(declared_at__isnull=True))
    scored = ReviewScore.objects.filter(
        application=OuterRef("application_id"),
        reviewer_id=assignee_id,
        submission_number=OuterRef("application__submission_count"),
    )
    return Exists(
        mine.filter(application__status__in=NATIONAL_STAGE)
        .exclude(kind=AssignmentKind.EXPERT, declared_at__isnull=True)
        .filter(~Exists(scored))
    )


def _sees_assignments(user: User) -> bool:
    """Who NDRC assigned is NDRC's internal material: not shown, filtered or exported for others."""
    return permissions.may(user, "read_ndrc_material")


def _own(user: User, filters: QueueFilters) -> QueueFilters:
    """The filters this reader may use: whom NDRC assigned only for NDRC; `awaiting` reads the
    reader's own assignments, or the named assignee's for NDRC (its workbench's links)."""
    if filters.assignee and not _sees_assignments(user):
        filters = replace(filters, assignee=None)
    whose = filters.assignee if permissions.may(user, "national_statistics") else None
    return replace(filters, awaiting_for=whose or user.pk)


def narrowed(
    user: User, queryset: QuerySet[Application], filters: QueueFilters
) -> QuerySet[Application]:
    """Any list of applications (the application list) narrowed by the queue's filters, as far
    as this reader may use them."""
    return filtered(queryset, _own(user, filters))


def queue_rows(user: User, queue: str, filters: QueueFilters) -> QuerySet[Application]:
    """The queue, filtered and sorted, with what each row shows (assignees prefetched)."""
    assignments = ReviewAssignment.objects.select_related("assignee")
    if not _sees_assignments(user):
        assignments = assignments.none()
    # No DISTINCT needed: an assignee is on an application at most once.
    return (
        filtered(access.review_queue(user, queue), _own(user, filters))
        .select_related("park__province", "batch")
        .defer("data", "boundary_geojson")  # a queue row never shows them; they can be large
        .prefetch_related(Prefetch("assignments", queryset=assignments))
        .order_by(*SORTS[filters.sort])
    )


def status_counts(user: User, queue: str, filters: QueueFilters) -> list[tuple[str, str, int]]:
    """(status, label, count) of the queue under every filter but the status, in one query."""
    counts = {row["status"]: row["n"] for row in status_count_rows(user, queue, filters)}
    return [(value, label, counts[value]) for value, label in Status.choices if value in counts]


def status_count_rows(user: User, queue: str, filters: QueueFilters) -> QuerySet:
    """The query of `status_counts`. COUNT(*), not COUNT(id): the national queue's counts then
    read its status index alone (an index-only scan of application_ndrc_status)."""
    return (
        filtered(access.review_queue(user, queue), _own(user, filters), with_status=False)
        .order_by()
        .values("status")
        .annotate(n=Count("*"))
    )


def filter_choices(user: User, queue: str) -> dict[str, Any]:
    """Options of the filter form (three small queries)."""
    provinces = Province.objects.order_by("code")
    if user.role == "provincial":
        provinces = provinces.filter(pk=user.province_id)
    return {
        "provinces": list(provinces),
        "batches": list(Batch.objects.order_by("-year", "name")),
        "assignees": list(
            User.objects.filter(review_assignments__isnull=False).distinct().order_by("username")
        )
        if _sees_assignments(user)
        else [],
        "statuses": Status.choices,
        "tiers": [*TIERS.items(), (NO_TIER, CORE_LABELS["unknown"])],
        "awaiting": list(AWAITING.items()) if queue != "provincial" else [],
        "sorts": SORTS,
    }
