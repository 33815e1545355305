"""What each role's workbench (the home page) shows: the next things to do, the dates that bind
them, the counts of their applications and, for NDRC, the statistics and the map.

Every count is one row of a grouped query (never a query per row) and carries the link of the
list that shows exactly those applications: the application list or a queue, with the query
parameters that filter it (applications/queues.py `QueueFilters`). What a person sees is what
the permission table lets them see (`access.visible_applications`, the queues): a province counts
its own province only, NDRC what reached it, an expert what it was assigned.

The map of the parks is not in the page: the page loads `map_outlines` from a JSON endpoint
(decision D35), so the workbench stays within the page target however many parks have drawn a
boundary; the outlines are simplified (`OUTLINE_VERTICES`, `OUTLINE_PLACES`) and compressed.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounting import labels
from accounting.models import CalculationRun, ParkYear, RunStatus
from zcparks import numbers

from . import access, deadlines, permissions, queues, recommendations, revisions, services
from .models import (
    EDITABLE_STATES,
    NATIONAL_STAGE,
    REPORT_EDITABLE,
    Application,
    AssignmentKind,
    Batch,
    ConstructionProgramme,
    ProgrammeStage,
    ProgressReport,
    ReportStatus,
    ReviewAssignment,
    ReviewScore,
    Role,
    Status,
    User,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

# A list on the workbench shows this many items; the link beside it opens the whole list.
SHOWN = 10
# Map outlines: at most this many vertices a ring, coordinates to this many decimals (~100 m; a
# park is kilometres across, and the map shows all of China first).
OUTLINE_VERTICES = 16
OUTLINE_PLACES = 3
# The map's JSON is cached under a version of what it shows (map_json, decision D38); this bounds
# how long a change the version does not see (a park renamed) takes to show.
MAP_CACHE_SECONDS = 600


def link(name: str, **params: Any) -> str:
    """The URL of a list, filtered by these query parameters (empty ones left out)."""
    url = reverse(name)
    params = {k: v for k, v in params.items() if v not in ("", None)}
    return f"{url}?{urlencode(params)}" if params else url


@dataclass(frozen=True)
class Tally:
    """One count on a workbench, with its label and the list it opens."""

    key: str
    label: str
    n: int
    url: str


@dataclass(frozen=True)
class Task:
    """Something a person has to do next."""

    text: str
    url: str
    due: datetime.datetime | datetime.date | None = None
    detail: str = ""

    @property
    def due_label(self) -> str:
        if self.due is None:
            return ""
        if isinstance(self.due, datetime.datetime):
            return deadlines.label(self.due)
        return f"{self.due.year}年{self.due.month}月{self.due.day}日"


# --- The park -----------------------------------------------------------------------------------


@dataclass
class ParkApplication:
    application: Application
    tasks: list[Task] = field(default_factory=list)


@dataclass(frozen=True)
class YearResult:
    year: int
    tier: str
    core_pass: bool | None
    intensity: str
    threshold: str
    url: str


def _application_tasks(application: Application) -> list[Task]:
    """What the park does next on this application, from its state."""
    pk = application.pk
    detail = reverse("application_detail", args=[pk])
    tasks = []
    if application.status == Status.RETURNED:
        open_comments = revisions.open_comments(application)
        unanswered = [c for c in open_comments if not c.answer.strip()]
        if unanswered:
            tasks.append(
                Task(
                    _("逐条答复退回意见（尚有 %(n)s 条未答复）") % {"n": len(unanswered)},
                    reverse("application_answers", args=[pk]),
                    detail="、".join(str(c.title) for c in unanswered),
                )
            )
    if application.status in EDITABLE_STATES:
        incomplete = [s for s in services.section_statuses(application) if not s.complete]
        for section in incomplete:
            tasks.append(
                Task(
                    _("填写“%(section)s”") % {"section": section.title},
                    reverse("application_section", args=[pk, section.key]),
                    detail=_("缺少：%(items)s") % {"items": "、".join(section.missing)},
                )
            )
        if application.submission_count:
            text = _("修改完成后重新提交申报书")
            due = None  # a resubmission is not bound by the date (D25)
        else:
            text = _("检查后提交申报书")
            due = deadlines.dates_for(application.batch, application.park.province_id).parks_until
        if not incomplete:
            tasks.append(Task(text, detail, due))
    return tasks


def _programme_tasks(programmes: list[ConstructionProgramme], today: datetime.date) -> list[Task]:
    tasks = []
    for programme in programmes:
        reports = list(programme.reports.all())
        for report in reports:
            if report.status in REPORT_EDITABLE:
                text = (
                    _("修改并重新提交 %(year)s 年度建设进展报告")
                    if report.status == ReportStatus.RETURNED
                    else _("填写并提交 %(year)s 年度建设进展报告")
                )
                tasks.append(
                    Task(
                        text % {"year": report.year},
                        reverse("report_edit", args=[report.pk]),
                        report.due_date,
                        report.request_note,
                    )
                )
        last_year = today.year - 1
        reported = {r.year for r in reports if r.kind == "annual"}
        if (
            programme.stage == ProgrammeStage.BUILDING
            and programme.period_start <= last_year <= programme.period_end
            and last_year not in reported
        ):
            tasks.append(
                Task(
                    _("报送 %(year)s 年度建设进展报告") % {"year": last_year},
                    reverse("programme_detail", args=[programme.pk]),
                )
            )
        if programme.stage == ProgrammeStage.SELF_ASSESSMENT:
            tasks.append(
                Task(
                    _("开展自评估并报送省级发展改革委"),
                    reverse("acceptance_detail", args=[programme.pk]),
                )
            )
    return tasks


def latest_results(park_id: int) -> list[YearResult]:
    """The latest successful calculation of each of the park's years: tier, core indicator (two
    queries; only the result's headline keys are read, not its breakdowns)."""
    latest = CalculationRun.objects.filter(
        park_year=OuterRef("pk"), status=RunStatus.SUCCEEDED
    ).order_by("-started_at", "-id")
    run_ids = [
        pk
        for pk in ParkYear.objects.filter(park_id=park_id)
        .annotate(run=Subquery(latest.values("pk")[:1]))
        .values_list("run", flat=True)
        if pk is not None
    ]
    rows = (
        CalculationRun.objects.filter(pk__in=run_ids)
        .values("park_year__year")
        .annotate(
            tier=KT("result__tier"),
            core=KT("result__core_pass"),
            intensity=KT("result__intensity"),
            threshold=KT("result__threshold"),
        )
        .order_by("-park_year__year")
    )
    results = []
    for row in rows:
        year = row["park_year__year"]
        core = {"true": True, "false": False}.get((row["core"] or "").lower())
        results.append(
            YearResult(
                year,
                str(labels.TIER_LABELS.get(row["tier"] or "", row["tier"] or "—")),
                core,
                numbers.intensity(Decimal(row["intensity"])) if row["intensity"] else "—",
                numbers.intensity(Decimal(row["threshold"])) if row["threshold"] else "—",
                reverse("accounting:result", args=[park_id, year]),
            )
        )
    return results


