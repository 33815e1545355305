"""Export a park-year's data to the import template (XLSX), and the empty templates themselves.

What is exported imports back unchanged (tests/accounting/test_import.py checks the round trip).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounting import process_products
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
from accounting.models.data import (
    DIRECTION_LABELS,
    ELECTRICITY_KIND_LABELS,
    FUEL_USE_LABELS,
    HEAT_KIND_LABELS,
)
from accounting.sheets import GUIDING_ITEMS, SHEETS, TEMPLATE_LANGUAGE, guiding_label

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The park-year an exported workbook holds, as rows "key, value" of its notes sheet (keys in the
# template's language, like the column headers).
SOURCE_KEYS = {"park": "园区名称", "province": "所在省份", "year": "年度"}


def _num(value: Any) -> Any:
    # Decimals go out as text so that no digit is lost to a spreadsheet float.
    return None if value is None else format(value.normalize(), "f") if value else "0"


_TEMPLATE_LABELS: dict[int, dict[str, str]] = {}


def _label(labels: dict, code: str) -> str:
    """The choice label as the importer reads it back: in the template's language."""
    cached = _TEMPLATE_LABELS.get(id(labels))
    if cached is None:
        with translation.override(TEMPLATE_LANGUAGE):
            cached = _TEMPLATE_LABELS[id(labels)] = {k: str(v) for k, v in labels.items()}
    return cached[code]


def _join(items: Iterable[Any]) -> str:
    """Join items with the list separator of the active language (、 in Chinese)."""
    return str(pgettext("list separator", "、")).join(str(v) for v in items)


def record_rows(park_year: ParkYear | None) -> dict[str, Iterable[list]]:
    if park_year is None:
        return {s.key: [] for s in SHEETS if s.key != "guiding"}
    py = park_year
    return {
        "enterprises": (
            [n, c or None, i or None]
            for n, c, i in Enterprise.objects.filter(park_year=py)
            .order_by("id")
            .values_list("name", "credit_code", "industry")
        ),
        "fuels": (
            [e, m, f, _label(FUEL_USE_LABELS, u), _num(q), _num(n), _num(c)]
            for e, m, f, u, q, n, c in FuelRecord.objects.filter(park_year=py)
            .order_by("id")
            .values_list(
                "enterprise__name",
                "month",
                "fuel",
                "use",
                "quantity",
                "ncv_gj_per_unit",
                "carbon_tc_per_tj",
            )
            .iterator(5000)
        ),
        "electricity": (
            [e, m, _label(DIRECTION_LABELS, d), _label(ELECTRICITY_KIND_LABELS, k), _num(v)]
            for e, m, d, k, v in ElectricityRecord.objects.filter(park_year=py)
            .order_by("id")
            .values_list("enterprise__name", "month", "direction", "kind", "mwh")
            .iterator(5000)
        ),
        "generation": (
            [e, m, s, "是" if f else "否", _num(v)]
            for e, m, s, f, v in GenerationRecord.objects.filter(park_year=py)
            .order_by("id")
            .values_list("enterprise__name", "month", "source", "fossil", "mwh")
            .iterator(5000)
        ),
        "heat": (
            [e, m, _label(DIRECTION_LABELS, d), _label(HEAT_KIND_LABELS, k), _num(v), _num(f)]
            for e, m, d, k, v, f in HeatRecord.objects.filter(park_year=py)
            .order_by("id")
            .values_list(
                "enterprise__name", "month", "direction", "kind", "gj", "factor_tco2_per_gj"
            )
            .iterator(5000)
        ),
        "processes": (
            [e, m, p, _num(t), _num(f), b]
            for e, m, p, t, f, b in ProcessRecord.objects.filter(park_year=py)
            .order_by("id")
            .values_list(
                "enterprise__name", "month", "product", "tonnes", "factor_tco2_per_t", "basis"
            )
            .iterator(5000)
        ),
        "products": (
            [p, s or None, _num(a), _num(lim), u or None]
            for p, s, a, lim, u in ProductEnergyRecord.objects.filter(park_year=py)
            .order_by("id")
            .values_list("product", "standard", "actual", "level2_limit", "unit")
        ),
    }


def guiding_rows(park_year: ParkYear | None) -> list[list]:
    inputs = GuidingInputs.objects.filter(park_year=park_year).first() if park_year else None
    rows = []
    for code, (field, _lbl, is_text) in GUIDING_ITEMS.items():
        value = getattr(inputs, field) if inputs else None
        if not is_text:
            value = _num(value)
        rows.append([code, guiding_label(code), value or None])
    return rows


def all_rows(park_year: ParkYear | None) -> Iterator[tuple[Any, Iterable[list]]]:
    rows = record_rows(park_year)
    for sheet in SHEETS:
        yield sheet, (guiding_rows(park_year) if sheet.key == "guiding" else rows[sheet.key])


def _as_text(ws, value: str):
    """A text cell even when it starts with "=": openpyxl would otherwise write a live formula
    (e.g. an enterprise named =HYPERLINK(...)); the exact text still imports back."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def export_xlsx(park_year: ParkYear | None, fuels: dict[str, Any] | None = None) -> bytes:
    """The park-year's data (or, with None, the empty template) as an XLSX workbook; its notes
    sheet lists ``fuels`` (the factor set in force) and Att.4's process products."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for sheet, rows in all_rows(park_year):
        ws = book.create_sheet(sheet.title)
        ws.append(sheet.headers)
        for row in rows:
            ws.append(
                [_as_text(ws, v) if isinstance(v, str) and v.startswith("=") else v for v in row]
            )
    notes = book.create_sheet(_("说明"))
    if park_year is not None:
        # Whose data this is: read back by the import, which names a different park or year.
        park = park_year.park
        notes.append([SOURCE_KEYS["park"], park.name])
        notes.append([SOURCE_KEYS["province"], park.province.name_zh])
        notes.append([SOURCE_KEYS["year"], park_year.year])
        notes.append([])
    for line in help_lines(fuels):
        notes.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_csv_zip(park_year: ParkYear | None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet, rows in all_rows(park_year):
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(sheet.headers)
            writer.writerows(["" if v is None else v for v in row] for row in rows)
            archive.writestr(f"{sheet.title}.csv", "\ufeff" + text.getvalue())
    return out.getvalue()


def help_lines(fuels: dict[str, Any] | None = None) -> list[str]:
    listed = (
        [_("燃料（现行因子集）：%s") % _join(f"{f.name_zh}（{f.unit}）" for f in fuels.values())]
        if fuels
        else []
    )
    return listed + [
        _("工业过程的产品（附件4）：%s；其他工业产品直接填写产品名称。")
        % _join(process_products.LISTED),
        _("每类数据一张工作表，表头不可修改；“说明”表导入时忽略。"),
        _("月份填 1–12；留空表示全年合计。数量为非负数，最多 6 位小数；不接受公式。"),
        _("燃料填因子集中的燃料代码或中文名称；原煤须拆分为无烟煤、炼焦烟煤、一般烟煤或褐煤。"),
        _("用途：%s") % _join(FUEL_USE_LABELS.values()),
        _("电力类型：%s") % _join(ELECTRICITY_KIND_LABELS.values()),
        _("热力类型：%s") % _join(HEAT_KIND_LABELS.values()),
        _("记录中的企业须先列在“企业”表中；电力、热力、工业过程可不填企业（园区整体）。"),
        _("引导指标：在“内容”列填数值，或在 *.not_applicable 行填写不适用原因。"),
        _("导入将替换该园区该年度的全部能源数据。"),
    ]
