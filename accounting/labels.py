"""Chinese labels of the method's codes, for pages, letters and the application book.

Codes (``natural_gas``, ``fuel_combustion``, ``grid``) stay in exports, the API and the trace
as stored; what a person reads is the label. Fuels are named by the factor set the run used
(each factor set carries its fuels' Chinese names), everything else by the tables here.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounting.method.case import PARK
from accounting.models import FuelFactor
from accounting.models.data import (
    DIRECTION_LABELS,
    ELECTRICITY_KIND_LABELS,
    FUEL_USE_LABELS,
    HEAT_KIND_LABELS,
)

CATEGORY_LABELS = {
    "fuel_combustion": _("化石燃料燃烧"),
    "bunker": _("国际燃料舱"),
    "transformation": _("加工转换"),
    "electricity": _("电力"),
    "heat": _("热力"),
    "process": _("工业过程"),
    "fuels": _("燃料"),
    "energy": _("能源消费（tce）"),
}
# Energy types that are not fuels of a factor set.
ENERGY_LABELS = {
    "electricity": _("电力"),
    "heat": _("热力"),
    "process": _("工业过程"),
}
USE_LABELS = {
    **FUEL_USE_LABELS,
    **DIRECTION_LABELS,
    "generation": _("自发电"),
    "process": _("工业过程"),
}
DETAIL_LABELS = {**ELECTRICITY_KIND_LABELS, **HEAT_KIND_LABELS}
# The park's tier by its annual energy use (the engine's `tier` codes; thresholds in method.rules).
TIER_LABELS = {
    "below_200k": _("年综合能耗 20 万吨标准煤以下"),
    "200k_1m": _("20 万—100 万吨标准煤"),
    "1m_plus": _("100 万吨标准煤及以上"),
}
# The guiding indicators (Att.3) and the run's flags, by the engine's codes.
GUIDING_LABELS = {
    "clean_energy": _("清洁能源消费占比"),
    "solid_waste": _("工业固废综合利用率"),
    "waste_energy": _("余热余冷余压综合利用率"),
    "water": _("工业用水重复利用率"),
    "product_energy": _("产品单位能耗达到能耗限额标准二级"),
}
FLAG_LABELS = {
    "threshold_provisional": _(
        "年综合能耗低于 20 万吨标准煤：暂按 0.2 评价（门槛未公布）"
    ),
    "direct_green_below_50pct": _("绿电直供比例低于 50%（原则上要求）"),
    "no_energy_consumption": _("综合能源消费量为零，无法计算单位能耗碳排放"),
    "no_electricity_consumption": _("无电力消费"),
    "missing_solid_waste": _("缺少工业固废数据"),
    "missing_waste_energy": _("缺少余热余冷余压数据"),
    "missing_water": _("缺少工业用水数据"),
    "missing_product_energy": _("缺少产品能耗数据"),
}


def fuel_names(factor_set_id: int | None) -> dict[str, str]:
    """code → Chinese name of every fuel of a stored factor set (one query)."""
    if factor_set_id is None:
        return {}
    return dict(
        FuelFactor.objects.filter(factor_set_id=factor_set_id).values_list("code", "name_zh")
    )


def energy_label(code: str, fuels: dict[str, str]) -> str:
    if code in fuels:
        return fuels[code]
    return str(ENERGY_LABELS.get(code, _("其他能源")))


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, _("其他")))


def use_label(code: str) -> str:
    return str(USE_LABELS.get(code, code))


def detail_label(text: str) -> str:
    """Electricity and heat kinds by label; generation sources and products are free text."""
    return str(DETAIL_LABELS.get(text, text))


def trace_row(row: dict[str, Any], fuels: dict[str, str]) -> dict[str, Any]:
    """A trace line (``TRACE_COLUMNS`` dict) with the labels a page shows beside its codes."""
    return {
        **row,
        "category_label": category_label(row["category"]),
        "energy_label": energy_label(row["energy_type"], fuels),
        "use_label": use_label(row["use"]),
        "detail_label": detail_label(row["detail"]),
        "enterprise_label": str(_("园区整体")) if row["enterprise"] == PARK else row["enterprise"],
    }


def all_codes(fuels: dict[str, str]) -> set[str]:
    """Every code these labels translate (for tests that pages print none of them)."""
    return (
        set(fuels)
        | set(CATEGORY_LABELS)
        | set(ENERGY_LABELS)
        | set(USE_LABELS)
        | set(DETAIL_LABELS)
    )


def fuel_names_of(factor_set_ids: set[int]) -> dict[int, dict[str, str]]:
    """`fuel_names` of several factor sets in one query."""
    names: dict[int, dict[str, str]] = {i: {} for i in factor_set_ids}
    if not factor_set_ids:
        return names
    rows = FuelFactor.objects.filter(factor_set_id__in=factor_set_ids).values_list(
        "factor_set_id", "code", "name_zh"
    )
    for set_id, code, name in rows:
        names[set_id][code] = name
    return names