def park_bench(user: User, now: datetime.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    applications = list(
        access.visible_applications(user)
        .prefetch_related("incidents", "attachments")
        .order_by("-batch__year", "-pk")
    )
    rows = [ParkApplication(a, _application_tasks(a)) for a in applications]
    programmes = list(
        ConstructionProgramme.objects.filter(park_id=user.park_id)
        .prefetch_related("reports")
        .order_by("-period_start", "-pk")
    )
    tasks = [t for row in rows for t in row.tasks]
    tasks += _programme_tasks(programmes, timezone.localdate(now))
    taken = {a.batch_id for a in applications}
    current = deadlines.current_batches()
    open_batches = [b for b in current if b.pk not in taken and b.opens_at <= now <= b.deadline]
    if open_batches and permissions.may(user, "start_application"):
        tasks.insert(
            0,
            Task(
                _("开始填写“%(batch)s”的申报书") % {"batch": open_batches[0].name},
                reverse("application_list"),
                deadlines.dates_for(open_batches[0], user.park.province_id).parks_until,
            ),
        )
    batches = {b.pk: b for b in current}
    batches.update({a.batch_id: a.batch for a in applications if a.batch.is_active})
    reports_due = [
        (programme, report)
        for programme in programmes
        for report in programme.reports.all()
        if report.due_date and report.status in REPORT_EDITABLE
    ]
    return {
        "tasks": tasks,
        "applications": rows,
        "deadline_rows": deadlines.shown(batches.values(), user.park.province_id, now),
        "reports_due": reports_due,
        "results": latest_results(user.park_id),
    }


# --- Counts -------------------------------------------------------------------------------------


def _status_counts(queryset, list_name: str = "application_list") -> list[Tally]:
    """(state, label, n, link) of these applications, in one grouped query."""
    found = dict(
        queryset.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [
        Tally(
            value,
            str(label),
            found[value],
            link(list_name, status=value),
        )
        for value, label in Status.choices
        if value in found
    ]


@dataclass
class Statistics:
    """NDRC's counts by province, state, tier and core indicator, from one grouped query."""

    total: int
    by_state: list[Tally]
    by_tier: list[Tally]
    by_core: list[Tally]
    by_province: list[dict[str, Any]]  # {province, total, url, cells: [Tally per state]}
    states: list[tuple[str, str]]  # the states that occur, the province table's columns

    def chart_data(self) -> dict[str, Any]:
        """What the charts draw (static/js/workbench.js), labels in the reader's language."""

        def series(counts: list[Tally]) -> dict[str, list]:
            return {
                "labels": [c.label for c in counts],
                "values": [c.n for c in counts],
                "urls": [c.url for c in counts],
            }

        return {
            "state": series(self.by_state),
            "tier": series(self.by_tier),
            "core": series(self.by_core),
            "province": {
                "labels": [row["label"] for row in self.by_province],
                "values": [row["total"] for row in self.by_province],
                "urls": [row["url"] for row in self.by_province],
            },
            "count_label": _("申报书数量"),
        }


def statistics(queryset) -> Statistics:
    """The counts of these applications (the reader's visible ones) by province × state × tier ×
    core indicator: one GROUP BY, folded into the four tables here."""
    rows = list(
        queryset.order_by()
        .values("park__province__code", "park__province__name_zh", "status", "tier", "core_pass")
        .annotate(n=Count("pk"))
    )
    states: dict[str, int] = {}
    tiers: dict[str, int] = {}
    cores: dict[str, int] = {}
    provinces: dict[str, dict[str, Any]] = {}
    for row in rows:
        n = row["n"]
        states[row["status"]] = states.get(row["status"], 0) + n
        tiers[row["tier"] or ""] = tiers.get(row["tier"] or "", 0) + n
        core = {True: "pass", False: "fail", None: "unknown"}[row["core_pass"]]
        cores[core] = cores.get(core, 0) + n
        code = row["park__province__code"]
        province = provinces.setdefault(
            code, {"code": code, "label": row["park__province__name_zh"], "total": 0, "states": {}}
        )
        province["total"] += n
        province["states"][row["status"]] = province["states"].get(row["status"], 0) + n
    present = [(value, str(label)) for value, label in Status.choices if value in states]
    by_province = []
    for code in sorted(provinces):
        province = provinces[code]
        by_province.append(
            {
                "code": code,
                "label": province["label"],
                "total": province["total"],
                "url": link("application_list", province=code),
                "cells": [
                    Tally(
                        value,
                        label,
                        province["states"].get(value, 0),
                        link("application_list", province=code, status=value),
                    )
                    for value, label in present
                ],
            }
        )
    by_tier = [
        Tally(key, str(label), tiers[key], link("application_list", tier=key))
        for key, label in labels.TIER_LABELS.items()
        if key in tiers
    ]
    if tiers.get(""):
        # No tier: never calculated when submitted (or a draft).
        by_tier.append(
            Tally(
                queues.NO_TIER,
                _("无核算结果"),
                tiers[""],
                link("application_list", tier=queues.NO_TIER),
            )
        )
    return Statistics(
        total=sum(states.values()),
        by_state=[
            Tally(value, label, states[value], link("application_list", status=value))
            for value, label in present
        ],
        by_tier=by_tier,
        by_core=[
            Tally(key, str(label), cores[key], link("application_list", core=key))
            for key, label in queues.CORE_LABELS.items()
            if key in cores
        ],
        by_province=by_province,
        states=present,
    )


# --- NDRC: what awaits each reviewer and expert --------------------------------------------------


@dataclass(frozen=True)
class Awaiting:
    person: User
    assigned: int
    undeclared: int
    unscored: int
    undeclared_url: str
    unscored_url: str
    assigned_url: str


def awaiting_people() -> list[Awaiting]:
    """Per assignee, over applications NDRC is reviewing: assigned, not yet declared (experts),
    declared but not scored on the current submission. One grouped query and one for the
    people."""
    scored = ReviewScore.objects.filter(
        application=OuterRef("application_id"),
        reviewer=OuterRef("assignee_id"),
        submission_number=OuterRef("application__submission_count"),
    )
    undeclared = Q(kind=AssignmentKind.EXPERT, declared_at__isnull=True)
    rows = list(
        ReviewAssignment.objects.filter(application__status__in=NATIONAL_STAGE)
        .annotate(scored=Exists(scored))
        .order_by()
        .values("assignee_id")
        .annotate(
            assigned=Count("pk"),
            undeclared=Count("pk", filter=undeclared),
            unscored=Count("pk", filter=Q(scored=False) & ~undeclared),
        )
    )
    people = User.objects.in_bulk([r["assignee_id"] for r in rows])
    found = []
    for row in rows:
        pk = row["assignee_id"]
        found.append(
            Awaiting(
                people[pk],
                row["assigned"],
                row["undeclared"],
                row["unscored"],
                link("review_queue_national", assignee=pk, awaiting="declaration"),
                link("review_queue_national", assignee=pk, awaiting="score"),
                link("review_queue_national", assignee=pk),
            )
        )
    found.sort(key=lambda a: (a.person.role != Role.EXPERT, -(a.undeclared + a.unscored)))
    return found


def ndrc_bench(user: User, now: datetime.datetime | None = None) -> dict[str, Any]:
    visible = access.visible_applications(user)
    stats = statistics(visible)
    current = deadlines.current_batches()
    national = access.review_queue(user, "national")
    decide = _status_counts(national.filter(status__in=NATIONAL_STAGE), "review_queue_national")
    return {
        "stats": stats,
        "stat_tables": [
            ("state", _("按状态"), stats.by_state),
            ("tier", _("按能耗规模档"), stats.by_tier),
            ("core", _("按核心指标"), stats.by_core),
        ],
        "chart_data": stats.chart_data(),
        "deadline_rows": deadlines.shown(current, None, now),
        "to_decide": decide,
        "awaiting": awaiting_people(),
        "map_url": reverse("workbench_map"),
    }


# --- The province ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchQuota:
    batch: Batch
    quota: recommendations.Quota
    waiting: int  # its parks awaiting the province's decision in this batch
    url: str
    waiting_url: str
    taken_url: str  # the applications that take a recommendation (the 已用 count)


def province_bench(user: User, now: datetime.datetime | None = None) -> dict[str, Any]:
    province_id = user.province_id
    visible = access.visible_applications(user)
    current = deadlines.current_batches()
    batch_ids = [b.pk for b in current]
    quotas = recommendations.quotas(batch_ids, province_id) if batch_ids else {}
    waiting = dict(
        visible.filter(status=Status.SUBMITTED, batch_id__in=batch_ids)
        .order_by()
        .values("batch_id")
        .annotate(n=Count("pk"))
        .values_list("batch_id", "n")
    )
    awaiting = list(
        access.review_queue(user, "provincial")
        .filter(status=Status.SUBMITTED)
        .defer("data", "boundary_geojson")
        .order_by("submitted_at", "pk")[:SHOWN]
    )
    reports = ProgressReport.objects.filter(
        programme__park__province_id=province_id, status=ReportStatus.SUBMITTED
    )
    status_counts = _status_counts(visible)
    return {
        "status_counts": status_counts,
        "quotas": [
            BatchQuota(
                b,
                quotas[b.pk],
                waiting.get(b.pk, 0),
                reverse("province_recommendation", args=[b.pk]),
                link("review_queue_provincial", batch=b.pk, status=Status.SUBMITTED),
                link("application_list", batch=b.pk, stage="quota"),
            )
            for b in current
        ],
        "deadline_rows": deadlines.shown(current, province_id, now),
        "awaiting": awaiting,
        "awaiting_count": sum(c.n for c in status_counts if c.key == Status.SUBMITTED),
        "awaiting_url": link("review_queue_provincial", status=Status.SUBMITTED),
        "reports_waiting": reports.count(),
        "reports_url": link("report_list", status=ReportStatus.SUBMITTED),
    }


# --- The expert --------------------------------------------------------------------------------


def expert_bench(user: User) -> dict[str, Any]:
    """The expert's assignments: those awaiting the declaration, those awaiting a score."""
    mine = access.review_queue(user, "mine").defer("data", "boundary_geojson")
    undeclared = mine.filter(queues.awaited("declaration", user.pk)).order_by("pk")
    unscored = mine.filter(queues.awaited("score", user.pk)).order_by("pk")
    return {
        "undeclared": list(undeclared[:SHOWN]),
        "undeclared_count": undeclared.count(),
        "undeclared_url": link("review_queue_mine", awaiting="declaration"),
        "unscored": list(unscored[:SHOWN]),
        "unscored_count": unscored.count(),
        "unscored_url": link("review_queue_mine", awaiting="score"),
        "assigned_count": mine.count(),
        "assigned_url": reverse("review_queue_mine"),
    }


# --- The map ------------------------------------------------------------------------------------


def _ring(ring: Iterable[Any]) -> list[list[float]]:
    """A ring as [lat, lng] pairs for Leaflet, at most OUTLINE_VERTICES of them (every k-th
    vertex kept, the first and last always), rounded: an outline to see, not to measure."""
    points = [p for p in ring if isinstance(p, list | tuple) and len(p) >= 2]
    step = max(1, -(-len(points) // OUTLINE_VERTICES))
    kept = points[::step]
    if points and kept[-1] is not points[-1]:
        kept.append(points[-1])
    out: list[list[float]] = []
    for lng, lat, *_rest in kept:
        pair = [round(float(lat), OUTLINE_PLACES), round(float(lng), OUTLINE_PLACES)]
        if not out or out[-1] != pair:
            out.append(pair)
    return out


def _outer_ring(geojson: Any) -> list[Any] | None:
    """The outer ring of a stored boundary (a Polygon geometry, or a Feature holding one)."""
    if not isinstance(geojson, dict):
        return None
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    if geojson.get("type") != "Polygon":
        return None
    rings = geojson.get("coordinates") or []
    return rings[0] if rings and isinstance(rings[0], list) else None


def map_outlines(user: User) -> dict[str, Any]:
    """The outlines of the parks of the applications this reader sees: one query, the boundary
    column read only here. Compact, as there may be thousands: each park is [application id,
    park name, state code, outline]; the states' labels are given once, and each park's review
    page is `link` with its id in place of 0 (one reverse, not one per park)."""
    rows = (
        access.visible_applications(user)
        .filter(boundary_geojson__isnull=False)
        .order_by("park__province__code", "park__name", "pk")
        .values_list("pk", "park__name", "status", "boundary_geojson")
    )
    parks = []
    for pk, name, status, geojson in rows.iterator(chunk_size=2000):
        ring = _outer_ring(geojson)
        outline = _ring(ring) if ring else []
        if len(outline) >= 3:
            parks.append([pk, name, status, outline])
    return {
        "link": reverse("review_detail", args=[0]),
        "states": {value: str(label) for value, label in Status.choices},
        "parks": parks,
    }


def map_version(user: User) -> str:
    """What the map of this reader shows, in one short string: which applications it reads (the
    SQL of the reader's visible set, so two readers share an entry only if they see the same),
    how many, and the latest change to any of them (every change of a boundary or a state is a
    save, which moves `updated_at`). One aggregate query over an index-friendly column."""
    visible = access.visible_applications(user).order_by()
    found = visible.aggregate(n=Count("pk"), last=Max("updated_at"))
    scope = hashlib.sha256(str(visible.query).encode()).hexdigest()[:16]
    last = found["last"].timestamp() if found["last"] else 0
    return f"{scope}:{found['n']}:{last:.6f}:{get_language()}"


def map_json(user: User) -> tuple[bytes, bytes]:
    """`map_outlines` as the endpoint sends it: compact JSON, and the same gzip-compressed;
    both computed once per `map_version`."""
    key = f"workbench-map:{map_version(user)}"
    found = cache.get(key)
    if found is None:
        raw = json.dumps(map_outlines(user), ensure_ascii=False, separators=(",", ":")).encode()
        found = (raw, gzip.compress(raw, compresslevel=6, mtime=0))
        cache.set(key, found, MAP_CACHE_SECONDS)
    return found
