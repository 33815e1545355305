"""Existing runs' traces are packed as a new run's would be, so pages, the API and the dossier
read old and new runs alike (and unpacked back on the way down)."""

from decimal import Decimal, localcontext

from django.db import migrations

from accounting import trace_store
from accounting.method.factor_set import CONTEXT

NUMBERS = [trace_store.TRACE_COLUMNS.index(c) for c in ("quantity", "factor_value", "amount")]
SIGN = trace_store.TRACE_COLUMNS.index("sign")


def pack_existing(apps, schema_editor):
    CalculationRun = apps.get_model("accounting", "CalculationRun")
    TraceChunk = apps.get_model("accounting", "TraceChunk")
    runs = CalculationRun.objects.filter(trace__isnull=False).only("id", "trace")
    for run in runs.iterator(chunk_size=20):
        columns, rows = run.trace["columns"], run.trace["rows"]
        order = [columns.index(name) for name in trace_store.TRACE_COLUMNS]
        lines = [[row[i] for i in order] for row in rows]
        values: dict[str, Decimal] = {}  # one object per factor value, as the engine has
        for number, line in enumerate(lines):  # pack takes the numbers as Decimals
            quantity, amount = Decimal(line[NUMBERS[0]]), Decimal(line[NUMBERS[2]])
            value = values.setdefault(line[NUMBERS[1]], Decimal(line[NUMBERS[1]]))
            line[NUMBERS[0]], line[NUMBERS[1]], line[NUMBERS[2]] = quantity, value, amount
            # The new store works the amount out again; it must be what was stored.
            with localcontext(CONTEXT):
                again = quantity * value
                again = -again if line[SIGN] < 0 else again
            if again != amount:
                raise RuntimeError(
                    f"run {run.pk}, trace line {number}: amount {amount} is not "
                    f"sign × quantity × factor_value ({again}); not converted"
                )
        factors, chunks, count = trace_store.pack(lines)
        CalculationRun.objects.filter(pk=run.pk).update(trace_factors=factors, trace_lines=count)
        TraceChunk.objects.bulk_create(
            TraceChunk(run_id=run.pk, number=n, lines=text) for n, text in enumerate(chunks)
        )


def unpack_to_json(apps, schema_editor):
    CalculationRun = apps.get_model("accounting", "CalculationRun")
    TraceChunk = apps.get_model("accounting", "TraceChunk")
    for run in CalculationRun.objects.filter(trace_factors__isnull=False).iterator(chunk_size=20):
        rows = []
        for text in (
            TraceChunk.objects.filter(run_id=run.pk)
            .order_by("number")
            .values_list("lines", flat=True)
        ):
            rows.extend(trace_store.unpack(run.trace_factors, text))
        run.trace = {"columns": trace_store.TRACE_COLUMNS, "rows": rows}
        run.save(update_fields=["trace"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0005_trace_chunks"),
    ]

    operations = [
        migrations.RunPython(pack_existing, unpack_to_json),
    ]
