"""Runs keep their trace as factors plus numbered chunks of compact lines (trace_store).

Three steps, each its own transaction (PostgreSQL will not alter a table with pending
deferred-constraint checks): this one adds the new fields and table, 0006 packs the existing
traces, 0007 drops the old JSON trace.
"""

import django.db.models.deletion
from django.db import migrations, models


def lz4_chunks(apps, schema_editor):
    """On PostgreSQL built with lz4, compress the chunks' text with it rather than pglz:
    storing a 15,000-line trace takes half the time (bench/RESULTS.md), reading is as fast."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
            " AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone():
            cursor.execute(
                "ALTER TABLE accounting_tracechunk ALTER COLUMN lines SET COMPRESSION lz4"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0004_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="calculationrun",
            name="trace_factors",
            field=models.JSONField(blank=True, null=True, verbose_name="计算过程所用因子"),
        ),
        migrations.AddField(
            model_name="calculationrun",
            name="trace_lines",
            field=models.PositiveIntegerField(default=0, verbose_name="计算过程行数"),
        ),
        migrations.CreateModel(
            name="TraceChunk",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("lines", models.TextField()),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="trace_chunks",
                        to="accounting.calculationrun",
                    ),
                ),
            ],
            options={
                "ordering": ["run", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "number"), name="trace_chunk_unique_number"
                    )
                ],
            },
        ),
        migrations.RunPython(lz4_chunks, migrations.RunPython.noop),
    ]
