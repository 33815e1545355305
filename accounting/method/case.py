"""Reading a `zcp-case/1` park-year: validation and normalisation into typed rows.

The whole case is checked before anything is calculated; the first error in document order
(top-level fields, fuels, electricity, generation, heat, processes, guiding; within a row, its
fields in the documented order) is raised as ``CaseError(path, message)``.

Limits on every number (documented for the API and the import):
- a JSON number, a Decimal or a numeric string ("12.5", "1e3"); booleans, null, NaN and
  Infinity are refused;
- zero or more (``must not be negative``) and at most 10^15 (far above any park-year: all of
  China uses about 6 × 10^9 tce a year; the bound also keeps sums of products exact enough in
  the engine's 34-digit arithmetic);
- at most 6 decimal places (metering precision; also refuses binary-float noise such as
  0.30000000000000004 instead of silently rounding it).
A fuel row may add a measured ``ncv_gj_per_unit`` and ``carbon_tc_per_tj`` (D15): absent or
null is the factor set's value, zero is refused.
Text fields are at most 200 characters (``basis`` and ``not_applicable`` reasons 2,000); each
list holds at most 1,000,000 rows. Keys the format does not know (a month, a note) are ignored;
an absent list means none; an absent guiding indicator is flagged ``missing_<name>``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

SCHEMA = "zcp-case/1"

MAX_VALUE = Decimal(10) ** 15
ZERO = Decimal(0)
MAX_PLACES = 6
MAX_TEXT = 200
MAX_LONG_TEXT = 2000
MAX_ROWS = 1_000_000
PARK = "_park"  # enterprise label of electricity/heat/process rows that name none

FUEL_USES = (
    "end_use",
    "power_generation",
    "heat_supply",
    "recovered_energy",
    "bunker",
    "feedstock",
    "transformation_input",
    "transformation_output",
)
ELECTRICITY_KINDS = {
    "import": ("grid", "direct_non_fossil", "green_certificate"),
    "export": ("fossil", "non_fossil"),
}
HEAT_DIRECTIONS = ("import", "export")
HEAT_KINDS = ("fossil", "non_fossil")
WASTE_ENERGY_KINDS = ("heat", "cold", "pressure")
GUIDING = ("solid_waste", "waste_energy", "water", "product_energy")
RAW_COAL = "raw_coal"
RAW_COAL_MESSAGE = (
    "raw coal must be split into anthracite, coking_bituminous, general_bituminous or lignite"
)

MEASURED_ZERO_MESSAGE = "must be greater than zero (leave it out to use the factor set's value)"

_QUANTUM = Decimal(1).scaleb(-MAX_PLACES)
_MAX_FLOAT = float(MAX_VALUE)  # 1e15 is exact in binary
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


class CaseError(ValueError):
    """Bad input, named by its place: ``str(error) == "<path>: <message>"``.

    E.g. ``electricity[0].mwh: must not be negative``.
    """

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


# Each row type ends with ``rows``: how many stored records were summed into the row (a case
# file's row is one). It shows in the trace and does not change any result or the digest.


class FuelRow(NamedTuple):
    enterprise: str
    fuel: str
    use: str
    quantity: Decimal
    # Measured (实测) net calorific value, GJ per the fuel's unit, and carbon content, tC/TJ;
    # None means the factor set's default (D15).
    ncv: Decimal | None = None
    carbon: Decimal | None = None
    rows: int = 1


class ElectricityRow(NamedTuple):
    enterprise: str
    direction: str
    kind: str
    mwh: Decimal
    rows: int = 1


class GenerationRow(NamedTuple):
    enterprise: str
    source: str
    fossil: bool
    mwh: Decimal
    rows: int = 1


class HeatRow(NamedTuple):
    enterprise: str
    direction: str
    kind: str
    gj: Decimal
    factor: Decimal | None  # measured tCO2/GJ; None means the default
    rows: int = 1


class ProcessRow(NamedTuple):
    enterprise: str
    product: str
    tonnes: Decimal
    factor: Decimal
    basis: str
    rows: int = 1


@dataclass(frozen=True, slots=True)
class NotApplicable:
    reason: str


@dataclass(frozen=True, slots=True)
class Rate:
    """A share, used / total; checked so that used ≤ total (and total > 0 where it is divided)."""

    used: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class WasteEnergy:
    kinds: dict[str, Rate]  # heat / cold / pressure present in the case

    @property
    def rate(self) -> Rate:
        # D9: weighted by the recoverable amounts, i.e. Σrecovered / Σrecoverable.
        return Rate(
            sum((r.used for r in self.kinds.values()), Decimal(0)),
            sum((r.total for r in self.kinds.values()), Decimal(0)),
        )


@dataclass(frozen=True, slots=True)
class Product:
    product: str
    standard: str
    actual: Decimal
    level2_limit: Decimal
    unit: str

    @property
    def passes(self) -> bool:
        # D14: energy-consumption quotas are maxima: at or below the level-2 limit is "at or
        # better".
        return self.actual <= self.level2_limit


Indicator = Rate | WasteEnergy | tuple[Product, ...] | NotApplicable | None


@dataclass(frozen=True, slots=True)
class ParsedCase:
    park_name: str
    province: str
    year: int
    factor_set: str
    fuels: tuple[FuelRow, ...]
    electricity: tuple[ElectricityRow, ...]
    generation: tuple[GenerationRow, ...]
    heat: tuple[HeatRow, ...]
    processes: tuple[ProcessRow, ...]
    guiding: dict[str, Indicator]  # None = missing


class _Invalid(ValueError):
    """A value is wrong; the caller adds the path (built only when there is an error)."""


def _decimal(value: Any) -> Decimal:
    kind = type(value)  # exact types: bool is an int subclass and must be refused
    if kind is int:
        # The common case, kept short: whole numbers need no decimal-places check.
        if value < 0:
            raise _Invalid("must not be negative")
        if value > MAX_VALUE:
            raise _Invalid(f"must not exceed {MAX_VALUE:f}")
        return Decimal(value)
    if kind is float:
        if not math.isfinite(value):
            raise _Invalid("must be a finite number")
        # repr is the shortest text that round-trips: 48.0 stays 48.0, not 47.99999…
        text = repr(value)
        places = len(text) - text.find(".") - 1
        if 0 <= value <= _MAX_FLOAT and places <= MAX_PLACES and "e" not in text:
            return Decimal(text) if value else Decimal(0)  # the common case, kept short
        result = Decimal(text)
    elif kind is Decimal:
        result = value
    elif kind is str and _NUMBER_TEXT.fullmatch(value):
        result = Decimal(value.strip())
    else:
        raise _Invalid("must be a number")
    if not result.is_finite():
        raise _Invalid("must be a finite number")
    if result < 0:
        raise _Invalid("must not be negative")
    if result > MAX_VALUE:
        raise _Invalid(f"must not exceed {MAX_VALUE:f}")
    # quantize only when the exponent says so: 1.50000000 has 8 places but is fine.
    if result.as_tuple().exponent < -MAX_PLACES and result != result.quantize(_QUANTUM):
        raise _Invalid(f"must have at most {MAX_PLACES} decimal places")
    return result if result else Decimal(0)  # -0 → 0


def _text_value(value: Any, limit: int = MAX_TEXT) -> str:
    if type(value) is not str or not value.strip():
        raise _Invalid("must be a non-empty text")
    if len(value) > limit:
        raise _Invalid(f"must be at most {limit} characters")
    if "\x00" in value:  # PostgreSQL text cannot store it
        raise _Invalid("must not contain NUL characters")
    return value.strip()


def number(value: Any, path: str) -> Decimal:
    """A non-negative Decimal within the limits above, or CaseError naming ``path``."""
    try:
        return _decimal(value)
    except _Invalid as exc:
        raise CaseError(path, str(exc)) from None


def _get(row: Mapping[str, Any], where: str, key: str, check: Any, *args: Any) -> Any:
    """``check(row[key], *args)``; a missing key or a bad value names ``where.key``."""
    if key not in row:
        raise CaseError(f"{where}.{key}", "is required")
    try:
        return check(row[key], *args)
    except _Invalid as exc:
        raise CaseError(f"{where}.{key}", str(exc)) from None


def _num(row: Mapping[str, Any], where: str, key: str) -> Decimal:
    return _get(row, where, key, _decimal)


def _text(row: Mapping[str, Any], where: str, key: str, limit: int = MAX_TEXT) -> str:
    return _get(row, where, key, _text_value, limit)


def _optional_text(row: Mapping[str, Any], where: str, key: str, default: str) -> str:
    return default if row.get(key) is None else _text(row, where, key)


def _one_of(value: Any, options: tuple[str, ...]) -> str:
    if type(value) is not str or value not in options:
        raise _Invalid(f"must be one of {', '.join(options)}")
    return value


def _choice(row: Mapping[str, Any], where: str, key: str, options: tuple) -> str:
    return _get(row, where, key, _one_of, options)


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CaseError(path, "must be an object")
    return value


def _rows(case: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    # An absent list means none; a present one must be a list of objects.
    rows = case.get(key, [])
    if not isinstance(rows, list):
        raise CaseError(key, "must be a list")
    if len(rows) > MAX_ROWS:
        raise CaseError(key, f"must have at most {MAX_ROWS} rows")
    for i, row in enumerate(rows):
        if type(row) is not dict and not isinstance(row, Mapping):  # dict first: it is cheap
            raise CaseError(f"{key}[{i}]", "must be an object")
    return rows


def _quick_num(row: Mapping[str, Any], rows_key: str, i: int, key: str) -> Decimal:
    # The path is only formatted when something is wrong: this runs once per input row.
    try:
        return _decimal(row[key])
    except (KeyError, _Invalid):
        return _num(row, f"{rows_key}[{i}]", key)


def _labels(
    case: Mapping[str, Any], rows_key: str, keys: tuple[str, str, str], check: Any
) -> list[tuple[Mapping[str, Any], tuple]]:
    """(row, checked text fields) per row; each distinct combination is checked once.

    Monthly data repeats the same enterprise/fuel/use a dozen times. Only combinations that
    passed ``check`` are remembered, and those hold only text (or None), so a bool or number
    can never match one of them.
    """
    checked: dict[tuple, tuple] = {}
    result = []
    first, second, third = keys
    for i, row in enumerate(_rows(case, rows_key)):
        raw = (row.get(first), row.get(second), row.get(third))
        try:
            label = checked.get(raw)
        except TypeError:  # an unhashable value (a list, an object): check it properly
            label, raw = None, None
        if label is None:
            label = check(row, f"{rows_key}[{i}]")
            if raw is not None:
                checked[raw] = label
        result.append((row, label))
    return result


def _fuels(case: Mapping[str, Any], fuels: Mapping | None, set_code: str) -> tuple:
    def check(row: Mapping[str, Any], where: str) -> tuple[str, str, str]:
        enterprise = _text(row, where, "enterprise")
        code = row.get("fuel")
        if code == RAW_COAL:
            raise CaseError(f"{where}.fuel", RAW_COAL_MESSAGE)  # D4, Att.4 二(一)1
        if "fuel" not in row:
            raise CaseError(f"{where}.fuel", "is required")
        if type(code) is not str or (fuels is not None and code not in fuels):
            name = json.dumps(code, ensure_ascii=False)
            raise CaseError(f"{where}.fuel", f"unknown fuel {name} in {set_code}")
        return enterprise, code, _choice(row, where, "use", FUEL_USES)

    rows = _labels(case, "fuels", ("enterprise", "fuel", "use"), check)
    return tuple(
        FuelRow(*label, _quick_num(row, "fuels", i, "quantity"))
        if row.get("ncv_gj_per_unit") is None and row.get("carbon_tc_per_tj") is None
        else FuelRow(
            *label,
            _quick_num(row, "fuels", i, "quantity"),
            _measured(row, f"fuels[{i}]", "ncv_gj_per_unit"),
            _measured(row, f"fuels[{i}]", "carbon_tc_per_tj"),
        )  # fmt: skip
        for i, (row, label) in enumerate(rows)
    )


def _measured(row: Mapping[str, Any], where: str, key: str) -> Decimal | None:
    """An optional measured value (D15): absent or null means the factor set's default; a
    value must be above zero (a measured calorific value or carbon content of 0 is no
    measurement)."""
    if row.get(key) is None:
        return None
    value = _num(row, where, key)
    if not value:
        raise CaseError(f"{where}.{key}", MEASURED_ZERO_MESSAGE)
    return value


def _electricity(case: Mapping[str, Any]) -> tuple[ElectricityRow, ...]:
    def check(row: Mapping[str, Any], where: str) -> tuple[str, str, str]:
        enterprise = _optional_text(row, where, "enterprise", PARK)
        direction = _choice(row, where, "direction", tuple(ELECTRICITY_KINDS))
        return enterprise, direction, _choice(row, where, "kind", ELECTRICITY_KINDS[direction])

    rows = _labels(case, "electricity", ("enterprise", "direction", "kind"), check)
    return tuple(
        ElectricityRow(*label, _quick_num(row, "electricity", i, "mwh"))
        for i, (row, label) in enumerate(rows)
    )


def _generation(case: Mapping[str, Any]) -> tuple[GenerationRow, ...]:
    parsed = []
    for i, row in enumerate(_rows(case, "generation")):
        where = f"generation[{i}]"
        enterprise = _optional_text(row, where, "enterprise", PARK)
        source = _text(row, where, "source")
        if not isinstance(row.get("fossil"), bool):
            message = "is required" if "fossil" not in row else "must be true or false"
            raise CaseError(f"{where}.fossil", message)
        mwh = _num(row, where, "mwh")
        parsed.append(GenerationRow(enterprise, source, row["fossil"], mwh))
    return tuple(parsed)


def _heat(case: Mapping[str, Any]) -> tuple[HeatRow, ...]:
    def check(row: Mapping[str, Any], where: str) -> tuple[str, str, str]:
        enterprise = _optional_text(row, where, "enterprise", PARK)
        direction = _choice(row, where, "direction", HEAT_DIRECTIONS)
        return enterprise, direction, _choice(row, where, "kind", HEAT_KINDS)

    parsed = []
    for i, (row, label) in enumerate(
        _labels(case, "heat", ("enterprise", "direction", "kind"), check)
    ):
        gj = _quick_num(row, "heat", i, "gj")
        # Absent or null: the default factor. Ignored for non-fossil heat, which counts 0.
        measured = None
        if row.get("factor_tco2_per_gj") is not None:
            measured = _quick_num(row, "heat", i, "factor_tco2_per_gj")
        parsed.append(HeatRow(*label, gj, measured))
    return tuple(parsed)


def _processes(case: Mapping[str, Any]) -> tuple[ProcessRow, ...]:
    parsed = []
    for i, row in enumerate(_rows(case, "processes")):
        where = f"processes[{i}]"
        enterprise = _optional_text(row, where, "enterprise", PARK)
        product = _text(row, where, "product")
        tonnes = _num(row, where, "tonnes")
        factor = _num(row, where, "factor_tco2_per_t")
        # Att.4 publishes no process factors: the park must say where each comes from.
        basis = _text(row, where, "basis", MAX_LONG_TEXT)
        parsed.append(ProcessRow(enterprise, product, tonnes, factor, basis))
    return tuple(parsed)


_INSTEAD = "(declare the indicator not applicable instead)"


def _key(key: str) -> str:
    """A key from the input as it may appear in an error's place: as is when it is a name
    (Chinese included), else JSON-quoted with every control and line-break character escaped,
    so that an error stays one line: ``guiding."a\\nb"``."""
    if key.isidentifier():
        return key
    text = json.dumps(key, ensure_ascii=False)
    for char in "\x1c\x1d\x1e\x85\u2028\u2029":  # line breaks JSON leaves as they are
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _not_applicable(value: Mapping[str, Any], path: str) -> NotApplicable:
    if len(value) != 1:
        raise CaseError(path, "give either the data or not_applicable, not both")
    return NotApplicable(_text(value, path, "not_applicable", MAX_LONG_TEXT))


def _rate(
    value: Mapping[str, Any], path: str, used: str, total: str, zero_total: bool = False
) -> Rate:
    # Fields in documented order (the total first), then the two refusals.
    total_value = _num(value, path, total)
    used_value = _num(value, path, used)
    if total_value == 0 and not zero_total:
        raise CaseError(f"{path}.{total}", f"must be greater than zero {_INSTEAD}")
    if used_value > total_value:
        raise CaseError(f"{path}.{used}", f"must not exceed {total}")
    return Rate(used_value, total_value)


def _water(value: Mapping[str, Any], path: str) -> Rate:
    fresh = _num(value, path, "fresh_m3")
    reused = _num(value, path, "reused_m3")
    if fresh + reused == 0:
        raise CaseError(path, f"fresh_m3 + reused_m3 must be greater than zero {_INSTEAD}")
    return Rate(reused, fresh + reused)  # D9: reused / (fresh intake + reused)


def _waste_energy(value: Mapping[str, Any], path: str) -> WasteEnergy | None:
    kinds = {}
    for kind, data in value.items():
        kind_path = f"{path}.{_key(kind)}"
        if kind not in WASTE_ENERGY_KINDS:
            options = ", ".join(WASTE_ENERGY_KINDS)
            raise CaseError(kind_path, f"unknown kind; use {options}")
        # One kind may have nothing recoverable; only the weighted total must be > 0.
        data = _object(data, kind_path)
        kinds[kind] = _rate(data, kind_path, "recovered_tce", "recoverable_tce", True)
    if not kinds:
        return None  # {} carries no data: flagged missing like an absent indicator
    result = WasteEnergy(kinds)
    if result.rate.total == 0:
        message = f"total recoverable_tce must be greater than zero {_INSTEAD}"
        raise CaseError(path, message)
    return result


def _products(value: list[Any], path: str) -> tuple[Product, ...] | None:
    products = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        item = _object(item, where)
        products.append(
            Product(
                product=_text(item, where, "product"),
                standard=_optional_text(item, where, "standard", ""),
                actual=_num(item, where, "actual"),
                level2_limit=_num(item, where, "level2_limit"),
                unit=_optional_text(item, where, "unit", ""),
            )
        )
    return tuple(products) or None  # an empty list is as good as missing


def _guiding(case: Mapping[str, Any]) -> dict[str, Indicator]:
    guiding = case.get("guiding")
    guiding = {} if guiding is None else _object(guiding, "guiding")
    for key in guiding:
        if key not in GUIDING:
            raise CaseError(f"guiding.{_key(key)}", f"unknown indicator; use {', '.join(GUIDING)}")
    parsed: dict[str, Indicator] = {}
    for name in GUIDING:
        path = f"guiding.{name}"
        value = guiding.get(name)
        if value is None:
            parsed[name] = None
        elif isinstance(value, Mapping) and "not_applicable" in value:
            parsed[name] = _not_applicable(value, path)
        elif name == "product_energy":
            if not isinstance(value, list):
                message = 'must be a list of products or {"not_applicable": reason}'
                raise CaseError(path, message)
            parsed[name] = _products(value, path)
        elif name == "solid_waste":
            value = _object(value, path)
            parsed[name] = _rate(value, path, "utilized_t", "generated_t")
        elif name == "water":
            parsed[name] = _water(_object(value, path), path)
        else:
            parsed[name] = _waste_energy(_object(value, path), path)
    return parsed


def parse_guiding(guiding: Any) -> dict[str, Indicator]:
    """The guiding indicators of a case (its ``guiding`` object), validated and typed."""
    return _guiding({"guiding": guiding})


def check_header(case: Any) -> str:
    """Check what precedes the data (schema, park, year, factor_set); return the set's code.

    A caller that must find the factor set before it can check fuel codes calls this first,
    so errors still come in document order.
    """
    case = _object(case, "case")
    if "schema" not in case:
        raise CaseError("schema", "is required")
    if case["schema"] != SCHEMA:
        raise CaseError("schema", f'must be "{SCHEMA}"')
    if "park" not in case:
        raise CaseError("park", "is required")
    park = _object(case["park"], "park")
    _text(park, "park", "name")
    _optional_text(park, "park", "province", "")
    year = case.get("year")
    if type(year) is not int or not 2000 <= year <= 2100:
        raise CaseError("year", "must be a year between 2000 and 2100")
    set_code = case.get("factor_set")
    if not isinstance(set_code, str) or not set_code.strip():
        raise CaseError("factor_set", 'must name a factor set, e.g. "ZCP-2025-trial"')
    return set_code


def parse_case(case: Any, fuels: Mapping[str, Any] | None = None) -> ParsedCase:
    """Validate the whole case and return it typed.

    ``fuels`` (a factor set's fuels) lets unknown fuel codes be refused.
    """
    set_code = check_header(case)
    park = case["park"]
    return ParsedCase(
        park_name=park["name"].strip(),
        province=(park.get("province") or "").strip(),
        year=case["year"],
        factor_set=set_code,
        fuels=_fuels(case, fuels, set_code),
        electricity=_electricity(case),
        generation=_generation(case),
        heat=_heat(case),
        processes=_processes(case),
        guiding=_guiding(case),
    )


def check_stored(parsed: ParsedCase, fuels: Mapping[str, Any]) -> None:
    """Check rows read back from the database before they are calculated.

    Every door that writes energy data (forms, import, API) validates it with ``parse_case``
    first, and the database keeps the limits (6 places, non-negative): what can still be
    wrong at calculation time is what changes after writing: the factor set in force may not
    know a fuel, and sums of monthly rows may exceed the bound. Labels are checked once per
    distinct value. Raises ``CaseError`` naming the row of the summed case, as ``parse_case``
    would for the same case.
    """
    fuel_of, use_of = attrgetter("fuel"), attrgetter("use")
    labels = list(zip(map(fuel_of, parsed.fuels), map(use_of, parsed.fuels), strict=True))
    uses = set(FUEL_USES)
    bad = {(f, u) for f, u in set(labels) if f == RAW_COAL or f not in fuels or u not in uses}
    if bad:  # each distinct pair is checked once; the error names the first bad row
        i, (fuel, use) = next((i, label) for i, label in enumerate(labels) if label in bad)
        if fuel == RAW_COAL:
            raise CaseError(f"fuels[{i}].fuel", RAW_COAL_MESSAGE)  # D4
        if fuel not in fuels:
            name = json.dumps(fuel, ensure_ascii=False)
            raise CaseError(f"fuels[{i}].fuel", f"unknown fuel {name} in {parsed.factor_set}")
        raise CaseError(f"fuels[{i}].use", f"must be one of {', '.join(FUEL_USES)}")
    amounts = (
        ("fuels", "quantity"),
        ("electricity", "mwh"),
        ("generation", "mwh"),
        ("heat", "gj"),
        ("processes", "tonnes"),
    )
    for section, field in amounts:
        values = list(map(attrgetter(field), getattr(parsed, section)))
        if values and min(values) >= ZERO and max(values) <= MAX_VALUE:
            continue
        for i, value in enumerate(values):
            if not ZERO <= value <= MAX_VALUE:
                try:
                    _decimal(value)
                except _Invalid as exc:
                    raise CaseError(f"{section}[{i}].{field}", str(exc)) from None
    # Measured values are part of a row's key, never summed: only one stored as zero (which
    # no door accepts) can be wrong here.
    for key, field in (("ncv_gj_per_unit", "ncv"), ("carbon_tc_per_tj", "carbon")):
        values = list(map(attrgetter(field), parsed.fuels))
        if values.count(None) == len(values):  # the usual case, seen in C
            continue
        for i, value in enumerate(values):
            if value is not None and value <= ZERO:
                raise CaseError(f"fuels[{i}].{key}", MEASURED_ZERO_MESSAGE)
