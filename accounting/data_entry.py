"""Writing a park-year's data: the one door for imports, forms, the API and the demo (views never
save, create or delete rows themselves; a test scans them).

Every change ends in ``tasks.request_recalculation`` inside the same transaction, so the
recalculation is queued once the change is committed (and only then).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from accounting import importers
from accounting.import_errors import ImportInvalid, RowError
from accounting.models import (
    ElectricityRecord,
    Enterprise,
    FuelRecord,
    GenerationRecord,
    GuidingInputs,
    HeatRecord,
    ImportBatch,
    ParkYear,
    ProcessRecord,
    ProductEnergyRecord,
)
from accounting.process_products import canonical
from accounting.services import fuels_for
from accounting.tasks import request_recalculation

if TYPE_CHECKING:
    from django.forms import BaseModelFormSet, ModelForm

    from applications.models import Park

BATCH = 5000
RECORD_MODELS = (FuelRecord, ElectricityRecord, GenerationRecord, HeatRecord, ProcessRecord)


def _d(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def _insert(model, names: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert many rows: COPY on PostgreSQL (96,000 rows in about a second), bulk_create elsewhere.

    ``names`` are model field names; foreign keys are given as ids."""
    fields = [model._meta.get_field(name) for name in names]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        sql = (
            f"COPY {quote(model._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
        )
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    attnames = [f.attname for f in fields]
    model.objects.bulk_create(
        (model(**dict(zip(attnames, row, strict=True))) for row in rows), batch_size=BATCH
    )


def clear_data(park_year: ParkYear) -> None:
    # One DELETE statement per table. A plain .delete() would load every row and record a
    # history row for each (the models have HistoricalRecords); an import replaces the data
    # wholesale and is itself recorded as an ImportBatch (who, when, which file).
    for model in (*RECORD_MODELS, ProductEnergyRecord, Enterprise, GuidingInputs):
        queryset = model.objects.filter(park_year=park_year)
        queryset._raw_delete(queryset.db)


@transaction.atomic
def replace_data(park_year: ParkYear, data: dict[str, Any]) -> None:
    """Replace all of the park-year's data with already-validated plain rows (see importers)."""
    clear_data(park_year)
    Enterprise.objects.bulk_create(
        [
            Enterprise(park_year=park_year, name=n, credit_code=c or "", industry=i or "")
            for n, c, i in data.get("enterprises", [])
        ],
        batch_size=BATCH,
    )
    ids = dict(Enterprise.objects.filter(park_year=park_year).values_list("name", "id"))
    py = park_year.pk

    def eid(name: str | None) -> int | None:
        return None if name is None else ids[name]

    _insert(
        FuelRecord,
        (
            "park_year",
            "enterprise",
            "month",
            "fuel",
            "use",
            "quantity",
            "ncv_gj_per_unit",
            "carbon_tc_per_tj",
        ),
        (
            (py, eid(e), m, f, u, _d(q), _d(n), _d(c))
            for e, m, f, u, q, n, c in data.get("fuels", [])
        ),
    )
    _insert(
        ElectricityRecord,
        ("park_year", "enterprise", "month", "direction", "kind", "mwh"),
        ((py, eid(e), m, d, k, _d(v)) for e, m, d, k, v in data.get("electricity", [])),
    )
    _insert(
        GenerationRecord,
        ("park_year", "enterprise", "month", "source", "fossil", "mwh"),
        ((py, eid(e), m, s, f, _d(v)) for e, m, s, f, v in data.get("generation", [])),
    )
    _insert(
        HeatRecord,
        ("park_year", "enterprise", "month", "direction", "kind", "gj", "factor_tco2_per_gj"),
        ((py, eid(e), m, d, k, _d(v), _d(f)) for e, m, d, k, v, f in data.get("heat", [])),
    )
    _insert(
        ProcessRecord,
        ("park_year", "enterprise", "month", "product", "tonnes", "factor_tco2_per_t", "basis"),
        # A listed product by its Att.4 name, however the file wrote it (D20).
        (
            (py, eid(e), m, canonical(p), _d(t), _d(f), b)
            for e, m, p, t, f, b in data.get("processes", [])
        ),
    )
    ProductEnergyRecord.objects.bulk_create(
        ProductEnergyRecord(
            park_year_id=py,
            product=p,
            standard=s or "",
            actual=_d(a),
            level2_limit=_d(lim),
            unit=u or "",
        )
        for p, s, a, lim, u in data.get("products", [])
    )
    guiding = data.get("guiding", {})
    if guiding:
        GuidingInputs.objects.create(
            park_year=park_year,
            **{k: (v if k.endswith("not_applicable") else _d(v)) for k, v in guiding.items()},
        )
    code = data.get("factor_set_code", "")
    if code != park_year.factor_set_code:
        park_year.factor_set_code = code
        park_year.save(update_fields=["factor_set_code"])
    request_recalculation(park_year)


def _park_year_for_edit(park: Park, year: int) -> ParkYear:
    park_year, _created = ParkYear.objects.get_or_create(park=park, year=year)
    return park_year


@transaction.atomic
def save_record_formset(park: Park, year: int, formset: BaseModelFormSet) -> ParkYear:
    """Save a validated formset of one kind of rows (accounting.forms.record_formset): changed
    and new rows, and the rows marked for deletion. The park-year is created only now, so an
    invalid post writes nothing, not even the park-year."""
    park_year = _park_year_for_edit(park, year)
    for instance in formset.save(commit=False):
        instance.park_year = park_year
        instance.save()
    for instance in formset.deleted_objects:
        instance.delete()
    request_recalculation(park_year)
    return park_year


@transaction.atomic
def save_guiding(park: Park, year: int, form: ModelForm) -> ParkYear:
    """Save a validated ``GuidingForm`` (the park-year's one row of guiding indicators)."""
    park_year = _park_year_for_edit(park, year)
    form.instance.park_year = park_year
    form.save()
    request_recalculation(park_year)
    return park_year


def apply_upload(park, year: int, parsed: importers.Parsed, user) -> ImportBatch:
    """Replace the park-year's data with the parsed upload, all or nothing."""
    with transaction.atomic():
        park_year, _created = ParkYear.objects.select_for_update().get_or_create(
            park=park, year=year
        )
        # The identical file again restores its data (the data changed since); unchanged, the
        # import would do nothing and is refused. Checked under the lock, as it is applied.
        if importers.earlier_import(park_year, parsed.sha256) is not None:
            _code, fuels = fuels_for(park_year, year)
            if importers.same_as_current(park_year, parsed.data, fuels):
                raise ImportInvalid(
                    [RowError("—", None, "", importers.unchanged_message(parsed.sha256))]
                )
        replace_data(park_year, parsed.data)
        batch = ImportBatch.objects.create(
            park_year=park_year,
            sha256=parsed.sha256,
            filename=parsed.filename[:255],
            format=parsed.format,
            row_counts=parsed.counts(),
            uploaded_by=user,
        )
    importers.discard_parsed(park.pk, year, parsed.sha256)
    return batch
