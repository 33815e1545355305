"""Import a park-year's energy data from the XLSX template, a ZIP of CSVs or a zcp-case/1 file.

Two steps. ``parse_upload`` reads and checks EVERY row and returns all errors (sheet, row,
column); when there are none it stores the parsed rows server-side, keyed by the file's SHA-256,
for the preview. ``data_entry.apply_upload`` (on confirm) replaces the park-year's data in one
transaction.
Nothing is written to the database before the confirmation, and nothing at all on any error.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounting import exporters, messages
from accounting.case_upload import parse_case_file
from accounting.import_errors import ImportInvalid, RowError, year_limit_errors
from accounting.method import case as method_case
from accounting.method.case import CaseError, parse_case
from accounting.models import (
    ElectricityRecord,
    Enterprise,
    FuelRecord,
    GenerationRecord,
    HeatRecord,
    ImportBatch,
    ParkYear,
    ProcessRecord,
    ProductEnergyRecord,
)
from accounting.models.data import (
    DIRECTION_LABELS,
    ELECTRICITY_KIND_LABELS,
    FUEL_USE_LABELS,
    HEAT_KIND_LABELS,
)
from accounting.sheets import (
    GUIDING_FIELDS,
    GUIDING_ITEMS,
    RECORD_SHEETS,
    SHEETS,
    SHEETS_BY_KEY,
    TEMPLATE_LANGUAGE,
    Column,
    Sheet,
)
from accounting.xlsx_reader import Formula, XlsxError, read_workbook
from zcparks import untrusted
from zcparks.storage import private_storage
from zcparks.untrusted import Refused


def _join(items: Any) -> str:
    """Join items with the list separator of the active language (、 in Chinese)."""
    return str(pgettext("list separator", "、")).join(str(v) for v in items)


CHOICES = {
    "uses": FUEL_USE_LABELS,
    "direction": DIRECTION_LABELS,
    "electricity_kind": ELECTRICITY_KIND_LABELS,
    "heat_kind": HEAT_KIND_LABELS,
}
TRUE_WORDS = {"是", "yes", "true", "1", "y"}
FALSE_WORDS = {"否", "no", "false", "0", "n"}
CASE_SECTION_SHEET = {s: s for s in RECORD_SHEETS}


@dataclass
class Parsed:
    sha256: str
    filename: str
    format: str
    data: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {s.key: len(self.data.get(s.key, [])) for s in SHEETS if s.key != "guiding"}


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


PREVIEW_DIR = "accounting-imports"


def upload_name(park_year_key: str, sha256: str) -> str:
    """The stored preview's name in the private storage (zcparks/storage.py)."""
    return f"{PREVIEW_DIR}/{park_year_key}-{sha256}.json"


def park_year_key(park_id: int, year: int) -> str:
    return f"{park_id}-{year}"


# --- reading the file --------------------------------------------------------------------------


# Errors listed for one file: enough to show what is wrong in every sheet. A few KB of bad rows
# could otherwise make millions of messages.
MAX_ERRORS = 500


def _too_many(errors: list[RowError]) -> bool:
    """Whether to stop checking: the list is full (and then says so, once)."""
    if len(errors) < MAX_ERRORS:
        return False
    notice = RowError("—", None, "", _("错误过多，只列出前 %s 条；请修正后重新上传") % MAX_ERRORS)
    if errors[-1] != notice:
        errors.append(notice)
    return True


def _xlsx_sheets(content: bytes, errors: list[RowError]) -> dict[str, list[tuple[int, list]]]:
    try:
        tables = read_workbook(content)
    except Refused as exc:
        errors.append(RowError("—", None, "", str(exc)))
        return {}
    except XlsxError:
        errors.append(RowError("—", None, "", _("不是有效的 XLSX 文件")))
        return {}
    for title, rows in tables.items():
        for number, values in rows:
            if _too_many(errors):
                return tables
            for index, value in enumerate(values):
                if isinstance(value, Formula):
                    errors.append(
                        RowError(title, number, value.reference, _("单元格含公式，请只填数值"))
                    )
                    values[index] = None
    return tables


