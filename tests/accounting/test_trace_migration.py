"""Migrations 0005–0007 move each existing run's JSON trace into the chunked store, and back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounting.trace_store import CHUNK_LINES, TRACE_COLUMNS

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounting", "0004_history")]
AFTER = [("accounting", "0007_remove_calculationrun_trace")]


def latest() -> list[tuple[str, str]]:
    """The accounting migrations' leaf: the current models read the converted runs, and the
    next test finds the schema it expects."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes("accounting")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def old_rows(n: int) -> list[list]:
    # The old layout, amount first (columns are read by name); the first line's numbers were
    # written with exponents, as str(Decimal) did for zeros with many places.
    rows = []
    for i in range(n):
        quantity = "0E-10" if i == 0 else f"{i}.5"
        amount = str(Decimal(quantity) * Decimal("0.1229"))
        rows.append(
            [amount, "energy", "electricity", f"企业{i}", "electricity", "import", "grid", 12,
             quantity, "MWh", "electricity_equal_value", "0.1229", "tce/MWh", "Att.4 等价值",
             1, "tce"]
        )  # fmt: skip
    return rows


def test_existing_traces_are_packed_and_read_back_alike(cast):
    old = migrate(BEFORE)
    ParkYear = old.get_model("accounting", "ParkYear")
    CalculationRun = old.get_model("accounting", "CalculationRun")
    park_year = ParkYear.objects.create(park_id=cast.park_a.pk, year=2025)
    columns = ["amount", *[c for c in TRACE_COLUMNS if c != "amount"]]
    times = {"started_at": "2025-01-01T00:00Z", "finished_at": "2025-01-01T00:00Z"}
    rows = old_rows(CHUNK_LINES + 3)
    with_trace = CalculationRun.objects.create(
        park_year=park_year, status="succeeded", duration_ms=1, **times,
        trace={"columns": columns, "rows": rows},
    )  # fmt: skip
    failed = CalculationRun.objects.create(
        park_year=park_year, status="failed", duration_ms=1, error="x", **times
    )

    new = migrate(latest())
    from accounting.models import CalculationRun as Run

    run = Run.objects.get(pk=with_trace.pk)
    assert run.trace_lines == CHUNK_LINES + 3
    assert run.trace_chunks.count() == 2
    expected = [[row[columns.index(c)] for c in TRACE_COLUMNS] for row in rows]
    expected[0][TRACE_COLUMNS.index("quantity")] = "0.0000000000"
    expected[0][TRACE_COLUMNS.index("amount")] = "0.00000000000000"
    assert run.trace == {"columns": TRACE_COLUMNS, "rows": expected}
    assert run.trace_view()[CHUNK_LINES] == expected[CHUNK_LINES]
    assert Run.objects.get(pk=failed.pk).trace is None
    assert new.get_model("accounting", "TraceChunk").objects.count() == 2

    # And back down: the JSON trace is rebuilt from the chunks (in the current column order).
    old = migrate(BEFORE)
    back = old.get_model("accounting", "CalculationRun").objects.get(pk=with_trace.pk)
    assert back.trace == {"columns": TRACE_COLUMNS, "rows": expected}
    migrate(latest())


def test_a_stored_amount_that_is_not_quantity_times_factor_is_not_converted(cast):
    old = migrate(BEFORE)
    ParkYear = old.get_model("accounting", "ParkYear")
    CalculationRun = old.get_model("accounting", "CalculationRun")
    park_year = ParkYear.objects.create(park_id=cast.park_a.pk, year=2025)
    rows = old_rows(2)
    rows[1][0] = "9.99"  # not 1.5 × 0.1229
    columns = ["amount", *[c for c in TRACE_COLUMNS if c != "amount"]]
    CalculationRun.objects.create(
        park_year=park_year, status="succeeded", duration_ms=1, started_at="2025-01-01T00:00Z",
        finished_at="2025-01-01T00:00Z", trace={"columns": columns, "rows": rows},
    )  # fmt: skip
    with pytest.raises(RuntimeError, match=r"trace line 1: amount 9.99 is not"):
        migrate(AFTER)
    old = migrate(BEFORE)  # nothing was half-converted: the old trace is still there
    assert old.get_model("accounting", "CalculationRun").objects.get().trace["rows"] == rows
    old.get_model("accounting", "CalculationRun").objects.all().delete()
    migrate(latest())
