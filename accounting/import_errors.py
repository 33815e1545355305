"""What an upload's check says is wrong, named by sheet, row and column: shared by every door
that reads a file (workbook, CSV ZIP, `zcp-case/1` JSON) and by the API that reports it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None
    column: str
    message: str
    # A JSON file's or the API's place, as sent (``fuels[2].quantity``); sheet and row are then
    # empty: a JSON body has no sheets.
    path: str = ""

    def __str__(self) -> str:
        if self.path or not self.sheet:
            if not self.path:
                return self.message
            return _("JSON 路径 %(path)s：%(message)s") % {
                "path": self.path,
                "message": self.message,
            }
        place = _("工作表“%(sheet)s”") % {"sheet": self.sheet}
        if self.row:
            place += _(" 第 %(row)s 行") % {"row": self.row}
        if self.column:
            place += _(" “%(column)s”列") % {"column": self.column}
        return _("%(place)s：%(message)s") % {"place": place, "message": self.message}


class ImportInvalid(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors[:20]))


def year_limit_errors(enterprises: int, rows: int) -> list[str]:
    """Messages for a park-year past its domain limits (settings), naming the limit."""
    messages = []
    if enterprises > settings.ZCP_MAX_ENTERPRISES_PER_YEAR:
        messages.append(
            _("企业数超过上限（每个园区年度最多 %(limit)s 家），收到 %(count)s 家")
            % {"limit": f"{settings.ZCP_MAX_ENTERPRISES_PER_YEAR:,}", "count": f"{enterprises:,}"}
        )
    if rows > settings.ZCP_MAX_ROWS_PER_YEAR:
        messages.append(
            _("数据行数超过上限（每个园区年度最多 %(limit)s 行），收到 %(count)s 行")
            % {"limit": f"{settings.ZCP_MAX_ROWS_PER_YEAR:,}", "count": f"{rows:,}"}
        )
    return messages
