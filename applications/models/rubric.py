"""The batch's rubric: the criteria experts score, each with its weight and guidance.

A batch without criteria of its own is scored on `DEFAULT_RUBRIC` (the three factors the notice
names, 三(三), and the feasibility of the indicators; D21 in accounting/method/DECISIONS.md).
Each criterion is scored 0–100; the weighted total is Σ score × weight / 100, so 0–100 too.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .batches import Batch

WEIGHT_TOTAL = Decimal("100")


class RubricCriterion(models.Model):
    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("批次")
    )
    key = models.SlugField(
        _("代码"), max_length=40, help_text=_("评分表中的字段名（英文字母、数字、下划线）。")
    )
    name = models.CharField(_("评分项"), max_length=60)
    weight = models.DecimalField(_("权重（%）"), max_digits=5, decimal_places=2)
    guidance = models.TextField(_("评分指导"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["batch", "order", "pk"]
        verbose_name = _("评分标准")
        verbose_name_plural = _("评分标准")
        constraints = [
            models.UniqueConstraint(fields=["batch", "key"], name="rubric_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}%）"


# (key, name, weight, guidance): used by every batch that sets no criteria of its own.
DEFAULT_RUBRIC = (
    (
        "representativeness",
        _("产业代表性"),
        Decimal("30"),
        _(
            "园区主导产业在本地区和全国同类园区中的代表性，产业结构与用能结构是否典型，经验能否推广。"
        ),
    ),
    (
        "demonstration",
        _("综合示范性"),
        Decimal("30"),
        _("能源结构转型、节能降碳、资源循环利用、基础设施和能碳管理等任务的综合程度与示范作用。"),
    ),
    (
        "reduction_potential",
        _("碳减排潜力"),
        Decimal("30"),
        _("单位能耗碳排放水平、减排路径的可行性和建设期内可实现的减排量。"),
    ),
    (
        "feasibility",
        _("指标可行性"),
        Decimal("10"),
        _("建设目标和指标的依据是否充分，项目、资金和政策保障是否落实。"),
    ),
)
