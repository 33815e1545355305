"""A park-year's case read from the database: as a `zcp-case/1` dict, or typed for the engine.

- ``build_case(park_year)`` gives the `zcp-case/1` dict (the export, the case download and
  tests use it); ``read_case(park_year, code)`` gives the same case as ``method_case.ParsedCase``
  without the dict in between: what the recalculation uses. For every park-year, it equals
  ``parse_case(build_case(py) | {"factor_set": code})`` but for each row's ``rows``, the
  number of records summed into it, which a case dict cannot carry (a test holds the two
  together).
- Rows with the same key are summed over the months, in first-entered order. On PostgreSQL
  the database sums them (numeric SUM is exact), one query per section; SQLite keeps
  decimals as REAL, so there the exact Decimals are summed in Python.
- Rows read back were validated when they were written (forms, import and API all check with
  ``method.case``); the recalculation re-checks with ``case.check_stored`` only what can
  change after writing.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Any

from django.db import connection

from accounting.method.case import (
    PARK,
    SCHEMA,
    ZERO,
    ElectricityRow,
    FuelRow,
    GenerationRow,
    HeatRow,
    ParsedCase,
    ProcessRow,
    parse_guiding,
)
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
from accounting.stored_factor_sets import code_for_year

# Per section: the record model, its key columns after the enterprise (named as in the case file),
# and its amount column. build_case, read_case and the sums all read this one list.
_STORED = (
    ("fuels", FuelRecord, ("fuel", "use", "ncv_gj_per_unit", "carbon_tc_per_tj"), "quantity"),
    ("electricity", ElectricityRecord, ("direction", "kind"), "mwh"),
    ("generation", GenerationRecord, ("source", "fossil"), "mwh"),
    ("heat", HeatRecord, ("direction", "kind", "factor_tco2_per_gj"), "gj"),
    ("processes", ProcessRecord, ("product", "factor_tco2_per_t", "basis"), "tonnes"),
)


def effective_factor_set_code(park_year: ParkYear) -> str | None:
    return park_year.factor_set_code or code_for_year(park_year.year)


# --- the zcp-case/1 dict -----------------------------------------------------------------------


def build_case(park_year: ParkYear, *, monthly: bool = False) -> dict[str, Any]:
    """The `zcp-case/1` dict of a park-year (Decimals stay Decimal).

    By default rows with the same key are summed over the months (the engine would do the same),
    as read_case sums them; ``monthly=True`` gives one case row per stored record instead.
    """
    case: dict[str, Any] = {
        "schema": SCHEMA,
        "park": {"name": park_year.park.name, "province": park_year.park.province.name_zh},
        "year": park_year.year,
        "factor_set": effective_factor_set_code(park_year) or "",
    }
    if not monthly:
        names: dict[int | None, str | None] = {**_enterprise_names(park_year), None: None}
        summed = _stored_groups(park_year)
    for number, (section, model, keys, amount) in enumerate(_STORED):
        fields, rows = ("enterprise", *keys), []
        if monthly:
            stored = model.objects.filter(park_year=park_year).order_by("id")
            found = stored.values_list("enterprise__name", *keys, amount)
        else:  # (first id, enterprise id, *keys, total, records) → (name, *keys, total)
            found = [(names[e], *rest[:-1]) for _first, e, *rest in summed[number]]
        for *values, total in found:
            row = dict(zip(fields, values, strict=True))
            if row["enterprise"] is None:
                del row["enterprise"]  # park-level electricity, heat or process
            for key in _MEASURED.intersection(row):
                if row[key] is None:
                    del row[key]  # the factor set's value: the key is optional in the file
            row[amount] = total
            rows.append(row)
        case[section] = rows
    case["guiding"] = guiding(park_year)
    return case


def guiding(park_year: ParkYear) -> dict[str, Any]:
    """The case's ``guiding`` object of a park-year (its guiding inputs are read unless the
    park-year was loaded with ``select_related("guiding")``)."""
    if ParkYear.guiding.is_cached(park_year):
        g = getattr(park_year, "guiding", None)  # None when the park-year has none
    else:
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
    result: dict[str, Any] = {}
    if products:
        result["product_energy"] = products
    if g is None:
        return result
    if g.solid_waste_not_applicable:
        result["solid_waste"] = {"not_applicable": g.solid_waste_not_applicable}
    elif g.solid_waste_generated_t is not None or g.solid_waste_utilized_t is not None:
        result["solid_waste"] = _present(
            generated_t=g.solid_waste_generated_t, utilized_t=g.solid_waste_utilized_t
        )
    if g.waste_energy_not_applicable:
        result["waste_energy"] = {"not_applicable": g.waste_energy_not_applicable}
    else:
        kinds = {}
        for kind in ("heat", "cold", "pressure"):
            recoverable = getattr(g, f"waste_{kind}_recoverable_tce")
            recovered = getattr(g, f"waste_{kind}_recovered_tce")
            if recoverable is not None or recovered is not None:
                kinds[kind] = _present(recoverable_tce=recoverable, recovered_tce=recovered)
        if kinds:
            result["waste_energy"] = kinds
    if g.water_not_applicable:
        result["water"] = {"not_applicable": g.water_not_applicable}
    elif g.water_fresh_m3 is not None or g.water_reused_m3 is not None:
        result["water"] = _present(fresh_m3=g.water_fresh_m3, reused_m3=g.water_reused_m3)
    if g.product_energy_not_applicable and not products:
        result["product_energy"] = {"not_applicable": g.product_energy_not_applicable}
    return result


def _present(**values: Decimal | None) -> dict[str, Decimal]:
    # A half-filled pair leaves the other key out, so the engine names the missing field.
    return {k: v for k, v in values.items() if v is not None}


# --- the typed case, for the recalculation ------------------------------------------------------


@cache
def _grouped_sql(number: int) -> str:
    """A section's sums: (first id, enterprise_id, *keys, total, records) per key."""
    _section, model, keys, amount = _STORED[number]
    q = connection.ops.quote_name
    group = ", ".join([q("enterprise_id"), *(q(k) for k in keys)])
    # Only quoted identifiers of our own models go into the text; the park-year is a parameter.
    return (
        f"SELECT MIN({q('id')}), {group}, SUM({q(amount)}), COUNT(*) "  # noqa: S608
        f"FROM {q(model._meta.db_table)} WHERE {q('park_year_id')} = %s GROUP BY {group}"
    )


