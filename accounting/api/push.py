"""Data pushed by a park's platform, checked and written by the import's own code.

Two forms, both replacing the park-year's data all or nothing, exactly like an import:
- rows (``push_rows``): one list per workbook sheet, each row an object keyed by the column keys
  of ``accounting.sheets`` (the same checks as a workbook, via ``importers.check_tables``);
- a whole ``zcp-case/1`` document (``push_case``, via ``case_upload.parse_case_file``).
Errors come back as (field, message) pairs named after the JSON sent, e.g. ``fuels[2].quantity``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from accounting import data_entry, importers, services
from accounting.case_upload import parse_case_file
from accounting.import_errors import ImportInvalid, RowError
from accounting.importers import Parsed
from accounting.method.case import MAX_ROWS
from accounting.models import ImportBatch, ParkYear
from accounting.sheets import SHEETS, SHEETS_BY_KEY
from applications.kernel import scope
from zcparks import untrusted
from zcparks.api.errors import ApiError, Conflict

ROW_SHEETS = tuple(s for s in SHEETS if s.key != "guiding")
GUIDING = SHEETS_BY_KEY["guiding"]
TOP_LEVEL = {s.key for s in SHEETS}
SCALARS = (str, int, Decimal, bool, type(None))
NOTHING_WRITTEN = _("数据有误，未写入任何内容。")
SCALAR_ONLY = _("须为数字、文本、布尔值或 null")


def _context(park, year: int) -> tuple[str, dict[str, Any]]:
    """The factor-set code and its fuels, as the import page uses them."""
    return services.fuels_for(ParkYear.objects.filter(park=park, year=year).first(), year)


def _load(body: bytes) -> Any:
    try:
        untrusted.check_json(body)  # size, values and nesting, before anything is built
    except untrusted.Refused as exc:
        raise ApiError(str(exc), fields=[("body", str(exc))]) from None
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(
            _("请求体不是有效的 JSON：%s") % exc, fields=[("body", _("不是有效的 JSON"))]
        ) from None
    except RecursionError:
        raise ApiError(
            _("请求体不是有效的 JSON：嵌套层数过多"), fields=[("body", _("嵌套层数过多"))]
        ) from None


def _structure(payload: Any) -> list[tuple[str, str]]:
    """What the workbook's grid guarantees and JSON does not: lists of flat objects."""
    if not isinstance(payload, dict):
        return [("body", str(_("须为 JSON 对象")))]
    errors = [(key, str(_("未知的数据项"))) for key in payload if key not in TOP_LEVEL]
    for sheet in ROW_SHEETS:
        rows = payload.get(sheet.key)
        if rows is None:
            continue
        if not isinstance(rows, list):
            errors.append((sheet.key, str(_("须为数组"))))
            continue
        if len(rows) > MAX_ROWS:
            errors.append((sheet.key, str(_("最多 %s 行") % MAX_ROWS)))
            continue
        known = {c.key for c in sheet.columns}
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                errors.append((f"{sheet.key}[{index}]", str(_("须为 JSON 对象"))))
                continue
            for key, value in row.items():
                if key not in known:
                    errors.append((f"{sheet.key}[{index}].{key}", str(_("未知的列"))))
                elif not isinstance(value, SCALARS):
                    errors.append((f"{sheet.key}[{index}].{key}", str(SCALAR_ONLY)))
    guiding = payload.get("guiding")
    if guiding is not None:
        if not isinstance(guiding, dict):
            errors.append(("guiding", str(_("须为 JSON 对象"))))
        else:
            errors += [
                (f"guiding.{item}", str(SCALAR_ONLY))
                for item, value in guiding.items()
                if not isinstance(value, SCALARS)
            ]
    return errors


def _tables(payload: dict[str, Any]) -> tuple[dict[str, list[tuple[int, list]]], list[str]]:
    """The payload as the importer's sheet tables (header in row 1); and the guiding items in
    row order, to name them in errors."""
    tables: dict[str, list[tuple[int, list]]] = {}
    for sheet in ROW_SHEETS:
        if sheet.key in payload:
            rows = [(1, sheet.headers)]
            rows += [
                (index + 2, [row.get(c.key) for c in sheet.columns])
                for index, row in enumerate(payload[sheet.key])
            ]
            tables[sheet.title] = rows
    items = list(payload.get("guiding") or {})
    if "guiding" in payload:
        tables[GUIDING.title] = [(1, GUIDING.headers)] + [
            (index + 2, [item, None, payload["guiding"][item]]) for index, item in enumerate(items)
        ]
    return tables, items


def field_of(error: RowError, guiding_items: list[str]) -> str:
    """An import error's place (sheet, row, column header) as the JSON path that was sent."""
    sheet = next((s for s in SHEETS if s.title == error.sheet), None)
    if sheet is None:
        return error.column or "body"
    if sheet.key == "guiding":
        if error.row is not None and 0 <= error.row - 2 < len(guiding_items):
            return f"guiding.{guiding_items[error.row - 2]}"
        return f"guiding.{error.column}" if error.column else "guiding"
    if error.row is None:
        return sheet.key
    place = f"{sheet.key}[{error.row - 2}]"
    column = next((c.key for c in sheet.columns if c.header == error.column), error.column)
    return f"{place}.{column}" if column else place


def _apply(user, park, year: int, parsed: Parsed) -> ImportBatch:
    try:
        return data_entry.apply_upload(park, year, parsed, user)
    except ImportInvalid as exc:
        # apply_upload refuses only a file imported before that would change nothing now.
        raise Conflict(exc.errors[0].message, code="already_imported") from None


def _check_editor(user, park) -> None:
    if not scope.can_edit_park_data(user, park):
        raise PermissionDenied


def push_rows(user, park, year: int, body: bytes, *, source: str) -> ImportBatch:
    _check_editor(user, park)
    payload = _load(body)
    structure = _structure(payload)
    if structure:
        raise ApiError(NOTHING_WRITTEN, fields=structure)
    tables, items = _tables(payload)
    code, fuels = _context(park, year)
    try:
        data = importers.check_tables(
            tables, year=year, park_name=park.name, factor_set_code=code, fuels=fuels
        )
    except ImportInvalid as exc:
        raise ApiError(
            NOTHING_WRITTEN, fields=[(field_of(e, items), e.message) for e in exc.errors]
        ) from None
    parsed = Parsed(
        importers.sha256_of(body), f"{source} rows.json", ImportBatch.Format.API_ROWS, data
    )
    return _apply(user, park, year, parsed)


def push_case(user, park, year: int, body: bytes, *, source: str) -> ImportBatch:
    _check_editor(user, park)
    try:
        data = parse_case_file(body, year=year)
    except ImportInvalid as exc:
        raise ApiError(
            NOTHING_WRITTEN, fields=[(e.path or e.column or "body", e.message) for e in exc.errors]
        ) from None
    parsed = Parsed(
        importers.sha256_of(body), f"{source} zcp-case.json", ImportBatch.Format.CASE_JSON, data
    )
    return _apply(user, park, year, parsed)
