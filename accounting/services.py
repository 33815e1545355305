"""Glue between the ORM and the engine: build a park-year's case, calculate it, store the run.

Public doors:
- ``recalculate(park_year_id)`` — what the task runs (queueing it, debounced, and the periodic
  sweep are ``tasks.py``'s);
- ``latest_result(park, year)`` — latest run and whether a newer one is pending, for pages.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from accounting import messages, trace_store
from accounting.method import engine
from accounting.method.case import PARK, CaseError, check_stored
from accounting.method.digest import parsed_digest
from accounting.models import (
    CalculationRun,
    ParkYear,
    RunStatus,
    TraceChunk,
)
from accounting.stored_case import (
    effective_factor_set_code,
    read_case,
)
from accounting.stored_factor_sets import (
    code_for_year,
    latest_published,
    resolve_factor_set,
    to_engine,
)


def fuels_for(park_year: ParkYear | None, year: int) -> tuple[str, dict[str, Any]]:
    """The factor-set code a park-year's data is checked against, and that set's fuels (empty
    when no set is published), for the forms, the import and the API alike."""
    code = (park_year.factor_set_code if park_year else "") or code_for_year(year) or ""
    factor_set = resolve_factor_set(code) if code else None
    return code, (factor_set.fuels if factor_set else {})


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


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A large park-year's calculation allocates ~100,000 small objects (rows, trace lines,
    Decimals) that form no cycles and are freed by reference counting. With the cyclic
    collector on, those allocations trigger collections that walk the whole process heap,
    which cost more than the calculation itself (bench/RESULTS.md). Paused for the run only."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def recalculate(
    park_year_id: int, *, before_store: Callable[[], None] | None = None
) -> CalculationRun | None:
    """Calculate a park-year from its current data and store the run: the run and its trace
    chunks are written in one transaction at the end, never half.

    Invalid data (CaseError) or a missing factor set is a failed run with the message, not an
    exception; anything unexpected propagates so the task retries it. ``before_store`` is
    called between the calculation and the writing (the task's test-only pause).
    """
    with _cyclic_gc_paused():
        return _recalculate(park_year_id, before_store)


def _recalculate(
    park_year_id: int, before_store: Callable[[], None] | None
) -> CalculationRun | None:
    started = timezone.now()
    clock = time.perf_counter()
    # Clear the marker first: an edit from now on queues a new run.
    ParkYear.objects.filter(pk=park_year_id).update(recalc_queued_at=None)
    park_year = (
        ParkYear.objects.select_related("park__province", "guiding").filter(pk=park_year_id).first()
    )
    if park_year is None:
        return None
    fields: dict[str, Any] = {"inputs_as_of": park_year.inputs_changed_at}
    chunks: list[str] = []
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
        factor_set = to_engine(version)
        try:
            parsed = read_case(park_year, version.code)
            check_stored(parsed, factor_set.fuels)
            # The engine refuses too: negative energy consumption, named ``energy`` (D11).
            result = engine.evaluate_parsed(parsed, factor_set)
        except CaseError as exc:
            fields.update(status=RunStatus.FAILED, error=messages.case_error(exc))
        else:
            kinds = [
                (k.category, k.section, k.energy_type, k.use, k.detail, k.unit, *k.factor,
                 k.sign, k.amount_unit)
                for k in result.trace_kinds
            ]  # fmt: skip
            trace_factors, chunks, lines = trace_store.pack_compact(kinds, result.trace_lines)
            fields.update(
                status=RunStatus.SUCCEEDED,
                result=_text(result.to_full_dict(trace=False)),
                trace_factors=trace_factors,
                trace_lines=lines,
                input_digest=parsed_digest(parsed),
                method_version=result.method_version,
            )
    if before_store is not None:
        before_store()
    finished = timezone.now()
    with transaction.atomic():
        run = CalculationRun.objects.create(
            park_year=park_year,
            started_at=started,
            finished_at=finished,
            duration_ms=int((time.perf_counter() - clock) * 1000),
            **fields,
        )
        _store_chunks(run, chunks)
    return run


def _store_chunks(run: CalculationRun, chunks: list[str]) -> None:
    # Not bulk_create: on PostgreSQL it sends the texts as arrays, whose quoting costs ~0.5 s
    # for a 15,000-line trace. On PostgreSQL the texts go as bound parameters (a plain psycopg
    # cursor; Django's quotes them into the SQL), pipelined by executemany.
    if not chunks:
        return
    q = connection.ops.quote_name
    table = TraceChunk._meta.db_table
    columns = f"{q('run_id')}, {q('number')}, {q('lines')}"
    sql = f"INSERT INTO {q(table)} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608
    rows = [(run.pk, number, text) for number, text in enumerate(chunks)]
    if connection.vendor == "postgresql":
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, rows)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


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


def latest_result(park, year: int, *, park_year: ParkYear | None | bool = False) -> LatestResult:
    """``park_year``: the park-year when the caller has already read it (or None: there is
    none), which saves reading it again."""
    if park_year is False:
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
