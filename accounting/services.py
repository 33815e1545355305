"""Glue between the ORM and the engine: build a park-year's case, calculate it, store the run.

Public doors:
- ``resolve_factor_set(code)``, ``load_bundled_factor_sets()`` (factor sets, from factor_sets.py);
- ``build_case(park_year)`` — the `zcp-case/1` dict of a park-year from the database;
- ``request_recalculation(park_year)`` — every data change calls it (debounced, after commit);
- ``recalculate(park_year_id)`` — what the task runs; ``sweep()`` — the periodic safety net;
- ``latest_result(park, year)`` — latest run and whether a newer one is pending, for pages.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounting import engine
from accounting.casefile import PARK, SCHEMA, CaseError
from accounting.factor_sets import (  # noqa: F401 - public API of this module
    code_for_year,
    latest_published,
    load_bundled_factor_sets,
    resolve_factor_set,
    to_engine,
)
from accounting.models import (
    CalculationRun,
    ElectricityRecord,
    FactorSetVersion,
    FuelRecord,
    GenerationRecord,
    GuidingInputs,
    HeatRecord,
    ParkYear,
    ProcessRecord,
    ProductEnergyRecord,
    RunStatus,
)

logger = logging.getLogger(__name__)

RECALC_COUNTDOWN_SECONDS = 3
STALE_QUEUE_SECONDS = 600  # a queued marker older than this is taken as a lost task


# --- building the case -------------------------------------------------------------------------

SECTIONS = {
    # section: (model, key fields, amount field, case field names for the keys)
    "fuels": (
        FuelRecord,
        ("enterprise__name", "fuel", "use"),
        "quantity",
        ("enterprise", "fuel", "use"),
        "quantity",
    ),
    "electricity": (
        ElectricityRecord,
        ("enterprise__name", "direction", "kind"),
        "mwh",
        ("enterprise", "direction", "kind"),
        "mwh",
    ),
    "generation": (
        GenerationRecord,
        ("enterprise__name", "source", "fossil"),
        "mwh",
        ("enterprise", "source", "fossil"),
        "mwh",
    ),
    "heat": (
        HeatRecord,
        ("enterprise__name", "direction", "kind", "factor_tco2_per_gj"),
        "gj",
        ("enterprise", "direction", "kind", "factor_tco2_per_gj"),
        "gj",
    ),
    "processes": (
        ProcessRecord,
        ("enterprise__name", "product", "factor_tco2_per_t", "basis"),
        "tonnes",
        ("enterprise", "product", "factor_tco2_per_t", "basis"),
        "tonnes",
    ),
}


def _summed_rows(model, park_year: ParkYear, keys: tuple[str, ...], amount: str) -> list[tuple]:
    """(key..., sum) per key in first-entered order. The engine sums equal keys anyway; summing
    here lets the database do the work, so 96,000 monthly rows cost one query, not a loop."""
    rows = model.objects.filter(park_year=park_year)
    if connection.vendor == "postgresql":
        # numeric SUM is exact on PostgreSQL.
        return list(
            rows.values_list(*keys)
            .annotate(total=Sum(amount), first=Min("id"), n=Count("id"))
            .order_by("first")
            .values_list(*keys, "total")
        )
    # SQLite keeps decimals as REAL: sum the exact Decimals in Python instead.
    sums: dict[tuple, Decimal] = {}
    for *key, value in rows.order_by("id").values_list(*keys, amount):
        key = tuple(key)
        sums[key] = sums.get(key, Decimal(0)) + value
    return [(*key, total) for key, total in sums.items()]


def _monthly_rows(model, park_year: ParkYear, keys: tuple[str, ...], amount: str) -> list[tuple]:
    return list(model.objects.filter(park_year=park_year).order_by("id").values_list(*keys, amount))


def build_case(park_year: ParkYear, *, monthly: bool = False) -> dict[str, Any]:
    """The `zcp-case/1` dict of a park-year (Decimals stay Decimal).

    By default rows with the same key are summed over the months (the engine would do the same);
    ``monthly=True`` gives one case row per stored record instead.
    """
    read = _monthly_rows if monthly else _summed_rows
    case: dict[str, Any] = {
        "schema": SCHEMA,
        "park": {"name": park_year.park.name, "province": park_year.park.province.name_zh},
        "year": park_year.year,
        "factor_set": effective_factor_set_code(park_year) or "",
    }
    for section, (model, keys, amount, names, amount_name) in SECTIONS.items():
        rows = []
        for *values, total in read(model, park_year, keys, amount):
            row = dict(zip(names, values, strict=True))
            if row["enterprise"] is None:
                del row["enterprise"]  # park-level electricity, heat or process
            row[amount_name] = total
            rows.append(row)
        case[section] = rows
    case["guiding"] = _guiding(park_year)
    return case


def _guiding(park_year: ParkYear) -> dict[str, Any]:
    g = GuidingInputs.objects.filter(park_year=park_year).first()
    products = [
        {
            "product": p.product,
            "standard": p.standard or None,
            "actual": p.actual,
            "level2_limit": p.level2_limit,
            "unit": p.unit or None,
        }
        for p in ProductEnergyRecord.objects.filter(park_year=park_year).order_by("id")
    ]
    guiding: dict[str, Any] = {}
    if products:
        guiding["product_energy"] = products
    if g is None:
        return guiding
    if g.solid_waste_not_applicable:
        guiding["solid_waste"] = {"not_applicable": g.solid_waste_not_applicable}
    elif g.solid_waste_generated_t is not None or g.solid_waste_utilized_t is not None:
        guiding["solid_waste"] = _present(
            generated_t=g.solid_waste_generated_t, utilized_t=g.solid_waste_utilized_t
        )
    if g.waste_energy_not_applicable:
        guiding["waste_energy"] = {"not_applicable": g.waste_energy_not_applicable}
    else:
        kinds = {}
        for kind in ("heat", "cold", "pressure"):
            recoverable = getattr(g, f"waste_{kind}_recoverable_tce")
            recovered = getattr(g, f"waste_{kind}_recovered_tce")
            if recoverable is not None or recovered is not None:
                kinds[kind] = _present(recoverable_tce=recoverable, recovered_tce=recovered)
        if kinds:
            guiding["waste_energy"] = kinds
    if g.water_not_applicable:
        guiding["water"] = {"not_applicable": g.water_not_applicable}
    elif g.water_fresh_m3 is not None or g.water_reused_m3 is not None:
        guiding["water"] = _present(fresh_m3=g.water_fresh_m3, reused_m3=g.water_reused_m3)
    if g.product_energy_not_applicable and not products:
        guiding["product_energy"] = {"not_applicable": g.product_energy_not_applicable}
    return guiding


def _present(**values: Decimal | None) -> dict[str, Decimal]:
    # A half-filled pair leaves the other key out, so the engine names the missing field.
    return {k: v for k, v in values.items() if v is not None}


def effective_factor_set_code(park_year: ParkYear) -> str | None:
    return park_year.factor_set_code or code_for_year(park_year.year)


def fuels_for(park_year: ParkYear | None, year: int) -> tuple[str, dict[str, Any]]:
    """The factor-set code a park-year's data is checked against, and that set's fuels (empty
    when no set is published), for the forms, the import and the API alike."""
    code = (park_year.factor_set_code if park_year else "") or code_for_year(year) or ""
    factor_set = resolve_factor_set(code) if code else None
    return code, (factor_set.fuels if factor_set else {})


# --- queueing ----------------------------------------------------------------------------------


def request_recalculation(park_year: ParkYear | int) -> None:
    """Note that the inputs changed and queue ONE recalculation after commit.

    The conditional UPDATE claims the queued marker atomically: of many quick edits only the
    first sends a task (with a short countdown); the task clears the marker when it starts and
    reads the latest data, so later edits are in it or queue the next run.
    """
    park_year_id = park_year if isinstance(park_year, int) else park_year.pk
    now = timezone.now()
    ParkYear.objects.filter(pk=park_year_id).update(inputs_changed_at=now)
    claimed = ParkYear.objects.filter(pk=park_year_id, recalc_queued_at__isnull=True).update(
        recalc_queued_at=now
    )
    if claimed:
        transaction.on_commit(lambda: _send(park_year_id))


def request_recalculation_for_factor_set(version: FactorSetVersion) -> None:
    """A newly published version: recalculate the park-years of its year and those naming it."""
    ids = ParkYear.objects.filter(Q(year=version.year) | Q(factor_set_code=version.code))
    for park_year_id in ids.values_list("pk", flat=True):
        request_recalculation(park_year_id)


def _send(park_year_id: int, countdown: int | None = None) -> bool:
    from accounting.tasks import recalculate_park_year

    if countdown is None:
        countdown = getattr(settings, "ZCP_RECALC_COUNTDOWN_SECONDS", RECALC_COUNTDOWN_SECONDS)
    try:
        recalculate_park_year.apply_async((park_year_id,), countdown=countdown)
    except Exception:
        # The data is saved; the broker is not reachable. Release the marker so the next edit
        # or the periodic sweep sends it again.
        logger.exception("could not queue recalculation of park-year %s", park_year_id)
        ParkYear.objects.filter(pk=park_year_id).update(recalc_queued_at=None)
        return False
    return True


def sweep() -> list[int]:
    """Re-queue park-years whose inputs changed after their latest run and that have no live
    task queued. Run every minute by Celery beat (settings.CELERY_BEAT_SCHEDULE)."""
    now = timezone.now()
    stale = now - timedelta(
        seconds=getattr(settings, "ZCP_RECALC_STALE_SECONDS", STALE_QUEUE_SECONDS)
    )
    latest_as_of = (
        CalculationRun.objects.filter(park_year=OuterRef("pk"))
        .order_by("-started_at", "-id")
        .values("inputs_as_of")[:1]
    )
    behind = (
        ParkYear.objects.filter(inputs_changed_at__isnull=False)
        .filter(Q(recalc_queued_at__isnull=True) | Q(recalc_queued_at__lt=stale))
        .annotate(last=Subquery(latest_as_of))
        .filter(Q(last__isnull=True) | Q(inputs_changed_at__gt=F("last")))
    )
    sent = []
    for park_year_id in behind.values_list("pk", flat=True):
        claimed = (
            ParkYear.objects.filter(pk=park_year_id)
            .filter(Q(recalc_queued_at__isnull=True) | Q(recalc_queued_at__lt=stale))
            .update(recalc_queued_at=now)
        )
        if claimed and _send(park_year_id, countdown=0):
            sent.append(park_year_id)
    return sent


# --- calculating -------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    if isinstance(value, Decimal):
        text = str(value)
        return format(value, "f") if "E" in text else text
    if isinstance(value, dict):
        return {str(k): _text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_text(v) for v in value]
    return value


TRACE_COLUMNS = [
    "category",
    "section",
    "enterprise",
    "energy_type",
    "use",
    "detail",
    "rows",
    "quantity",
    "unit",
    "factor_code",
    "factor_value",
    "factor_unit",
    "factor_source",
    "sign",
    "amount",
    "amount_unit",
]


def _trace(result: engine.Result) -> dict[str, Any]:
    # Columns once and rows as lists: a 1,000-enterprise park has ~15,000 lines. The three
    # Decimals are written with str() (exact; Decimal() reads them back unchanged).
    rows = [
        [
            t.category,
            t.section,
            t.enterprise,
            t.energy_type,
            t.use,
            t.detail,
            t.rows,
            str(t.quantity),
            t.unit,
            t.factor_code,
            str(t.factor_value),
            t.factor_unit,
            t.factor_source,
            t.sign,
            str(t.amount),
            t.amount_unit,
        ]
        for t in result.trace
    ]
    return {"columns": TRACE_COLUMNS, "rows": rows}


def recalculate(
    park_year_id: int, *, before_store: Callable[[], None] | None = None
) -> CalculationRun | None:
    """Calculate a park-year from its current data and store the run (one INSERT at the end).

    Invalid data (CaseError) or a missing factor set is a failed run with the message, not an
    exception; anything unexpected propagates so the task retries it. ``before_store`` is
    called between the calculation and the INSERT (the task's test-only pause).
    """
    started = timezone.now()
    clock = time.perf_counter()
    # Clear the marker first: an edit from now on queues a new run.
    ParkYear.objects.filter(pk=park_year_id).update(recalc_queued_at=None)
    park_year = ParkYear.objects.select_related("park__province").filter(pk=park_year_id).first()
    if park_year is None:
        return None
    fields: dict[str, Any] = {"inputs_as_of": park_year.inputs_changed_at}
    code = effective_factor_set_code(park_year)
    version = latest_published(code) if code else None
    if version is None:
        fields.update(
            status=RunStatus.FAILED,
            factor_set_code=code or "",
            error=f"factor_set: no published factor set {code or 'for this year'}",
        )
    else:
        fields.update(
            factor_set=version, factor_set_code=version.code, factor_set_version=version.version
        )
        case = build_case(park_year)
        case["factor_set"] = version.code
        try:
            result, digest = engine.evaluate_with_digest(case, to_engine(version))
        except CaseError as exc:
            fields.update(status=RunStatus.FAILED, error=str(exc))
        else:
            full = result.to_full_dict()
            del full["trace"]
            fields.update(
                status=RunStatus.SUCCEEDED,
                result=_text(full),
                trace=_trace(result),
                input_digest=digest,
            )
    if before_store is not None:
        before_store()
    finished = timezone.now()
    with transaction.atomic():
        return CalculationRun.objects.create(
            park_year=park_year,
            started_at=started,
            finished_at=finished,
            duration_ms=int((time.perf_counter() - clock) * 1000),
            **fields,
        )


# --- reading results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LatestResult:
    park_year: ParkYear | None
    run: CalculationRun | None  # the latest run, whatever its status
    last_success: CalculationRun | None
    pending: bool  # a newer run is queued or the data changed after the latest run

    @property
    def failed(self) -> bool:
        return self.run is not None and self.run.status == RunStatus.FAILED


def latest_result(park, year: int) -> LatestResult:
    park_year = ParkYear.objects.filter(park=park, year=year).first()
    if park_year is None:
        return LatestResult(None, None, None, False)
    runs = CalculationRun.objects.filter(park_year=park_year).select_related("factor_set")
    run = runs.order_by("-started_at", "-id").first()
    success = (
        run
        if run is not None and run.succeeded
        else runs.filter(status=RunStatus.SUCCEEDED).order_by("-started_at", "-id").first()
    )
    changed = park_year.inputs_changed_at
    pending = park_year.recalc_queued_at is not None or (
        changed is not None
        and (run is None or run.inputs_as_of is None or changed > run.inputs_as_of)
    )
    return LatestResult(park_year, run, success, pending)


def breakdown_rows(result: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Emission breakdowns of a stored result as (label, tCO2 text) rows, largest first."""
    tables = defaultdict(list)
    for by, values in result.get("breakdowns", {}).get("emissions_t", {}).items():
        tables[by] = sorted(values.items(), key=lambda kv: -abs(Decimal(kv[1])))
    return dict(tables)


def enterprise_label(name: str) -> str:
    return "" if name == PARK else name
