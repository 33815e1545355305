"""The layout of the energy-data workbook, shared by the importer and the exporter.

One sheet per kind of record, Chinese headers. The CSV variant is a ZIP holding one CSV file
per sheet, named after the sheet (``燃料.csv``; the English key, ``fuels.csv``, is accepted too),
with the same header row, UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# The workbook's own language: sheet titles, headers and choice labels are Chinese whatever the
# language of the page that exports or imports it.
TEMPLATE_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text, text_long, month, number, choice, fuel, enterprise, bool
    required: bool = True
    choices: str = ""  # for kind=choice: uses, direction, electricity_kind, heat_kind


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def accepts(self, header: list[str]) -> bool:
        """The sheet's header row, or one without some of its trailing optional columns
        (a workbook made from an earlier template)."""
        headers = self.headers
        return header == headers[: len(header)] and not any(
            c.required for c in self.columns[len(header) :]
        )


def _enterprise(required: bool) -> Column:
    return Column("enterprise", "企业名称", "enterprise", required)


MONTH = Column("month", "月份", "month", required=False)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "enterprises",
        "企业",
        (
            Column("name", "企业名称", "text"),
            Column("credit_code", "统一社会信用代码", "text", required=False),
            Column("industry", "所属行业", "text", required=False),
        ),
    ),
    Sheet(
        "fuels",
        "燃料",
        (
            _enterprise(True),
            MONTH,
            Column("fuel", "燃料", "fuel"),
            Column("use", "用途", "choice", choices="uses"),
            Column("quantity", "消费量", "number"),
            # Measured values (D15); a workbook made before these columns may leave them out.
            Column("ncv_gj_per_unit", "实测低位发热量(GJ/单位)", "number", required=False),
            Column("carbon_tc_per_tj", "实测含碳量(tC/TJ)", "number", required=False),
        ),
    ),
    Sheet(
        "electricity",
        "电力",
        (
            _enterprise(False),
            MONTH,
            Column("direction", "方向", "choice", choices="direction"),
            Column("kind", "类型", "choice", choices="electricity_kind"),
            Column("mwh", "电量(MWh)", "number"),
        ),
    ),
    Sheet(
        "generation",
        "园区内发电",
        (
            _enterprise(False),
            MONTH,
            Column("source", "电源", "text"),
            Column("fossil", "化石能源发电", "bool"),
            Column("mwh", "发电量(MWh)", "number"),
        ),
    ),
    Sheet(
        "heat",
        "热力",
        (
            _enterprise(False),
            MONTH,
            Column("direction", "方向", "choice", choices="direction"),
            Column("kind", "类型", "choice", choices="heat_kind"),
            Column("gj", "热量(GJ)", "number"),
            Column("factor_tco2_per_gj", "实测排放因子(tCO2/GJ)", "number", required=False),
        ),
    ),
    Sheet(
        "processes",
        "工业过程",
        (
            _enterprise(False),
            MONTH,
            Column("product", "产品", "text"),
            Column("tonnes", "产量(t)", "number"),
            Column("factor_tco2_per_t", "排放因子(tCO2/t)", "number"),
            Column("basis", "因子依据", "text_long"),
        ),
    ),
    Sheet(
        "products",
        "产品能耗",
        (
            Column("product", "产品", "text"),
            Column("standard", "能耗限额标准", "text", required=False),
            Column("actual", "实际单位产品能耗", "number"),
            Column("level2_limit", "二级限额值", "number"),
            Column("unit", "单位", "text", required=False),
        ),
    ),
    Sheet(
        "guiding",
        "引导指标",
        (
            Column("item", "项目代码", "text"),
            Column("label", "说明", "text", required=False),
            Column("value", "内容", "text_long", required=False),
        ),
    ),
)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
RECORD_SHEETS = ("fuels", "electricity", "generation", "heat", "processes")

# Guiding-indicator items: code → (GuidingInputs field, label, is a reason text).
GUIDING_ITEMS: dict[str, tuple[str, object, bool]] = {
    "solid_waste.generated_t": ("solid_waste_generated_t", _("工业固废产生量 (t)"), False),
    "solid_waste.utilized_t": ("solid_waste_utilized_t", _("工业固废综合利用量 (t)"), False),
    "solid_waste.not_applicable": ("solid_waste_not_applicable", _("固废利用率不适用原因"), True),
}
for _kind, _label in (("heat", _("余热")), ("cold", _("余冷")), ("pressure", _("余压"))):
    GUIDING_ITEMS[f"waste_energy.{_kind}.recoverable_tce"] = (
        f"waste_{_kind}_recoverable_tce",
        _label,
        False,
    )
    GUIDING_ITEMS[f"waste_energy.{_kind}.recovered_tce"] = (
        f"waste_{_kind}_recovered_tce",
        _label,
        False,
    )
GUIDING_ITEMS.update(
    {
        "waste_energy.not_applicable": (
            "waste_energy_not_applicable",
            _("余热余冷余压利用率不适用原因"),
            True,
        ),
        "water.fresh_m3": ("water_fresh_m3", _("新鲜水取水量 (m³)"), False),
        "water.reused_m3": ("water_reused_m3", _("重复利用水量 (m³)"), False),
        "water.not_applicable": ("water_not_applicable", _("工业用水重复利用率不适用原因"), True),
        "product_energy.not_applicable": (
            "product_energy_not_applicable",
            _("产品能耗不适用原因（有产品时填“产品能耗”表）"),
            True,
        ),
    }
)
GUIDING_FIELDS = {code: field for code, (field, _l, _t) in GUIDING_ITEMS.items()}


def guiding_label(code: str) -> str:
    field, label, _text = GUIDING_ITEMS[code]
    if ".recoverable_tce" in code:
        return str(_("%(kind)s可回收量 (tce)") % {"kind": label})
    if ".recovered_tce" in code:
        return str(_("%(kind)s回收利用量 (tce)") % {"kind": label})
    return str(label)
