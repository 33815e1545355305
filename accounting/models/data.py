"""One park-year of energy data, entered in forms or imported, month by month.

Quantities are Decimal with at most 6 decimal places and at most 10^15, the limits of the
`zcp-case/1` file (accounting/method/case.py), so whatever is stored can always be calculated.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounting.method.case import ELECTRICITY_KINDS, FUEL_USES, HEAT_DIRECTIONS, HEAT_KINDS

QUANTITY = {"max_digits": 22, "decimal_places": 6, "validators": [MinValueValidator(0)]}

FUEL_USE_LABELS = {
    "end_use": _("终端消费"),
    "power_generation": _("发电"),
    "heat_supply": _("供热"),
    "recovered_energy": _("回收能"),
    "bunker": _("国际燃料舱"),
    "feedstock": _("用作原料、材料"),
    "transformation_input": _("加工转换投入"),
    "transformation_output": _("加工转换产出"),
}
DIRECTION_LABELS = {"import": _("调入"), "export": _("调出")}
ELECTRICITY_KIND_LABELS = {
    "grid": _("电网购电"),
    "direct_non_fossil": _("直供非化石电力"),
    "green_certificate": _("绿证/绿电交易电量"),
    "fossil": _("化石能源电力"),
    "non_fossil": _("非化石能源电力"),
}
HEAT_KIND_LABELS = {"fossil": _("化石能源热力"), "non_fossil": _("非化石能源热力")}

FUEL_USE_CHOICES = [(u, FUEL_USE_LABELS[u]) for u in FUEL_USES]
DIRECTION_CHOICES = [(d, DIRECTION_LABELS[d]) for d in HEAT_DIRECTIONS]
ELECTRICITY_KIND_CHOICES = [
    (k, ELECTRICITY_KIND_LABELS[k]) for kinds in ELECTRICITY_KINDS.values() for k in kinds
]
HEAT_KIND_CHOICES = [(k, HEAT_KIND_LABELS[k]) for k in HEAT_KINDS]
MONTH = {"validators": [MinValueValidator(1), MaxValueValidator(12)]}


class ParkYear(models.Model):
    """The unit of data entry and calculation: one park, one calendar year."""

    park = models.ForeignKey(
        "applications.Park",
        on_delete=models.CASCADE,
        related_name="energy_years",
        verbose_name=_("园区"),
    )
    year = models.PositiveIntegerField(
        _("年份"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    # Blank: the factor set chosen by the year (services.factor_set_code_for_year).
    factor_set_code = models.CharField(_("因子集代码"), max_length=64, blank=True)
    # When data or the factor set last changed; a run records the value it calculated from,
    # so the sweep can tell which park-years are behind.
    inputs_changed_at = models.DateTimeField(_("数据更新时间"), null=True, blank=True)
    # Debounce marker: set atomically when a recalculation is sent, cleared by the task on start.
    recalc_queued_at = models.DateTimeField(_("重算排队时间"), null=True, blank=True)

    class Meta:
        ordering = ["park", "-year"]
        verbose_name = _("园区年度能源数据")
        verbose_name_plural = _("园区年度能源数据")
        constraints = [
            models.UniqueConstraint(fields=["park", "year"], name="park_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.park} {self.year}"


class Enterprise(models.Model):
    park_year = models.ForeignKey(ParkYear, on_delete=models.CASCADE, related_name="enterprises")
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["park_year", "id"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        constraints = [
            models.UniqueConstraint(fields=["park_year", "name"], name="enterprise_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class MonthlyRecord(models.Model):
    park_year = models.ForeignKey(ParkYear, on_delete=models.CASCADE, related_name="+")
    # Blank: a whole-year figure (a zcp-case/1 upload carries no months).
    month = models.PositiveSmallIntegerField(_("月份"), null=True, blank=True, **MONTH)

    # Who changed what and when; every concrete record model gets its own history.
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["id"]


class FuelRecord(MonthlyRecord):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业")
    )
    fuel = models.CharField(_("燃料"), max_length=64)
    use = models.CharField(_("用途"), max_length=32, choices=FUEL_USE_CHOICES)
    quantity = models.DecimalField(_("数量"), **QUANTITY)
    # Measured values (D15, accounting/method/DECISIONS.md): blank means the factor set's.
    ncv_gj_per_unit = models.DecimalField(
        _("实测低位发热量 (GJ/单位)"), null=True, blank=True, **QUANTITY
    )
    carbon_tc_per_tj = models.DecimalField(
        _("实测单位热值含碳量 (tC/TJ)"), null=True, blank=True, **QUANTITY
    )

    class Meta(MonthlyRecord.Meta):
        verbose_name = _("燃料消费")
        verbose_name_plural = _("燃料消费")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.fuel} {self.month or ''} {self.quantity}"


def park_level_enterprise() -> models.ForeignKey:
    """Electricity, generation, heat and process rows may belong to the park as a whole."""
    return models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("企业"),
    )


class ElectricityRecord(MonthlyRecord):
    enterprise = park_level_enterprise()
    direction = models.CharField(_("方向"), max_length=8, choices=DIRECTION_CHOICES)
    kind = models.CharField(_("类型"), max_length=32, choices=ELECTRICITY_KIND_CHOICES)
    mwh = models.DecimalField(_("电量 (MWh)"), **QUANTITY)

    class Meta(MonthlyRecord.Meta):
        verbose_name = _("电力调入调出")
        verbose_name_plural = _("电力调入调出")

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.month or ''} {self.mwh} MWh"


class GenerationRecord(MonthlyRecord):
    enterprise = park_level_enterprise()
    source = models.CharField(_("电源"), max_length=200)
    fossil = models.BooleanField(_("化石能源发电"), default=False)
    mwh = models.DecimalField(_("发电量 (MWh)"), **QUANTITY)

    class Meta(MonthlyRecord.Meta):
        verbose_name = _("园区内发电")
        verbose_name_plural = _("园区内发电")

    def __str__(self) -> str:
        return f"{self.source} {self.month or ''} {self.mwh} MWh"


class HeatRecord(MonthlyRecord):
    enterprise = park_level_enterprise()
    direction = models.CharField(_("方向"), max_length=8, choices=DIRECTION_CHOICES)
    kind = models.CharField(_("类型"), max_length=16, choices=HEAT_KIND_CHOICES)
    gj = models.DecimalField(_("热量 (GJ)"), **QUANTITY)
    factor_tco2_per_gj = models.DecimalField(
        _("实测排放因子 (tCO2/GJ)"), null=True, blank=True, **QUANTITY
    )

    class Meta(MonthlyRecord.Meta):
        verbose_name = _("热力调入调出")
        verbose_name_plural = _("热力调入调出")

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.month or ''} {self.gj} GJ"


class ProcessRecord(MonthlyRecord):
    enterprise = park_level_enterprise()
    product = models.CharField(_("产品"), max_length=200)
    tonnes = models.DecimalField(_("产量 (t)"), **QUANTITY)
    factor_tco2_per_t = models.DecimalField(_("排放因子 (tCO2/t)"), **QUANTITY)
    basis = models.TextField(_("因子依据"), max_length=2000)

    class Meta(MonthlyRecord.Meta):
        verbose_name = _("工业过程")
        verbose_name_plural = _("工业过程")

    def __str__(self) -> str:
        return f"{self.product} {self.month or ''} {self.tonnes} t"


class ProductEnergyRecord(models.Model):
    park_year = models.ForeignKey(ParkYear, on_delete=models.CASCADE, related_name="+")
    product = models.CharField(_("产品"), max_length=200)
    standard = models.CharField(_("能耗限额标准"), max_length=200, blank=True)
    actual = models.DecimalField(_("实际单位产品能耗"), **QUANTITY)
    level2_limit = models.DecimalField(_("二级限额值"), **QUANTITY)
    unit = models.CharField(_("单位"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("产品能耗")
        verbose_name_plural = _("产品能耗")

    def __str__(self) -> str:
        return self.product


def _optional(label):
    return models.DecimalField(label, null=True, blank=True, **QUANTITY)

    def __str__(self) -> str:
        return self.product


class GuidingInputs(models.Model):
    """The guiding-indicator inputs of a park-year; each may be declared not applicable."""

    park_year = models.OneToOneField(ParkYear, on_delete=models.CASCADE, related_name="guiding")
    solid_waste_generated_t = _optional(_("工业固废产生量 (t)"))
    solid_waste_utilized_t = _optional(_("工业固废综合利用量 (t)"))
    solid_waste_not_applicable = models.TextField(_("固废利用率不适用原因"), blank=True)
    waste_heat_recoverable_tce = _optional(_("余热可回收量 (tce)"))
    waste_heat_recovered_tce = _optional(_("余热回收利用量 (tce)"))
    waste_cold_recoverable_tce = _optional(_("余冷可回收量 (tce)"))
    waste_cold_recovered_tce = _optional(_("余冷回收利用量 (tce)"))
    waste_pressure_recoverable_tce = _optional(_("余压可回收量 (tce)"))
    waste_pressure_recovered_tce = _optional(_("余压回收利用量 (tce)"))
    waste_energy_not_applicable = models.TextField(_("余热余冷余压利用率不适用原因"), blank=True)
    water_fresh_m3 = _optional(_("新鲜水取水量 (m³)"))
    water_reused_m3 = _optional(_("重复利用水量 (m³)"))
    water_not_applicable = models.TextField(_("工业用水重复利用率不适用原因"), blank=True)
    product_energy_not_applicable = models.TextField(_("产品能耗不适用原因"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("引导指标数据")
        verbose_name_plural = _("引导指标数据")

    def __str__(self) -> str:
        return f"{self.park_year}"


class ImportBatch(models.Model):
    """An applied upload. The identical file (same SHA-256) may be applied again to restore its
    data after a later change; each application is its own row."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV_ZIP = "csv_zip", _("CSV 压缩包")
        CASE_JSON = "case_json", "zcp-case/1 JSON"
        API_ROWS = "api_rows", _("API 推送的行数据")

    park_year = models.ForeignKey(ParkYear, on_delete=models.CASCADE, related_name="imports")
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(_("文件名"), max_length=255)
    format = models.CharField(_("格式"), max_length=16, choices=Format.choices)
    row_counts = models.JSONField(_("行数"), default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        ordering = ["-applied_at"]
        verbose_name = _("数据导入")
        verbose_name_plural = _("数据导入")
        indexes = [models.Index(fields=["park_year", "sha256"], name="import_file")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"
