"""OpenAPI schemas of the two push bodies, built from the workbook layout so that the API
documents exactly the columns the import checks."""

from __future__ import annotations

from typing import Any

from accounting.method import case as method_case
from accounting.sheets import GUIDING_ITEMS, SHEETS, Column

NUMBER = {
    "anyOf": [{"type": "string", "example": "12.5"}, {"type": "number"}],
    "description": "≥ 0, ≤ 10^15, ≤ 6 decimal places; a string keeps it exact",
}


def _column(column: Column) -> dict[str, Any]:
    if column.kind == "number":
        schema: dict[str, Any] = dict(NUMBER)
    elif column.kind == "month":
        schema = {
            "type": "integer",
            "minimum": 1,
            "maximum": 12,
            "description": "1–12; null or absent: the whole year",
        }
    elif column.kind == "bool":
        schema = {"type": "boolean"}
    else:
        limit = method_case.MAX_LONG_TEXT if column.kind == "text_long" else method_case.MAX_TEXT
        schema = {"type": "string", "maxLength": limit}
    if column.kind == "choice":
        schema["description"] = f"code or Chinese label ({column.choices})"
    if column.kind == "fuel":
        schema["description"] = "fuel code of the factor set, or its Chinese name"
    if not column.required:
        schema["nullable"] = True
    return schema


def rows_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for sheet in SHEETS:
        if sheet.key == "guiding":
            continue
        properties[sheet.key] = {
            "type": "array",
            "description": f"sheet “{sheet.title}”",
            "items": {
                "type": "object",
                "properties": {c.key: _column(c) for c in sheet.columns},
                "required": [c.key for c in sheet.columns if c.required],
                "additionalProperties": False,
            },
        }
    properties["guiding"] = {
        "type": "object",
        "description": "sheet “引导指标”: item code → value",
        "properties": {
            code: (
                {"type": "string", "maxLength": method_case.MAX_LONG_TEXT}
                if is_text
                else {**NUMBER, "nullable": True}
            )
            for code, (_field, _label, is_text) in GUIDING_ITEMS.items()
        },
        "additionalProperties": False,
    }
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _rows(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "object", "properties": properties, "required": required},
    }


def case_schema() -> dict[str, Any]:
    text = {"type": "string", "maxLength": method_case.MAX_TEXT}
    return {
        "type": "object",
        "description": "a whole zcp-case/1 document (see docs: accounting method)",
        "required": ["schema", "year", "factor_set"],
        "properties": {
            "schema": {"type": "string", "enum": [method_case.SCHEMA]},
            "park": {"type": "object"},
            "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
            "factor_set": {"type": "string", "example": "ZCP-2025-trial"},
            "fuels": _rows(
                {
                    "enterprise": text,
                    "fuel": text,
                    "use": {"type": "string"},
                    "quantity": NUMBER,
                    "ncv_gj_per_unit": {**NUMBER, "nullable": True},
                    "carbon_tc_per_tj": {**NUMBER, "nullable": True},
                },
                ["enterprise", "fuel", "use", "quantity"],
            ),
            "electricity": _rows(
                {
                    "enterprise": text,
                    "direction": {"type": "string"},
                    "kind": {"type": "string"},
                    "mwh": NUMBER,
                },
                ["direction", "kind", "mwh"],
            ),
            "generation": _rows(
                {"enterprise": text, "source": text, "fossil": {"type": "boolean"}, "mwh": NUMBER},
                ["source", "fossil", "mwh"],
            ),
            "heat": _rows(
                {
                    "enterprise": text,
                    "direction": {"type": "string"},
                    "kind": {"type": "string"},
                    "gj": NUMBER,
                    "factor_tco2_per_gj": {**NUMBER, "nullable": True},
                },
                ["direction", "kind", "gj"],
            ),
            "processes": _rows(
                {
                    "enterprise": text,
                    "product": text,
                    "tonnes": NUMBER,
                    "factor_tco2_per_t": NUMBER,
                    "basis": {"type": "string"},
                },
                ["product", "tonnes", "factor_tco2_per_t", "basis"],
            ),
            "guiding": {"type": "object"},
        },
    }
