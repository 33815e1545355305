"""Writing a park-year's data: the one door for imports, forms and the demo.

Every change ends in ``services.request_recalculation`` inside the same transaction, so the
recalculation is queued once the change is committed (and only then).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from accounting.models import (
    ElectricityRecord,
    Enterprise,
    FuelRecord,
    GenerationRecord,
    GuidingInputs,
    HeatRecord,
    ParkYear,
    ProcessRecord,
    ProductEnergyRecord,
)
from accounting.services import request_recalculation

BATCH = 5000
RECORD_MODELS = (FuelRecord, ElectricityRecord, GenerationRecord, HeatRecord, ProcessRecord)


def _d(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def clear_data(park_year: ParkYear) -> None:
    for model in (*RECORD_MODELS, ProductEnergyRecord):
        # No signals or cascades hang on these rows, so Django deletes them in one statement.
        model.objects.filter(park_year=park_year).delete()
    Enterprise.objects.filter(park_year=park_year).delete()
    GuidingInputs.objects.filter(park_year=park_year).delete()


@transaction.atomic
def replace_data(park_year: ParkYear, data: dict[str, Any]) -> None:
    """Replace all of the park-year's data with already-validated plain rows (see importers)."""
    clear_data(park_year)
    Enterprise.objects.bulk_create(
        [Enterprise(park_year=park_year, name=n, credit_code=c or "", industry=i or "")
         for n, c, i in data.get("enterprises", [])], batch_size=BATCH,
    )
    ids = dict(Enterprise.objects.filter(park_year=park_year).values_list("name", "id"))
    py = park_year.pk

    def eid(name: str | None) -> int | None:
        return None if name is None else ids[name]

    FuelRecord.objects.bulk_create(
        (FuelRecord(park_year_id=py, enterprise_id=eid(e), month=m, fuel=f, use=u, quantity=_d(q))
         for e, m, f, u, q in data.get("fuels", [])), batch_size=BATCH)
    ElectricityRecord.objects.bulk_create(
        (ElectricityRecord(park_year_id=py, enterprise_id=eid(e), month=m, direction=d, kind=k,
                           mwh=_d(v)) for e, m, d, k, v in data.get("electricity", [])),
        batch_size=BATCH)
    GenerationRecord.objects.bulk_create(
        (GenerationRecord(park_year_id=py, enterprise_id=eid(e), month=m, source=s, fossil=f,
                          mwh=_d(v)) for e, m, s, f, v in data.get("generation", [])),
        batch_size=BATCH)
    HeatRecord.objects.bulk_create(
        (HeatRecord(park_year_id=py, enterprise_id=eid(e), month=m, direction=d, kind=k, gj=_d(v),
                    factor_tco2_per_gj=_d(f)) for e, m, d, k, v, f in data.get("heat", [])),
        batch_size=BATCH)
    ProcessRecord.objects.bulk_create(
        (ProcessRecord(park_year_id=py, enterprise_id=eid(e), month=m, product=p, tonnes=_d(t),
                       factor_tco2_per_t=_d(f), basis=b)
         for e, m, p, t, f, b in data.get("processes", [])), batch_size=BATCH)
    ProductEnergyRecord.objects.bulk_create(
        ProductEnergyRecord(park_year_id=py, product=p, standard=s or "", actual=_d(a),
                            level2_limit=_d(lim), unit=u or "")
        for p, s, a, lim, u in data.get("products", []))
    guiding = data.get("guiding", {})
    if guiding:
        GuidingInputs.objects.create(park_year=park_year, **{
            k: (v if k.endswith("not_applicable") else _d(v)) for k, v in guiding.items()})
    code = data.get("factor_set_code", "")
    if code != park_year.factor_set_code:
        park_year.factor_set_code = code
        park_year.save(update_fields=["factor_set_code"])
    request_recalculation(park_year)


def park_year_for_edit(park, year: int) -> ParkYear:
    park_year, _created = ParkYear.objects.get_or_create(park=park, year=year)
    return park_year


def data_changed(park_year: ParkYear) -> None:
    """Forms call this after saving (inside their transaction)."""
    request_recalculation(park_year)
