"""The filtered queue, and the experts' score table, as CSV or XLSX.

Spreadsheet programs run a cell that begins with = + - @ (or a tab / carriage return) as a
formula; every such text cell is neutralised with a leading single quote. Numbers are written as
numbers (XLSX) or their plain decimal text (CSV) and are not touched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from .models import Application

if TYPE_CHECKING:
    from .score_table import ScoreTable


def _join(items) -> str:
    """Join items with the list separator of the active language (、 in Chinese)."""
    return str(pgettext("list separator", "、")).join(items)


def place(division_code: str) -> str:
    """The park's city or county as the boundary page names it (D47), or ""."""
    from . import admin_areas  # deferred: shapely, which most requests never need

    return admin_areas.place_label(division_code)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 50_000


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def header() -> list[str]:
    return [
        _("编号"),
        _("园区"),
        _("省份"),
        _("所在市、县"),
        _("批次"),
        _("状态"),
        _("最近提交"),
        _("能耗规模档"),
        _("核心指标"),
        _("单位能耗碳排放"),
        _("指派"),
    ]


def row(application: Application, assignees: bool = True) -> list[Any]:
    submitted = (
        timezone.localtime(application.submitted_at).strftime("%Y-%m-%d %H:%M")
        if application.submitted_at
        else ""
    )
    core = {True: _("达标"), False: _("未达标")}.get(application.core_pass, "")
    return [
        application.pk,
        application.park.name,
        application.park.province.name_zh,
        place(application.park.division_code),
        application.batch.name,
        application.get_status_display(),
        submitted,
        application.tier,
        core,
        application.intensity,
        _join(str(a.assignee) for a in application.assignments.all()) if assignees else "",
    ]


def _rows(applications: Iterable[Application], assignees: bool) -> Iterable[list[Any]]:
    yield header()
    for application in applications:
        yield [neutralise(v) for v in row(application, assignees)]


def rows_to_csv(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in rows:
        writer.writerow(["" if v is None else v for v in values])
    # The BOM lets Excel open UTF-8 Chinese text correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows_to_xlsx(rows: Iterable[list[Any]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for values in rows:
        sheet.append(values)  # Decimal cells stay exact numbers
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(applications: Iterable[Application], assignees: bool = True) -> bytes:
    """`assignees=False` leaves the assignment column empty (for readers outside NDRC)."""
    return rows_to_csv(_rows(applications, assignees))


def to_xlsx(applications: Iterable[Application], assignees: bool = True) -> bytes:
    return rows_to_xlsx(_rows(applications, assignees), _("评审队列"))


# --- The experts' score table (score_table.py) ---------------------------------------------------


def score_table_rows(table: ScoreTable) -> Iterable[list[Any]]:
    """Applications × scorers' weighted totals, then count, mean, range, standard deviation,
    median and the scorers marked as outliers (D22); numbers stay numbers."""
    yield [
        _("编号"),
        _("园区"),
        _("省份"),
        _("所在市、县"),
        _("状态"),
        *(neutralise(str(u)) for u in table.scorers),
        _("评分人数"),
        _("平均加权总分"),
        _("极差"),
        _("标准差"),
        _("中位数"),
        _("离群评分（与中位数相差超过 15 分）"),
    ]
    for row in table.rows:
        application = row.application
        yield [
            neutralise(v)
            for v in (
                application.pk,
                application.park.name,
                application.park.province.name_zh,
                place(application.park.division_code),
                application.get_status_display(),
                *row.cells,
                row.spread.count,
                row.spread.mean,
                row.spread.range,
                row.spread.std,
                row.spread.median,
                _join(row.outlier_names),
            )
        ]
