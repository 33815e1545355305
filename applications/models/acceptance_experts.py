"""The experts of an evaluation and acceptance (评估验收), as in the review of applications: NDRC
assigns experts to a park's acceptance; each expert declares, before reading anything, whether
they have a conflict of interest (a conflict removes the assignment and leaves a record); an
expert who declared none scores the acceptance rubric (DEFAULT_ACCEPTANCE_RUBRIC, D32) and
comments. NDRC reads the sheets and decides; an expert never does.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .experts import (
    ExpertAssignmentBase,
    ExpertConflictBase,
    ExpertWithdrawalBase,
    ScoreSheetBase,
)
from .programme import ConstructionProgramme

# What an expert declares before the acceptance material is shown to them (the review's
# declaration, said of the park's construction and its acceptance).
ACCEPTANCE_CONFLICT_DECLARATION = _(
    "本人承诺：与该园区及其管理机构、园区内企业、为该园区建设或自评估提供咨询、编制或检测服务的"
    "机构均无雇佣、合作、投资、咨询或亲属关系；未参与该园区的建设方案编制、建设实施或省级自评估"
    "工作；不存在其他可能影响公正评估验收的情形。如存在上述任一情形，应声明利益冲突并回避。"
)


class AcceptanceAssignment(ExpertAssignmentBase):
    """NDRC puts an expert on a park's evaluation and acceptance."""

    programme = models.ForeignKey(
        ConstructionProgramme,
        on_delete=models.CASCADE,
        related_name="expert_assignments",
        verbose_name=_("建设方案"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="acceptance_assignments",
        verbose_name=_("验收专家"),
    )

    class Meta(ExpertAssignmentBase.Meta):
        verbose_name = _("验收专家指派")
        verbose_name_plural = _("验收专家指派")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "expert"], name="acceptance_assignment_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} → {self.expert}"


class AcceptanceConflict(ExpertConflictBase):
    """An expert declared a conflict of interest: the assignment is gone, this record stays."""

    programme = models.ForeignKey(
        ConstructionProgramme,
        on_delete=models.CASCADE,
        related_name="expert_conflicts",
        verbose_name=_("建设方案"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("验收专家"),
    )

    class Meta(ExpertConflictBase.Meta):
        verbose_name = _("验收专家利益冲突声明")
        verbose_name_plural = _("验收专家利益冲突声明")

    def __str__(self) -> str:
        return f"{self.programme} · {self.expert}"


class AcceptanceWithdrawal(ExpertWithdrawalBase):
    """NDRC withdrew an expert's assignment to a park's acceptance before the expert scored."""

    programme = models.ForeignKey(
        ConstructionProgramme,
        on_delete=models.CASCADE,
        related_name="expert_withdrawals",
        verbose_name=_("建设方案"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("验收专家"),
    )

    class Meta(ExpertWithdrawalBase.Meta):
        verbose_name = _("撤回的验收专家指派")
        verbose_name_plural = _("撤回的验收专家指派")

    def __str__(self) -> str:
        return f"{self.programme} · {self.expert}"


class AcceptanceScore(ScoreSheetBase):
    """One expert's sheet on the acceptance rubric as it stood when scored: `criteria`
    ([{key, name, weight}]), `values` ({key: 0–100}), `weighted_total` Σ score × weight / 100,
    and the expert's comment. Revised until NDRC decides."""

    programme = models.ForeignKey(
        ConstructionProgramme,
        on_delete=models.CASCADE,
        related_name="expert_scores",
        verbose_name=_("建设方案"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("验收专家"),
    )
    comment = models.TextField(_("专家意见"))

    class Meta(ScoreSheetBase.Meta):
        verbose_name = _("验收专家评分")
        verbose_name_plural = _("验收专家评分")
        constraints = [
            models.UniqueConstraint(fields=["programme", "expert"], name="acceptance_score_once"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.expert}"


# (key, name, weight in %, guidance): the acceptance rubric (D32), from Att.3's indicator system.
DEFAULT_ACCEPTANCE_RUBRIC = (
    (
        "core_indicator",
        _("核心指标达成"),
        Decimal("40"),
        _(
            "评估年度单位能耗碳排放是否达到园区能耗规模对应的要求（附件3：验收评估的首要条件），"
            "核算数据是否完整、可核查，达标是否稳定；自评估时未达标而报请验收的，须结合省级理由评判。"
        ),
    ),
    (
        "clean_energy",
        _("清洁能源消费"),
        Decimal("15"),
        _("清洁能源消费占比与 ≥90% 的引导要求及建设目标相比的达成情况和提升趋势。"),
    ),
    (
        "product_energy",
        _("产品单位能耗"),
        Decimal("10"),
        _(
            "园区企业产出产品单位能耗是否达到或优于二级能耗限额标准；申报时声明不适用的，"
            "按园区节能降碳措施的实施情况评分。"
        ),
    ),
    (
        "resource_recycling",
        _("资源循环利用"),
        Decimal("15"),
        _(
            "工业固废综合利用率（≥80%）、余热/余冷/余压综合利用率（≥50%）、工业用水重复利用率"
            "（≥80%）的达成情况；申报时声明不适用的指标不纳入评分，按其余适用指标评判。"
        ),
    ),
    (
        "construction",
        _("建设任务完成"),
        Decimal("20"),
        _(
            "重点项目建成投运、路线图阶段目标达成和能碳管理平台运行情况，以历年进展报告和省级"
            "自评估结论为依据。"
        ),
    ),
)
