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
    "threshold_provisional": _("年综合能耗低于 20 万吨标准煤：暂按 0.2 评价（门槛未公布）"),
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
        # A process factor's source is the park's own basis, shown as written.
        "source_label": (
            row["factor_source"]
            if row["category"] == "process"
            else source_label(row["factor_source"])
        ),
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


# The factor sets' and the engine's source notes are stored as published (in English, D10: a
# published set is never edited); a page shows them in the user's language, phrase by phrase.
# Longest phrases first, so that a phrase inside a longer one is not translated alone.
SOURCE_PHRASES = sorted(
    [
        ("tce: ", _("折标准煤系数：")),
        ("NCV/CC/OF: ", _("低位发热量、单位热值含碳量、碳氧化率：")),
        ("GB/T 32150-2015 Annex B defaults", _("GB/T 32150-2015 附录B 缺省值")),
        ("Annex B", _("附录B")),
        ("raw coal", _("原煤")),
        ("bituminous defaults (no separate default found)", _("烟煤缺省值（无单独缺省值）")),
        ("sector guide defaults", _("行业企业温室气体核算指南缺省值")),
        ("project default", _("项目缺省值")),
        ("non-fossil, emission factor 0", _("非化石能源，排放因子为 0")),
        ("hydrogen LHV", _("氢低位发热量")),
        ("Att.4: non-fossil heat 0", _("附件4：非化石能源热力排放因子为 0")),
        ("measured (Att.4 实测值)", _("实测值（附件4）")),
        ("measured (实测)", _("实测")),
        ("carbon content", _("单位热值含碳量")),
        ("NCV", _("低位发热量")),
        ("otherwise:", _("其余取")),
        (
            "Att.4 (direct non-fossil supply and green certificate / green power trading count "
            "as 0)",
            _("附件4（直供非化石能源电力、绿证绿电交易电力排放因子计为 0）"),
        ),
        (
            "Att.3 requires 等价值; project default ~ national thermal power supply coal "
            "consumption (about 300 gce/kWh); set the official figure of the accounting year",
            _(
                "附件3要求按等价值折算；项目缺省值约为全国火电供电标准煤耗（约 300 gce/kWh）；"
                "应改用核算年度公布的数值"
            ),
        ),
        (
            "(shown for reference only; not used by the core indicator)",
            _("（仅供参考，不用于核心指标）"),
        ),
        (
            "Att.4 default for fossil heat when no measured value",
            _("附件4：化石能源热力无实测值时的缺省值"),
        ),
        (
            "project decision D5: grid power without certificates is not counted as clean energy",
            _("项目决定 D5：无绿证的电网电力不计为清洁能源"),
        ),
        ("Att.4 (", _("附件4（")),
        ("Att.4", _("附件4")),
        ("Att.3", _("附件3")),
        ("IPCC 2006 defaults", _("IPCC 2006 缺省值")),
        (
            "IPCC 2006 NCV ÷ 29.3076 GJ/tce (GB/T 2589 standard coal)",
            _("IPCC 2006 低位发热量 ÷ 29.3076 GJ/tce（GB/T 2589 标准煤定义）"),
        ),
        ("IPCC 2006 defaults, ", _("IPCC 2006 缺省值，")),
        (
            " (Vol.2 Ch.1 Tables 1.2, 1.3; oxidation 1)",
            _("（第2卷第1章表1.2、表1.3；碳氧化率取 1）"),
        ),
        ("Naphtha", _("石脑油 Naphtha")),
        ("Lubricants", _("润滑油 Lubricants")),
        ("Paraffin Waxes", _("石蜡 Paraffin Waxes")),
        ("White Spirit and SBP", _("溶剂油 White Spirit and SBP")),
        ("Bitumen", _("石油沥青 Bitumen")),
        ("Other Petroleum Products", _("其他石油制品 Other Petroleum Products")),
        ("Patent Fuel", _("型煤 Patent Fuel")),
        ("Coal Tar", _("煤焦油 Coal Tar")),
        (
            "NCV ÷ 29.3076 GJ/tce (GB/T 2589 standard coal)",
            _("低位发热量 ÷ 29.3076 GJ/tce（GB/T 2589 标准煤定义）"),
        ),
        (
            "GB/T 32151.22-2024 Appendix C Table C.1 defaults",
            _("GB/T 32151.22-2024 附录C 表C.1 缺省值"),
        ),
        ("other washed coal", _("其他洗煤")),
        ("other gas", _("其他煤气")),
        ("Provincial GHG inventory guidelines", _("省级温室气体清单编制指南（试行）")),
        ("same as", _("同")),
    ],
    key=lambda pair: -len(pair[0]),
)


def source_label(text: str) -> str:
    """A factor's source note in the user's language (the stored note stays as published)."""
    if not text:
        return text
    pieces = [text]
    for phrase, label in SOURCE_PHRASES:
        done = []
        for piece in pieces:
            if isinstance(piece, _Done):
                done.append(piece)
                continue
            parts = piece.split(phrase)
            for i, part in enumerate(parts):
                if i:
                    done.append(_Done(str(label)))
                if part:
                    done.append(part)
        pieces = done
    return "".join(pieces).replace("; ", "；")


class _Done(str):
    """A piece already translated: no later (shorter) phrase looks inside it."""
