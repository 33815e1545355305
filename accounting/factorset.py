"""Factor sets: the fuels and parameters one calculation uses (plain data, no ORM).

A factor set is versioned and never edited once published (D10). The bundled copy under
``accounting/reference/<code>/`` lets a fresh clone calculate without a database; the ORM
services may build the same ``FactorSet`` from stored rows instead.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

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
    """A factor-set file is malformed; the message names file, row and column."""


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
        # 44/12 exactly, not the set's `co2_per_c` parameter (3.666667, rounded for display):
        # with it the acceptance results agree to ~1e-15, with the rounded one every emission is
        # 9.1e-8 too high. Multiply first (exact for these few-digit inputs), divide once, at the
        # engine's precision whatever the caller's decimal context is.
        product = CONTEXT.multiply(self.ncv_gj_per_unit, self.carbon_tc_per_tj)
        product = CONTEXT.multiply(CONTEXT.multiply(product, oxidation), Decimal(44))
        return CONTEXT.divide(product, Decimal(12 * 1000))  # 1000: GJ → TJ


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


def _decimal(text: str, where: str, *, required: bool, positive: bool = False) -> Decimal | None:
    text = text.strip()
    if not text:
        if required:
            raise FactorSetError(f"{where}: is required")
        return None
    if not _DECIMAL.fullmatch(text):
        raise FactorSetError(f"{where}: {text!r} is not a decimal number")
    value = Decimal(text)
    if value < 0 or (positive and value == 0):
        raise FactorSetError(
            f"{where}: must be {'greater than zero' if positive else 'zero or more'}"
        )
    return value


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FactorSetError(f"{path}: cannot read ({exc})") from exc
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != columns:
        raise FactorSetError(f"{path}: row 1: header must be {','.join(columns)}")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            raise FactorSetError(
                f"{path}: row {number}: expected {len(columns)} columns, found {len(cells)}"
            )
        rows.append((number, dict(zip(columns, cells, strict=True))))
    return rows


def _load_fuels(path: Path) -> dict[str, Fuel]:
    fuels: dict[str, Fuel] = {}
    for number, row in _read_rows(path, FUEL_COLUMNS):

        def where(column: str, number: int = number) -> str:
            return f"{path}: row {number}, column {column}"

        code = row["code"].strip()
        if not _CODE.fullmatch(code):
            raise FactorSetError(f"{where('code')}: must be lower_snake_case")
        if code in fuels:
            raise FactorSetError(f"{where('code')}: duplicate code {code!r}")
        for column in ("name_zh", "name_en", "unit", "source"):
            if not row[column].strip():
                raise FactorSetError(f"{where(column)}: is required")
        category = row["category"].strip()
        if category not in FUEL_CATEGORIES:
            raise FactorSetError(
                f"{where('category')}: must be one of {', '.join(FUEL_CATEGORIES)}"
            )
        clean = row["clean"].strip()
        if clean not in ("yes", "no"):
            raise FactorSetError(f"{where('clean')}: must be yes or no")
        fossil = category != "non_fossil"
        carbon = {
            column: _decimal(row[column], where(column), required=fossil, positive=True)
            for column in ("ncv_gj_per_unit", "carbon_tc_per_tj", "oxidation")
        }
        if not fossil:
            # A non-fossil fuel emits 0 by rule; carbon data there would only mislead a reader.
            for column, value in carbon.items():
                if value is not None:
                    raise FactorSetError(f"{where(column)}: must be blank for a non_fossil fuel")
        oxidation = carbon["oxidation"]
        if oxidation is not None and oxidation > 1:
            raise FactorSetError(f"{where('oxidation')}: must not exceed 1")
        tce = _decimal(row["tce_per_unit"], where("tce_per_unit"), required=True, positive=True)
        assert tce is not None
        fuels[code] = Fuel(
            code=code,
            name_zh=row["name_zh"].strip(),
            name_en=row["name_en"].strip(),
            category=category,
            unit=row["unit"].strip(),
            tce_per_unit=tce,
            ncv_gj_per_unit=carbon["ncv_gj_per_unit"],
            carbon_tc_per_tj=carbon["carbon_tc_per_tj"],
            oxidation=oxidation,
            clean=clean == "yes",
            source=row["source"].strip(),
        )
    if not fuels:
        raise FactorSetError(f"{path}: has no fuels")
    return fuels


def _load_parameters(path: Path) -> dict[str, Parameter]:
    parameters: dict[str, Parameter] = {}
    for number, row in _read_rows(path, PARAMETER_COLUMNS):
        key = row["key"].strip()
        if not _CODE.fullmatch(key):
            raise FactorSetError(f"{path}: row {number}, column key: must be lower_snake_case")
        if key in parameters:
            raise FactorSetError(f"{path}: row {number}, column key: duplicate key {key!r}")
        value = _decimal(row["value"], f"{path}: row {number}, column value", required=True)
        assert value is not None
        parameters[key] = Parameter(key, value, row["unit"].strip(), row["source"].strip())
    for key in REQUIRED_PARAMETERS:
        if key not in parameters:
            raise FactorSetError(f"{path}: parameter {key!r} is missing")
    return parameters


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
    """Read and strictly validate the two CSV files of a factor set."""
    return FactorSet(
        code=code,
        version=version,
        year=year,
        # Read-only views: a cached set is shared by every calculation in the process.
        fuels=MappingProxyType(_load_fuels(Path(factors_path))),
        parameters=MappingProxyType(_load_parameters(Path(parameters_path))),
        title_zh=title_zh,
        title_en=title_en,
    )


@lru_cache(maxsize=16)
def bundled_factor_set(code: str) -> FactorSet | None:
    """The factor set shipped under accounting/reference/<code>/, or None if there is none."""
    if not _SET_CODE.fullmatch(code) or ".." in code:
        return None
    folder = REFERENCE_DIR / code
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        return None
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
