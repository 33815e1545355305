"""The engine's messages in the user's language (D18).

The engine (``accounting/method``) speaks one stable English message per refusal: the case file's
language, what ``evaluate_park`` prints and what the acceptance cases expect. Every door that
answers a person (pages, imports, the API) says it through ``translate``: the message as a Chinese
source string with its English in the catalog, the codes it names (uses, kinds, fields) by their
labels. The place stays as the user sent it: the JSON path, or sheet/row/column (import_errors).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounting import labels
from accounting.method.case import CaseError

# Field and indicator keys a message may name, by label (the JSON path keeps the key).
FIELD_LABELS = {
    "generated_t": _("产生量（吨）"),
    "utilized_t": _("综合利用量（吨）"),
    "recoverable_tce": _("可回收量（tce）"),
    "recovered_tce": _("回收利用量（tce）"),
    "fresh_m3": _("新鲜取水量（m³）"),
    "reused_m3": _("重复利用水量（m³）"),
    "solid_waste": _("工业固体废物综合利用率"),
    "waste_energy": _("余热余冷余压利用率"),
    "water": _("工业用水重复利用率"),
    "product_energy": _("产品能耗"),
    "heat": _("余热"),
    "cold": _("余冷"),
    "pressure": _("余压"),
}


# Places the engine names that are no JSON path the user sent.
PATH_LABELS = {"energy": _("综合能源消费量")}


def _label(code: str) -> str:
    code = code.strip()
    for table in (FIELD_LABELS, labels.USE_LABELS, labels.DETAIL_LABELS):
        if code in table:
            return str(table[code])
    return code


def _options(text: str) -> str:
    return "、".join(_label(code) for code in text.split(","))


_INSTEAD = r" \(declare the indicator not applicable instead\)"

# (English message pattern, Chinese message, how each named group is shown).
_Shown = Callable[[str], str]
_MESSAGES: list[tuple[re.Pattern[str], object, dict[str, _Shown]]] = [
    (re.compile(p), zh, shown)
    for p, zh, shown in [
        (r"must not be negative", _("不得为负数"), {}),
        (
            r"must not be negative: exports exceed all use \((?P<value>.+) tce\)",
            _("不得为负数：送出量超过全部消费量（%(value)s tce）"),
            {},
        ),
        (r"must not exceed (?P<limit>.+)", _("不得超过%(limit)s"), {"limit": _label}),
        (r"must be a finite number", _("须为有限的数值"), {}),
        (r"must be a number", _("须为数值"), {}),
        (r"must have at most (?P<n>\d+) decimal places", _("小数不得超过 %(n)s 位"), {}),
        (r"must be a non-empty text", _("须填写文字，不能为空"), {}),
        (r"must be at most (?P<n>\d+) characters", _("不得超过 %(n)s 个字符"), {}),
        (r"must not contain NUL characters", _("不得包含空字符（NUL）"), {}),
        (r"is required", _("必填"), {}),
        (r"must be one of (?P<options>.+)", _("须为以下之一：%(options)s"), {"options": _options}),
        (r"must be an object", _("须为 JSON 对象"), {}),
        (r"must be a list", _("须为 JSON 列表"), {}),
        (r"must have at most (?P<n>\d+) rows", _("不得超过 %(n)s 行"), {}),
        (
            r"raw coal must be split into anthracite, coking_bituminous, general_bituminous "
            r"or lignite",
            _("原煤须拆分为无烟煤、炼焦烟煤、一般烟煤或褐煤填报"),
            {},
        ),
        (
            r"unknown fuel (?P<name>.+) in (?P<set>.+)",
            _("因子集 %(set)s 中没有能源品种 %(name)s"),
            {},
        ),
        (
            r"must be greater than zero \(leave it out to use the factor set's value\)",
            _("须大于零（不填则使用因子集的缺省值）"),
            {},
        ),
        (r"must be true or false", _("须为“是”或“否”"), {}),
        (
            r"give either the data or not_applicable, not both",
            _("填写数据或说明不适用，二者只能选其一"),
            {},
        ),
        (r"must be greater than zero" + _INSTEAD, _("须大于零（否则请声明该指标不适用）"), {}),
        (
            r"fresh_m3 \+ reused_m3 must be greater than zero" + _INSTEAD,
            _("新鲜取水量与重复利用水量之和须大于零（否则请声明该指标不适用）"),
            {},
        ),
        (
            r"total recoverable_tce must be greater than zero" + _INSTEAD,
            _("可回收量合计须大于零（否则请声明该指标不适用）"),
            {},
        ),
        (
            r"unknown kind; use (?P<options>.+)",
            _("未知的类别，应为：%(options)s"),
            {"options": _options},
        ),
        (
            r"unknown indicator; use (?P<options>.+)",
            _("未知的引导指标，应为：%(options)s"),
            {"options": _options},
        ),
        (
            r'must be a list of products or \{"not_applicable": reason\}',
            _('须为产品列表，或以 {"not_applicable": 理由} 声明不适用'),
            {},
        ),
        (r'must be "(?P<schema>.+)"', _("须为“%(schema)s”"), {}),
        (r"must be a year between 2000 and 2100", _("须为 2000 至 2100 之间的年份"), {}),
        (
            r'must name a factor set, e.g. "(?P<code>.+)"',
            _("须填写因子集代码，例如“%(code)s”"),
            {},
        ),
    ]
]


def translate(message: str) -> str:
    """An engine message in the active language; a message not listed stays as it is."""
    for pattern, text, shown in _MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            values = {k: shown.get(k, str)(v) for k, v in match.groupdict().items()}
            return str(text) % values if values else str(text)
    return message


def case_error(exc: CaseError) -> str:
    """A CaseError as one line: its JSON path, then its message in the active language."""
    path = str(PATH_LABELS.get(exc.path, exc.path))
    return gettext("%(path)s：%(message)s") % {"path": path, "message": translate(exc.message)}


def known(message: str) -> bool:
    return any(pattern.fullmatch(message) for pattern, _text, _shown in _MESSAGES)