def _workbook_source(tables: dict[str, list[tuple[int, list]]]) -> dict[str, Any]:
    """The park, province and year an exported workbook names in its notes sheet (any sheet that
    is not a template sheet), or {} when it names none."""
    keys = {label: key for key, label in exporters.SOURCE_KEYS.items()}
    titles = {str(s.title) for s in SHEETS}
    source: dict[str, Any] = {}
    for title, rows in tables.items():
        if title in titles:
            continue
        for _number, values in rows[:10]:
            if len(values) >= 2 and values[0] in keys and values[1] not in (None, ""):
                source[keys[values[0]]] = str(values[1]).strip()
    if "year" in source:
        try:
            source["year"] = int(Decimal(source["year"]))
        except (ArithmeticError, ValueError):
            source.pop("year")
    return source


def _zip_sheets(content: bytes, errors: list[RowError]) -> dict[str, list[tuple[int, list]]]:
    try:
        archive = untrusted.Archive(content)
    except Refused as exc:
        errors.append(RowError("—", None, "", str(exc)))
        return {}
    except untrusted.Malformed:
        errors.append(RowError("—", None, "", _("不是有效的 ZIP 文件")))
        return {}
    by_name = {s.key: s.title for s in SHEETS}
    tables = {}
    for info in archive.members:
        stem = Path(info.filename).stem
        title = by_name.get(stem, stem)
        if not info.filename.lower().endswith(".csv"):
            continue
        try:
            tables[title] = _csv_rows(archive, info, title, errors)
        except UnicodeDecodeError:
            errors.append(RowError(title, None, "", _("CSV 文件须为 UTF-8 编码")))
        except Refused as exc:
            errors.append(RowError(title, None, "", str(exc)))
            return {}
        except untrusted.Malformed:
            errors.append(RowError(title, None, "", _("不是有效的 ZIP 文件")))
            return {}
    return tables