def _stored_groups(park_year: ParkYear, *, in_database: bool | None = None) -> list[list[tuple]]:
    """Per section, (first id, enterprise_id, *keys, total, records summed) per key, in
    first-entered order; summed by the database on PostgreSQL (``in_database`` None), else
    in Python. Five queries, one per section: each comes back in the shape its rows need."""
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    sections: list[list[tuple]] = []
    for number, (_section, model, keys, amount) in enumerate(_STORED):
        if in_database:
            with connection.cursor() as cursor:
                cursor.execute(_grouped_sql(number), [park_year.pk])
                rows = cursor.fetchall()
            rows.sort(key=_FIRST)  # cheaper here than ORDER BY in the query
        else:
            stored = model.objects.filter(park_year=park_year).order_by("id")
            sums: dict[tuple, list] = {}
            for pk, *key, value in stored.values_list("id", "enterprise_id", *keys, amount):
                found = sums.setdefault(tuple(key), [pk, Decimal(0), 0])
                found[1] += value
                found[2] += 1
            rows = [(first, *key, total, n) for key, (first, total, n) in sums.items()]
        sections.append(rows)
    return sections


_FIRST = itemgetter(0)
_MEASURED = frozenset(("ncv_gj_per_unit", "carbon_tc_per_tj"))


def _enterprise_names(park_year: ParkYear) -> dict[int, str]:
    return dict(Enterprise.objects.filter(park_year=park_year).values_list("id", "name"))


def read_case(park_year: ParkYear, factor_set_code: str) -> ParsedCase:
    """The park-year's case, typed, with monthly rows summed (see the module's note). Load the
    park-year with ``select_related("park__province", "guiding")`` to save three queries."""
    names = {pk: name.strip() for pk, name in _enterprise_names(park_year).items()}
    names[None] = PARK
    fuels, electricity, generation, heat, processes = _stored_groups(park_year)
    new = tuple.__new__
    park = park_year.park
    return ParsedCase(
        park_name=park.name.strip(),
        province=(park.province.name_zh or "").strip(),
        year=park_year.year,
        factor_set=factor_set_code,
        # tuple.__new__ makes the rows without their Python-level __new__ (8,000 of them for
        # a large park); "or ZERO" spells a zero sum as parse_case does.
        fuels=tuple(
            new(FuelRow, (names[e], f, u, q or ZERO, ncv, c, n))
            for _, e, f, u, ncv, c, q, n in fuels
        ),
        electricity=tuple(
            new(ElectricityRow, (names[e], d, k, m or ZERO, n)) for _, e, d, k, m, n in electricity
        ),
        generation=tuple(
            new(GenerationRow, (names[e], s.strip(), fossil, m or ZERO, n))
            for _, e, s, fossil, m, n in generation
        ),
        heat=tuple(new(HeatRow, (names[e], d, k, g or ZERO, f, n)) for _, e, d, k, f, g, n in heat),
        processes=tuple(
            new(ProcessRow, (names[e], p.strip(), t or ZERO, f, b.strip(), n))
            for _, e, p, f, b, t, n in processes
        ),
        guiding=parse_guiding(guiding(park_year)),
    )
