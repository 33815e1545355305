"""Factor sets: the fuels and parameters one calculation uses (plain data, no ORM).

A factor set is versioned and never edited once published (D10). The bundled copy under
``accounting/reference/<code>/`` lets a fresh clone calculate without a database; the ORM
services may build the same ``FactorSet`` from stored rows instead.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"

FUEL_COLUMNS = (
    "code",
    "name_zh",
    "name_en",
    "category",
    "unit",
    "tce_per_unit",
    "ncv_gj_per_unit",
    "carbon_tc_per_tj",
    "oxidation",
    "clean",
    "source",
)
PARAMETER_COLUMNS = ("key", "value", "unit", "source")
FUEL_CATEGORIES = ("coal", "oil", "gas", "non_fossil")
# The engine reads these; a set without one of them cannot calculate anything.
REQUIRED_PARAMETERS = (
    "electricity_fossil_factor",
    "electricity_green_factor",
    "electricity_equal_value",
    "heat_fossil_factor",
    "heat_tce",
    "grid_clean_fraction",
)

# All accounting arithmetic: decimal128 precision; the traps turn a silent NaN or Infinity
# into an exception we would see.
CONTEXT = Context(prec=34, traps=[InvalidOperation, DivisionByZero, Overflow])


_CODE = re.compile(r"[a-z][a-z0-9_]*")
_SET_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class FactorSetError(ValueError):
    """A factor set is malformed; the message names file, row and column, and ``problems``
    holds the same as data (empty for an error that is not about a CSV cell)."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Fuel:
    code: str
    name_zh: str
    name_en: str
    category: str
    unit: str
    tce_per_unit: Decimal
    ncv_gj_per_unit: Decimal | None
    carbon_tc_per_tj: Decimal | None
    oxidation: Decimal | None
    clean: bool
    source: str

    @property
    def fossil(self) -> bool:
        return self.category != "non_fossil"

    def emission_factor(self, oxidation_override: Decimal | None = None) -> Decimal:
        """tCO2 per unit: NCV (GJ/unit) × CC (tC/TJ) × OF × 44/12 / 1000 (GJ→TJ).

        Non-fossil fuels count 0 (their CO2 is biogenic or absent). Transformation passes
        ``oxidation_override=Decimal(1)`` (Att.4: oxidation 100% there).
        """
        if not self.fossil:
            return Decimal(0)
        assert self.ncv_gj_per_unit is not None and self.carbon_tc_per_tj is not None
        oxidation = self.oxidation if oxidation_override is None else oxidation_override
        assert oxidation is not None
        # D13: 44/12 exactly, not the set's `co2_per_c` parameter (3.666667, rounded for display):
        # with it the acceptance results agree to ~1e-15, with the rounded one every emission is
        # 9.1e-8 too high. Multiply first (exact for these few-digit inputs), divide once, at the
        # engine's precision whatever the caller's decimal context is.
        product = CONTEXT.multiply(self.ncv_gj_per_unit, self.carbon_tc_per_tj)
        product = CONTEXT.multiply(CONTEXT.multiply(product, oxidation), Decimal(44))
        return CONTEXT.divide(product, Decimal(12 * 1000))  # 1000: GJ → TJ

    def exact_emission_factor(self, oxidation_override: Decimal | None = None) -> Fraction:
        """``emission_factor`` as an exact fraction (44/12 is not a finite decimal): what the
        pass/fail decisions add up, so a tie is judged a tie (D2)."""
        if not self.fossil:
            return Fraction(0)
        assert self.ncv_gj_per_unit is not None and self.carbon_tc_per_tj is not None
        oxidation = self.oxidation if oxidation_override is None else oxidation_override
        assert oxidation is not None
        return (
            Fraction(self.ncv_gj_per_unit) * Fraction(self.carbon_tc_per_tj) * Fraction(oxidation)
            * Fraction(44, 12 * 1000)
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Parameter:
    key: str
    value: Decimal
    unit: str
    source: str


@dataclass(frozen=True)
class FactorSet:
    code: str
    version: int
    year: int
    fuels: Mapping[str, Fuel]
    parameters: Mapping[str, Parameter]
    title_zh: str = ""
    title_en: str = ""

    def value(self, key: str) -> Decimal:
        return self.parameters[key].value


# --- Reading the two CSV files: one set of rules for the bundled files and for uploads ---------

# The stored precision, models.factors.DECIMAL (24 digits, 10 of them after the point): a value
# the database could not hold is refused here, by both doors, with its row and column.
MAX_PLACES = 10
MAX_INTEGER_DIGITS = 24 - MAX_PLACES
# The max_length of each CharField the cells are stored in (models.factors.FuelFactor and
# FactorParameter). A table here, not read from the models, because this module stays free of
# Django and the bundled loader must apply the same rule as the upload; a test holds it equal to
# the models. The sources are TextFields: no limit, but like every cell they may hold no NUL.
FUEL_MAX_LENGTHS = MappingProxyType(
    {"code": 64, "name_zh": 100, "name_en": 100, "category": 16, "unit": 32}
)
PARAMETER_MAX_LENGTHS = MappingProxyType({"key": 64, "unit": 32})

# What each problem says, in English; accounting.stored_factor_sets words the same codes for the
# user.
MESSAGES = {
    "not_utf8": "must be UTF-8 encoded",
    "not_csv": "is not a valid CSV file ({reason})",
    "header": "header must be {columns}",
    "column_count": "expected {expected} columns, found {found}",
    "required": "is required",
    "not_decimal": "{text!r} is not a decimal number",
    "not_positive": "must be greater than zero",
    "negative": "must be zero or more",
    "too_many_places": "at most {places} decimal places",
    "too_many_digits": "at most {digits} digits before the decimal point",
    "too_long": "at most {length} characters",
    "nul_character": "must not contain null characters (NUL)",
    "not_snake_case": "must be lower_snake_case",
    "duplicate_code": "duplicate code {code!r}",
    "duplicate_key": "duplicate key {key!r}",
    "not_a_category": "must be one of {choices}",
    "not_yes_no": "must be yes or no",
    "blank_for_non_fossil": "must be blank for a non_fossil fuel",
    "above_one": "must not exceed 1",
    "no_fuels": "has no fuels",
    "missing_parameter": "parameter {key!r} is missing",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a factor-set file, as data: the file, the row (1 is the header), the
    column ("" for a whole row or file), a code from MESSAGES and the values its message uses."""

    file: str
    row: int
    column: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code].format(**self.params)

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        return f"{self.file}: {where}: {self.message}"


class Problems:
    """Where the rules report. ``stop_at_first`` raises at the first problem (one is enough to
    refuse a bundled file); otherwise all are kept, so an administrator fixes an upload at once."""

    def __init__(self, *, stop_at_first: bool) -> None:
        self.stop_at_first = stop_at_first
        self.found: list[Problem] = []

    def add(self, file: str, row: int, column: str, code: str, /, **params: object) -> None:
        problem = Problem(file, row, column, code, params)
        self.found.append(problem)
        if self.stop_at_first:
            raise FactorSetError(str(problem), self.found)

    def raise_if_any(self) -> None:
        if self.found:
            raise FactorSetError("; ".join(str(p) for p in self.found), self.found)


Rows = list[tuple[int, dict[str, str]]]


def _read_rows(
    data: bytes, file: str, columns: tuple[str, ...], problems: Problems
) -> tuple[Rows, bool]:
    """The data rows of one file (number, stripped cells by column), and whether every row could
    be read: the checks on the file as a whole (no fuels, a missing parameter) wait until then."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(file, 1, "", "not_utf8")
        return [], False
    # newline="" as the csv module asks: CR, LF or CRLF end a row, a line break inside a
    # quoted cell stays in the cell.
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: Rows = []
    complete = True
    number = 0  # the last row read; a csv.Error is in the next one
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != columns:
            problems.add(file, 1, "", "header", columns=",".join(columns))
            return [], False
        number = 1
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(columns):
                problems.add(
                    file, number, "", "column_count", expected=len(columns), found=len(cells)
                )
                complete = False
                continue
            rows.append((number, dict(zip(columns, (c.strip() for c in cells), strict=True))))
    except csv.Error as exc:  # e.g. a cell over the csv module's size limit
        problems.add(file, number + 1, "", "not_csv", reason=str(exc))
        return rows, False
    return rows, complete


def _decimal(
    problems: Problems,
    file: str,
    number: int,
    column: str,
    text: str,
    *,
    required: bool,
    positive: bool = False,
) -> Decimal | None:
    """The cell as a Decimal, or None when it is blank or wrong (and then reported)."""
    if not text:
        if required:
            problems.add(file, number, column, "required")
        return None
    if not _DECIMAL.fullmatch(text):
        problems.add(file, number, column, "not_decimal", text=text)
        return None
    value = Decimal(text)
    if value < 0 or (positive and value == 0):
        problems.add(file, number, column, "not_positive" if positive else "negative")
        return None
    # Counted on the digits, not by quantize(): "1e-999999999" must be refused, not overflow.
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # _DECIMAL admits no NaN or Infinity
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if -(exponent + trailing_zeros) > MAX_PLACES:
        problems.add(file, number, column, "too_many_places", places=MAX_PLACES)
        return None
    if value != 0 and value.adjusted() >= MAX_INTEGER_DIGITS:
        problems.add(file, number, column, "too_many_digits", digits=MAX_INTEGER_DIGITS)
        return None
    return value


def _check_storable(
    problems: Problems,
    file: str,
    number: int,
    row: Mapping[str, str],
    max_lengths: Mapping[str, int],
    *,
    skip: set[str],
) -> None:
    """Report the cells the database could not store: a NUL (PostgreSQL text cannot hold one)
    or more characters than the column's max_length. Cells in ``skip`` already have a problem;
    one is enough, and the first rules' words are more precise."""
    for column, text in row.items():
        if column in skip:
            continue
        if "\x00" in text:
            problems.add(file, number, column, "nul_character")
        elif column in max_lengths and len(text) > max_lengths[column]:
            problems.add(file, number, column, "too_long", length=max_lengths[column])


def _check_fuels(rows: Rows, complete: bool, file: str, problems: Problems) -> dict[str, Fuel]:
    fuels: dict[str, Fuel] = {}
    seen: set[str] = set()
    for number, row in rows:
        before = len(problems.found)

        def report(column: str, code: str, /, *, number: int = number, **params: object) -> None:
            problems.add(file, number, column, code, **params)

        code = row["code"]
        if not _CODE.fullmatch(code):
            report("code", "not_snake_case")
        elif code in seen:
            report("code", "duplicate_code", code=code)
        seen.add(code)
        for column in ("name_zh", "name_en", "unit", "source"):
            if not row[column]:
                report(column, "required")
        category = row["category"]
        if category not in FUEL_CATEGORIES:
            report("category", "not_a_category", choices=", ".join(FUEL_CATEGORIES))
        if row["clean"] not in ("yes", "no"):
            report("clean", "not_yes_no")
        fossil = category != "non_fossil"
        carbon: dict[str, Decimal | None] = {}
        for column in ("ncv_gj_per_unit", "carbon_tc_per_tj", "oxidation"):
            if not fossil and row[column]:
                # A non-fossil fuel emits 0 by rule; carbon data there would only mislead.
                report(column, "blank_for_non_fossil")
                continue
            carbon[column] = _decimal(
                problems, file, number, column, row[column], required=fossil, positive=True
            )
        oxidation = carbon.get("oxidation")
        if oxidation is not None and oxidation > 1:
            report("oxidation", "above_one")
        tce = _decimal(
            problems,
            file,
            number,
            "tce_per_unit",
            row["tce_per_unit"],
            required=True,
            positive=True,
        )
        # Last, so a cell is refused once: a NUL in a number is already "not a decimal number".
        reported = {p.column for p in problems.found[before:]}
        _check_storable(problems, file, number, row, FUEL_MAX_LENGTHS, skip=reported)
        if len(problems.found) == before:
            assert tce is not None
            fuels[code] = Fuel(
                code=code,
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                category=category,
                unit=row["unit"],
                tce_per_unit=tce,
                ncv_gj_per_unit=carbon.get("ncv_gj_per_unit"),
                carbon_tc_per_tj=carbon.get("carbon_tc_per_tj"),
                oxidation=oxidation,
                clean=row["clean"] == "yes",
                source=row["source"],
            )
    if complete and not rows:
        problems.add(file, 2, "", "no_fuels")
    return fuels


def _check_parameters(
    rows: Rows, complete: bool, file: str, problems: Problems
) -> dict[str, Parameter]:
    parameters: dict[str, Parameter] = {}
    seen: set[str] = set()
    for number, row in rows:
        before = len(problems.found)
        key = row["key"]
        if not _CODE.fullmatch(key):
            problems.add(file, number, "key", "not_snake_case")
        elif key in seen:
            problems.add(file, number, "key", "duplicate_key", key=key)
        seen.add(key)
        value = _decimal(problems, file, number, "value", row["value"], required=True)
        reported = {p.column for p in problems.found[before:]}
        _check_storable(problems, file, number, row, PARAMETER_MAX_LENGTHS, skip=reported)
        if len(problems.found) == before:
            assert value is not None
            parameters[key] = Parameter(key, value, row["unit"], row["source"])
    if complete:
        # A missing parameter has no row of its own: it is reported just below the last one.
        after = rows[-1][0] + 1 if rows else 2
        for key in REQUIRED_PARAMETERS:
            if key not in seen:
                problems.add(file, after, "key", "missing_parameter", key=key)
    return parameters


def read_factor_set(
    factors: bytes,
    factors_name: str,
    parameters: bytes,
    parameters_name: str,
    code: str,
    version: int,
    year: int,
    *,
    title_zh: str = "",
    title_en: str = "",
    stop_at_first: bool = True,
) -> FactorSet:
    """Check the two CSV files (their bytes) and build the set; FactorSetError otherwise.

    ``stop_at_first=False`` checks every row of both files first; the error's ``problems`` then
    lists all that is wrong, each with file, row and column.
    """
    problems = Problems(stop_at_first=stop_at_first)
    fuel_rows, fuels_complete = _read_rows(factors, factors_name, FUEL_COLUMNS, problems)
    fuels = _check_fuels(fuel_rows, fuels_complete, factors_name, problems)
    parameter_rows, parameters_complete = _read_rows(
        parameters, parameters_name, PARAMETER_COLUMNS, problems
    )
    values = _check_parameters(parameter_rows, parameters_complete, parameters_name, problems)
    problems.raise_if_any()
    return FactorSet(
        code=code,
        version=version,
        year=year,
        # Read-only views: a cached set is shared by every calculation in the process.
        fuels=MappingProxyType(fuels),
        parameters=MappingProxyType(values),
        title_zh=title_zh,
        title_en=title_en,
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FactorSetError(f"{path}: cannot read ({exc})") from exc


def load_factor_set_from_csv(
    factors_path: Path | str,
    parameters_path: Path | str,
    code: str,
    version: int,
    year: int,
    *,
    title_zh: str = "",
    title_en: str = "",
) -> FactorSet:
    """Read and strictly validate the two CSV files of a factor set; stop at the first error."""
    factors_path, parameters_path = Path(factors_path), Path(parameters_path)
    return read_factor_set(
        _read_bytes(factors_path),
        str(factors_path),
        _read_bytes(parameters_path),
        str(parameters_path),
        code,
        version,
        year,
        title_zh=title_zh,
        title_en=title_en,
    )


@lru_cache(maxsize=16)
def bundled_factor_set(code: str) -> FactorSet | None:
    """The latest version of the factor set shipped under accounting/reference/<code>/, or None
    if there is none. Earlier published versions stay beside it, under ``versions/<n>/`` (D10:
    a published version never changes; D19: the set's history ships with the code)."""
    if not _SET_CODE.fullmatch(code) or ".." in code:
        return None
    folder = REFERENCE_DIR / code
    if not (folder / "meta.json").is_file():
        return None
    return _bundled_at(folder, code)


def bundled_history(code: str) -> list[FactorSet]:
    """Every bundled version of ``code``, oldest first (the earlier ones, then the latest)."""
    latest = bundled_factor_set(code)
    if latest is None:
        return []
    folder = REFERENCE_DIR / code / "versions"
    earlier = [
        _bundled_at(p, code)
        for p in (folder.iterdir() if folder.is_dir() else ())
        if (p / "meta.json").is_file()
    ]
    history = sorted(earlier, key=lambda s: s.version) + [latest]
    versions = [s.version for s in history]
    if versions != sorted(set(versions)):
        raise FactorSetError(f"{REFERENCE_DIR / code}: versions must be distinct, latest last")
    return history


def _bundled_at(folder: Path, code: str) -> FactorSet:
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FactorSetError(f"{meta_path}: cannot read ({exc})") from exc
    if meta.get("code") != code:
        raise FactorSetError(f"{meta_path}: code must be {code!r}")
    for key in ("version", "year"):
        if not isinstance(meta.get(key), int) or isinstance(meta.get(key), bool):
            raise FactorSetError(f"{meta_path}: {key} must be an integer")
    return load_factor_set_from_csv(
        folder / "factors.csv",
        folder / "parameters.csv",
        code,
        meta["version"],
        meta["year"],
        title_zh=meta.get("title_zh", ""),
        title_en=meta.get("title_en", ""),
    )