def _csv_rows(
    archive: untrusted.Archive, info: zipfile.ZipInfo, title: str, errors: list[RowError]
) -> list[tuple[int, list]]:
    """One CSV member read as it unpacks (never whole), every row and cell within the limits."""
    text = io.TextIOWrapper(archive.stream(info), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    rows = []
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The csv module's own ceiling (131,072 characters) is above MAX_CELL_CHARS, so a
            # cell that reaches it is over the limit too.
            if "field limit" in str(exc):
                errors.append(RowError(title, number, "", str(Refused("MAX_CELL_CHARS"))))
            else:
                errors.append(RowError(title, number, "", _("CSV 格式错误：%s") % exc))
            return rows
        if number > untrusted.MAX_ROWS + 1:  # the header row comes on top
            raise Refused("MAX_ROWS", title)
        if len(cells) > untrusted.MAX_COLUMNS:
            raise Refused(
                "MAX_COLUMNS",
                _("工作表“%(sheet)s” 第 %(row)s 行") % {"sheet": title, "row": number},
            )
        if _too_many(errors):
            return rows
        values = []
        for index, cell in enumerate(cells):
            if len(cell) > untrusted.MAX_CELL_CHARS:
                message = str(Refused("MAX_CELL_CHARS"))
                errors.append(RowError(title, number, _column_letter(index), message))
                values.append(None)
            elif cell.startswith("="):
                errors.append(
                    RowError(title, number, _column_letter(index), _("单元格含公式，请只填数值"))
                )
                values.append(None)
            else:
                values.append(cell)
        rows.append((number, values))
    return rows


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- checking cells ----------------------------------------------------------------------------


# The model each sheet is written to: a column named like a model field is held to that field's
# max_length, so that what passes the preview always fits its column when written.
SHEET_MODELS = {
    "enterprises": Enterprise,
    "fuels": FuelRecord,
    "electricity": ElectricityRecord,
    "generation": GenerationRecord,
    "heat": HeatRecord,
    "processes": ProcessRecord,
    "products": ProductEnergyRecord,
}


def column_max_length(sheet: Sheet, column: Column) -> int | None:
    """The max_length of the model field a text column is written to (None: no such field)."""
    model = SHEET_MODELS.get(sheet.key)
    if model is None:
        return None
    try:
        return model._meta.get_field(column.key).max_length
    except FieldDoesNotExist:
        return None


class _Checker:
    def __init__(self, fuels: dict[str, Any], errors: list[RowError]) -> None:
        self.errors = errors
        self.fuel_codes = {code: code for code in fuels} | {
            f.name_zh: code for code, f in fuels.items()
        }
        # Codes, the template's (Chinese) labels and the labels in the page's language.
        with translation.override(TEMPLATE_LANGUAGE):
            template_labels = {
                name: {str(label): code for code, label in labels.items()}
                for name, labels in CHOICES.items()
            }
        self.choice_maps = {
            name: {code: code for code in labels}
            | template_labels[name]
            | {str(label): code for code, label in labels.items()}
            for name, labels in CHOICES.items()
        }

    def cell(self, sheet: Sheet, number: int, column: Column, raw: Any) -> Any:
        value = raw.strip() if isinstance(raw, str) else raw
        if value is None or value == "":
            if column.required:
                self._error(sheet, number, column, _("必填"))
            return None
        try:
            return self._convert(sheet, column, value)
        except CaseError as exc:
            self._error(sheet, number, column, messages.translate(exc.message))
        except ValueError as exc:
            self._error(sheet, number, column, str(exc))
        return None

    def _error(self, sheet: Sheet, number: int, column: Column, message: str) -> None:
        self.errors.append(RowError(sheet.title, number, column.header, message))

    def _convert(self, sheet: Sheet, column: Column, value: Any) -> Any:
        kind = column.kind
        if kind in ("text", "enterprise", "text_long"):
            text = str(value).strip()
            limit = method_case.MAX_LONG_TEXT if kind == "text_long" else method_case.MAX_TEXT
            limit = min(limit, column_max_length(sheet, column) or limit)
            if len(text) > limit:
                raise ValueError(_("最多 %s 个字符") % limit)
            if "\x00" in text:  # PostgreSQL text cannot store it
                raise ValueError(_("不能包含空字符（NUL）"))
            return text
        if kind == "month":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 12:
                raise ValueError(_("须为 1 至 12 的整数（留空表示全年）"))
            return value
        if kind == "number":
            return str(method_case.number(value, ""))
        if kind == "bool":
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word in TRUE_WORDS or word in FALSE_WORDS:
                return word in TRUE_WORDS
            raise ValueError(_("须为“是”或“否”"))
        if kind == "fuel":
            text = str(value)
            if text == method_case.RAW_COAL or text == "原煤":
                raise ValueError(messages.translate(method_case.RAW_COAL_MESSAGE))
            if text not in self.fuel_codes:
                raise ValueError(_("未知燃料“%s”（填因子集中的燃料代码或中文名称）") % text)
            return self.fuel_codes[text]
        mapping = self.choice_maps[column.choices]
        if str(value) not in mapping:
            raise ValueError(
                _("须为以下之一：%s")
                % _join(str(label) for label in CHOICES[column.choices].values())
            )
        return mapping[str(value)]


def _parse_tables(
    tables: dict[str, list[tuple[int, list]]], fuels: dict[str, Any], errors: list[RowError]
) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """All sheets to plain rows; ``places`` maps each kept row back to its sheet row number."""
    checker = _Checker(fuels, errors)
    data: dict[str, Any] = {}
    places: dict[str, list[int]] = {}
    if not any(sheet.title in tables for sheet in SHEETS):
        errors.append(
            RowError(
                "—",
                None,
                "",
                _("文件中没有模板的任何工作表（%s）") % _join(s.title for s in SHEETS),
            )
        )
        return data, places
    if not _within_year_limits(tables, errors):
        return data, places
    for sheet in SHEETS:
        rows = tables.get(sheet.title, [])
        data[sheet.key], places[sheet.key] = [], []
        if not rows:
            continue
        header = [("" if v is None else str(v).strip()) for v in rows[0][1]]
        while header and not header[-1]:
            header.pop()
        if not sheet.accepts(header):
            errors.append(
                RowError(sheet.title, rows[0][0], "", _("表头须为：%s") % _join(sheet.headers))
            )
            continue
        width = len(sheet.columns)
        for number, values in rows[1:]:
            if _too_many(errors):
                break
            values = (list(values) + [None] * width)[:width]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            data[sheet.key].append(
                [
                    checker.cell(sheet, number, c, v)
                    for c, v in zip(sheet.columns, values, strict=True)
                ]
            )
            places[sheet.key].append(number)
    _check_references(data, places, errors)
    data["guiding"] = _guiding(data.pop("guiding", []), places.get("guiding", []), errors)
    return data, places


def _within_year_limits(tables: dict[str, list[tuple[int, list]]], errors: list[RowError]) -> bool:
    """Count the rows before checking any cell: past a limit, nothing more is checked."""
    counts = {s.key: max(len(tables.get(s.title, [])) - 1, 0) for s in SHEETS}
    enterprises = counts["enterprises"]
    rows = sum(count for key, count in counts.items() if key != "guiding")
    over = year_limit_errors(enterprises, rows)
    if enterprises > settings.ZCP_MAX_ENTERPRISES_PER_YEAR:
        errors.append(RowError(SHEETS_BY_KEY["enterprises"].title, None, "", over.pop(0)))
    errors.extend(RowError("—", None, "", message) for message in over)
    return not over and enterprises <= settings.ZCP_MAX_ENTERPRISES_PER_YEAR


def _check_references(
    data: dict[str, Any], places: dict[str, list[int]], errors: list[RowError]
) -> None:
    names: set[str] = set()
    enterprises = SHEETS[0]
    for row, number in zip(data.get("enterprises", []), places.get("enterprises", []), strict=True):
        if _too_many(errors):
            return
        if row[0] in names:
            errors.append(RowError(enterprises.title, number, "企业名称", _("企业名称重复")))
        names.add(row[0])
    for key in RECORD_SHEETS:
        sheet = next(s for s in SHEETS if s.key == key)
        for row, number in zip(data.get(key, []), places.get(key, []), strict=True):
            if _too_many(errors):
                return
            if row[0] is not None and row[0] not in names:
                errors.append(
                    RowError(sheet.title, number, "企业名称", _("企业“%s”不在“企业”表中") % row[0])
                )


def _guiding(rows: list[list], numbers: list[int], errors: list[RowError]) -> dict[str, str]:
    sheet = SHEETS[-1]
    values: dict[str, str] = {}
    for (item, _label, value), number in zip(rows, numbers, strict=True):
        if item is None:
            continue
        if item not in GUIDING_ITEMS:
            errors.append(RowError(sheet.title, number, "项目代码", _("未知项目“%s”") % item))
            continue
        if value is None or value == "":
            continue
        if not GUIDING_ITEMS[item][2]:
            try:
                value = str(method_case.number(value, ""))
            except CaseError as exc:
                message = messages.translate(exc.message)
                errors.append(RowError(sheet.title, number, "内容", message))
                continue
        values[GUIDING_FIELDS[item]] = value
    return values


# --- the same data as a case, for the engine's cross-checks and the preview --------------------


def case_from_data(
    data: dict[str, Any], *, year: int, factor_set: str, park_name: str
) -> dict[str, Any]:
    def ent(row_value: str | None) -> dict[str, str]:
        return {} if row_value is None else {"enterprise": row_value}

    g = data.get("guiding", {})
    guiding: dict[str, Any] = {}

    def pair(na: str, name: str, **keys: str) -> None:
        if g.get(na):
            guiding[name] = {"not_applicable": g[na]}
        elif any(field in g for field in keys.values()):
            guiding[name] = {k: g[f] for k, f in keys.items() if f in g}

    pair(
        "solid_waste_not_applicable",
        "solid_waste",
        generated_t="solid_waste_generated_t",
        utilized_t="solid_waste_utilized_t",
    )
    pair("water_not_applicable", "water", fresh_m3="water_fresh_m3", reused_m3="water_reused_m3")
    if g.get("waste_energy_not_applicable"):
        guiding["waste_energy"] = {"not_applicable": g["waste_energy_not_applicable"]}
    else:
        kinds = {}
        for kind in ("heat", "cold", "pressure"):
            keys = {
                "recoverable_tce": f"waste_{kind}_recoverable_tce",
                "recovered_tce": f"waste_{kind}_recovered_tce",
            }
            if any(f in g for f in keys.values()):
                kinds[kind] = {k: g[f] for k, f in keys.items() if f in g}
        if kinds:
            guiding["waste_energy"] = kinds
    products = [
        {"product": p, "standard": s, "actual": a, "level2_limit": lim, "unit": u}
        for p, s, a, lim, u in data.get("products", [])
    ]
    if products:
        guiding["product_energy"] = products
    elif g.get("product_energy_not_applicable"):
        guiding["product_energy"] = {"not_applicable": g["product_energy_not_applicable"]}
    return {
        "schema": method_case.SCHEMA,
        "park": {"name": park_name},
        "year": year,
        "factor_set": factor_set,
        "fuels": [
            {
                "enterprise": e,
                "fuel": f,
                "use": u,
                "quantity": q,
                "ncv_gj_per_unit": n,
                "carbon_tc_per_tj": c,
            }
            for e, _m, f, u, q, n, c in data.get("fuels", [])
        ],
        "electricity": [
            ent(e) | {"direction": d, "kind": k, "mwh": v}
            for e, _m, d, k, v in data.get("electricity", [])
        ],
        "generation": [
            ent(e) | {"source": s, "fossil": f, "mwh": v}
            for e, _m, s, f, v in data.get("generation", [])
        ],
        "heat": [
            ent(e) | {"direction": d, "kind": k, "gj": v, "factor_tco2_per_gj": f}
            for e, _m, d, k, v, f in data.get("heat", [])
        ],
        "processes": [
            ent(e) | {"product": p, "tonnes": t, "factor_tco2_per_t": f, "basis": b}
            for e, _m, p, t, f, b in data.get("processes", [])
        ],
        "guiding": guiding,
    }


def _case_error_place(
    exc: CaseError, places: dict[str, list[int]], data: dict[str, Any]
) -> RowError:
    head, _dot, rest = exc.path.partition(".")
    message = messages.translate(exc.message)
    if "[" in head:
        section, index = head[:-1].split("[")
        sheet = next(s for s in SHEETS if s.key == section)
        column = next((c.header for c in sheet.columns if c.key == rest), rest)
        return RowError(sheet.title, places[section][int(index)], column, message)
    if head == "guiding":
        item = rest.replace("[", ".").split(".")[0]
        if item == "product_energy" and "[" in rest:
            index = int(rest.split("[")[1].split("]")[0])
            return RowError(SHEETS_BY_KEY["products"].title, places["products"][index], "", message)
        return RowError(SHEETS[-1].title, None, rest, message)
    return RowError("—", None, exc.path, message)


def check_tables(
    tables: dict[str, list[tuple[int, list]]],
    *,
    year: int,
    park_name: str,
    factor_set_code: str,
    fuels: dict[str, Any],
    errors: list[RowError] | None = None,
) -> dict[str, Any]:
    """Check sheets already read (from a file, or sent as rows to the API): every cell, the
    references and the engine's cross-checks. Returns the plain rows, or raises ImportInvalid
    with every error (including those already in ``errors``)."""
    errors = [] if errors is None else errors
    data, places = _parse_tables(tables, fuels, errors)
    if not errors:
        case = case_from_data(data, year=year, factor_set=factor_set_code, park_name=park_name)
        try:
            parse_case(case, fuels)
        except CaseError as exc:
            errors.append(_case_error_place(exc, places, data))
    if errors:
        raise ImportInvalid(errors)
    data["factor_set_code"] = ""
    return data


def parse_upload(
    park_year: ParkYear | None,
    *,
    park_id: int,
    year: int,
    park_name: str,
    filename: str,
    content: bytes,
    factor_set_code: str,
    fuels: dict[str, Any],
) -> Parsed:
    """Check the whole file; raise ImportInvalid with every error, or store and return it."""
    sha = sha256_of(content)
    errors: list[RowError] = []
    name = filename.lower()
    if name.endswith(".json"):
        data = parse_case_file(content, year=year, same_year=False)
        parsed = Parsed(sha, filename, ImportBatch.Format.CASE_JSON, data)
    else:
        if name.endswith(".xlsx"):
            tables, fmt = _xlsx_sheets(content, errors), ImportBatch.Format.XLSX
        elif name.endswith(".zip"):
            tables, fmt = _zip_sheets(content, errors), ImportBatch.Format.CSV_ZIP
        else:
            raise ImportInvalid(
                [RowError("—", None, "", _("只接受 .xlsx、.zip（CSV）或 .json 文件"))]
            )
        source = _workbook_source(tables)
        data = check_tables(
            tables,
            year=year,
            park_name=park_name,
            factor_set_code=factor_set_code,
            fuels=fuels,
            errors=errors,
        )
        if source:
            data["source"] = source
        parsed = Parsed(sha, filename, fmt, data)
    # The same file again restores its data when the data changed since; unchanged, it is refused.
    if earlier_import(park_year, sha) is not None and same_as_current(park_year, data, fuels):
        raise ImportInvalid([RowError("—", None, "", unchanged_message(sha))])
    name = upload_name(park_year_key(park_id, year), sha)
    private_storage.delete(name)  # the same file previewed again starts its hours again
    private_storage.save(
        name,
        ContentFile(
            json.dumps(
                {"filename": filename, "format": parsed.format, "data": parsed.data},
                ensure_ascii=False,
            ).encode("utf-8")
        ),
    )
    return parsed


def unchanged_message(sha: str) -> str:
    return _("同一文件（SHA-256 %s）已导入过，与当前数据相同，无需导入") % sha[:12]


def earlier_import(park_year: ParkYear | None, sha: str) -> ImportBatch | None:
    """The latest import of the identical file into this park-year, if any."""
    if park_year is None:
        return None
    batches = ImportBatch.objects.filter(park_year=park_year, sha256=sha)
    return batches.order_by("-applied_at").first()


def current_data(park_year: ParkYear | None, fuels: dict[str, Any]) -> dict[str, Any]:
    """The park-year's stored data as the plain rows an upload gives (its export, read back)."""
    tables: dict[str, list[tuple[int, list]]] = {}
    with translation.override(TEMPLATE_LANGUAGE):
        for sheet, rows in exporters.all_rows(park_year):
            tables[str(sheet.title)] = [(1, list(sheet.headers))] + [
                (number, list(row)) for number, row in enumerate(rows, start=2)
            ]
        data, _places = _parse_tables(tables, fuels, [])
    return data


def _same_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    try:
        return Decimal(str(value)).normalize()
    except ArithmeticError:
        return str(value).strip()


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    tables: dict[str, Any] = {
        s.key: sorted((tuple(_same_value(v) for v in row) for row in data.get(s.key, [])), key=repr)
        for s in SHEETS
        if s.key != "guiding"
    }
    tables["guiding"] = {k: _same_value(v) for k, v in (data.get("guiding") or {}).items()}
    return tables


def same_as_current(
    park_year: ParkYear | None, data: dict[str, Any], fuels: dict[str, Any]
) -> bool:
    """Whether importing ``data`` would leave the park-year's data as it is."""
    if park_year is None:
        return False
    return _comparable(current_data(park_year, fuels)) == _comparable(data)


class PreviewExpired(LookupError):
    """The preview was kept longer than ZCP_IMPORT_PREVIEW_HOURS and is now deleted."""


def load_parsed(park_id: int, year: int, sha256: str) -> Parsed | None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    name = upload_name(park_year_key(park_id, year), sha256)
    if not private_storage.exists(name):
        return None
    if _expired(name, time.time()):
        private_storage.delete(name)
        raise PreviewExpired
    try:
        stored = json.loads(private_storage.read(name).decode("utf-8"))
    except FileNotFoundError:  # removed meanwhile (cancelled, or expired elsewhere)
        return None
    return Parsed(sha256, stored["filename"], stored["format"], stored["data"])


def _expired(name: str, now: float) -> bool:
    try:
        written = private_storage.get_modified_time(name).timestamp()
    except (FileNotFoundError, OSError):
        return True
    return now - written > settings.ZCP_IMPORT_PREVIEW_HOURS * 3600


def remove_expired_previews(now: float | None = None) -> int:
    """Delete the stored previews nobody confirmed or cancelled in time; returns how many."""
    now = time.time() if now is None else now
    try:
        _folders, files = private_storage.listdir(PREVIEW_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    for file in files:
        name = f"{PREVIEW_DIR}/{file}"
        if file.endswith(".json") and _expired(name, now):
            private_storage.delete(name)
            removed += 1
    return removed


def discard_parsed(park_id: int, year: int, sha256: str) -> None:
    private_storage.delete(upload_name(park_year_key(park_id, year), sha256))


def decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
