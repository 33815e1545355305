"""Query and form parameters, parsed rather than assumed.

A value that is not what the view expects is refused as a 400 that names the parameter, never a
500 further down (``int("²")`` after ``"²".isdigit()``, a NUL character in a PostgreSQL query) and
never a silent guess. Web pages show templates/400.html; the API answers in its error shape.

An absent or empty parameter is the default: ``?batch=`` is what a filter form sends for "all".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What the 400 page calls a parameter; the code stays beside it because it is what the link says.
LABELS = {
    "batch": gettext_lazy("批次"),
    "assignee": gettext_lazy("被指派人"),
    "province": gettext_lazy("省份"),
    "status": gettext_lazy("状态"),
    "tier": gettext_lazy("能耗规模"),
    "core": gettext_lazy("核心指标"),
    "awaiting": gettext_lazy("待办"),
    "sort": gettext_lazy("排序"),
    "q": gettext_lazy("搜索"),
    "run": gettext_lazy("计算记录"),
    "page": gettext_lazy("页码"),
    "lang": gettext_lazy("语言"),
    "limit": gettext_lazy("每页条数"),
    "offset": gettext_lazy("起始位置"),
    "include_trace": gettext_lazy("计算过程"),
    "enterprise": gettext_lazy("企业"),
    "enterprise_page": gettext_lazy("企业排名页码"),
}

MAX_ID = 2**63 - 1  # a 64-bit primary key; larger numbers would crash the query
MAX_TEXT = 200  # a search box or a filter value; longer text is no one's query


class BadParameter(BadRequest):
    """A query or form parameter that cannot be what the view expects."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")

    @property
    def label(self) -> str:
        return str(LABELS.get(self.name, self.name))


def _raw(params: Mapping[str, str], name: str, required: bool) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise BadParameter(name, _("须填写。"))
        return None
    if "\x00" in raw:
        raise BadParameter(name, _("含有无效字符。"))
    return raw


def int_param(
    params: Mapping[str, str],
    name: str,
    *,
    low: int = 1,
    high: int = MAX_ID,
    default: int | None = None,
    required: bool = False,
) -> int | None:
    """A whole number written in ASCII digits between ``low`` and ``high``."""
    raw = _raw(params, name, required)
    if raw is None:
        return default
    # isdigit() alone accepts "²", which int() refuses; isdecimal() accepts "١" (Arabic-Indic).
    value = raw.strip()
    number = int(value) if value.isascii() and re.fullmatch(r"-?[0-9]{1,20}", value) else None
    if number is None or not low <= number <= high:
        if high == MAX_ID:
            raise BadParameter(name, _("须为不小于 %(low)s 的整数。") % {"low": low})
        raise BadParameter(
            name, _("须为 %(low)s 至 %(high)s 的整数。") % {"low": low, "high": high}
        )
    return number


def choice_param(
    params: Mapping[str, str],
    name: str,
    choices: Collection[str],
    *,
    default: str = "",
    required: bool = False,
) -> str:
    """One of ``choices`` (the codes a select offers)."""
    raw = _raw(params, name, required)
    if raw is None:
        return default
    if raw not in choices:
        raise BadParameter(name, _("不是可选的值。"))
    return raw


def code_param(params: Mapping[str, str], name: str, pattern: str, *, default: str = "") -> str:
    """A code of a known shape (a province code is two digits), matched in full."""
    raw = _raw(params, name, False)
    if raw is None:
        return default
    if not re.fullmatch(pattern, raw, flags=re.ASCII):
        raise BadParameter(name, _("格式不正确。"))
    return raw


def text_param(
    params: Mapping[str, str],
    name: str,
    *,
    max_length: int = MAX_TEXT,
    default: str = "",
    required: bool = False,
) -> str:
    """Free text (a search), stripped; no NUL, at most ``max_length`` characters."""
    raw = _raw(params, name, required)
    if raw is None:
        return default
    if len(raw) > max_length:
        raise BadParameter(name, _("不得超过 %(max)s 个字符。") % {"max": max_length})
    return raw.strip()


def flag_param(params: Mapping[str, str], name: str) -> bool:
    """true/1/yes or false/0/no (any case); absent is false."""
    raw = _raw(params, name, False)
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered in {"1", "true", "yes"}:
        return True
    if lowered in {"0", "false", "no"}:
        return False
    raise BadParameter(name, _("须为 true 或 false。"))
