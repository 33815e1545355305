"""The construction list (建设名单, notice 三(三)): what NDRC's closing of a batch publishes.

When NDRC closes a batch (`batch_closing.close_batch`, permission `close_batch`), the approved
parks of that batch form its published construction list: public, without sign-in, by province,
and as CSV or XLSX. Approval is final, so the list is read from the approved applications of the
closed batches rather than copied at closing. This module reads; the act is in batch_closing.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounting.labels import TIER_LABELS

from . import exports
from .models import (
    NATIONAL_STAGE,
    Application,
    Batch,
    BatchClosure,
    Status,
)

# Applications that still wait for a decision of NDRC: a batch is not closed over them.
AWAITING_NDRC = NATIONAL_STAGE
# A published list is frozen by its closing (approval is final), so its rendered table and its
# exports are cached under the closings they show (decision D37); a day bounds the staleness
# of what is not frozen with it (a park renamed by an administrator).
CACHE_SECONDS = 24 * 3600

T = TypeVar("T")


def published_batches() -> QuerySet[Batch]:
    """Closed batches, newest closing first, with their approved parks counted."""
    return (
        Batch.objects.filter(closure__isnull=False)
        .select_related("closure")
        .annotate(parks=Count("applications", filter=Q(applications__status=Status.APPROVED)))
        .order_by("-closure__created_at", "-pk")
    )


def open_batches() -> QuerySet[Batch]:
    """Batches not closed yet, each with its approved parks and those still awaiting NDRC."""
    return (
        Batch.objects.filter(closure__isnull=True)
        .annotate(
            approved=Count("applications", filter=Q(applications__status=Status.APPROVED)),
            awaiting=Count("applications", filter=Q(applications__status__in=AWAITING_NDRC)),
        )
        .order_by("-year", "-deadline")
    )


def listed(batch: Batch | None = None) -> QuerySet[Application]:
    """The parks on the published lists (of one batch, or every closed one): their approved
    applications, by batch, province and park name."""
    rows = Application.objects.filter(status=Status.APPROVED, batch__closure__isnull=False)
    if batch is not None:
        rows = rows.filter(batch=batch)
    return rows.select_related("park__province", "batch__closure").order_by(
        "-batch__closure__created_at", "batch_id", "park__province__code", "park__name"
    )


def _version(batches: list[Batch]) -> str:
    """The closings these batches were published by: the batch, its closure and the closing's
    instant (so a test database's reused ids never meet an older cache entry)."""
    return "_".join(
        f"{b.pk}.{b.closure.pk}.{b.closure.created_at.timestamp():.6f}" for b in batches
    )


def cached(kind: str, batches: list[Batch], build: Callable[[], T]) -> T:
    """`build()`'s result (a rendered table, an export's bytes) for these published batches in
    the current language, computed once per (kind, closings, language)."""
    key = f"construction-list:{kind}:{get_language()}:{_version(batches)}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, CACHE_SECONDS)
    return found


@dataclass(frozen=True)
class ProvinceGroup:
    province: Any
    applications: list[Application]


@dataclass(frozen=True)
class PublishedList:
    batch: Batch
    closure: BatchClosure
    provinces: list[ProvinceGroup]

    @property
    def count(self) -> int:
        return sum(len(g.applications) for g in self.provinces)


def grouped(applications) -> list[PublishedList]:
    """Rows of `listed()` as the page shows them: each batch, its provinces, their parks."""
    lists: list[PublishedList] = []
    for application in applications:
        batch = application.batch
        if not lists or lists[-1].batch.pk != batch.pk:
            lists.append(PublishedList(batch, batch.closure, []))
        groups = lists[-1].provinces
        if not groups or groups[-1].province.pk != application.park.province_id:
            groups.append(ProvinceGroup(application.park.province, []))
        groups[-1].applications.append(application)
    return lists


def tier_label(tier: str) -> str:
    return str(TIER_LABELS.get(tier, "—")) if tier else "—"


def export_rows(applications) -> list[list[Any]]:
    """The export: a header row, then one row per park (texts neutralised for spreadsheets)."""
    rows: list[list[Any]] = [
        [
            _("批次"),
            _("发布日期"),
            _("序号"),
            _("省份"),
            _("所在市、县"),
            _("园区名称"),
            _("建设和管理主体"),
            _("能耗规模"),
        ]
    ]
    number = 0
    previous = None
    for application in applications:
        number = 1 if application.batch_id != previous else number + 1
        previous = application.batch_id
        closed = timezone.localtime(application.batch.closure.created_at).date().isoformat()
        rows.append(
            [
                exports.neutralise(application.batch.name),
                closed,
                number,
                exports.neutralise(application.park.province.name_zh),
                exports.neutralise(exports.place(application.park.division_code)),
                exports.neutralise(application.park.name),
                exports.neutralise(application.management_body or application.park.management_body),
                tier_label(application.tier),
            ]
        )
    return rows
