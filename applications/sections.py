"""The sections of the application book (Att.2 outline), and what each needs to be complete.

Pure: keys, titles and required fields only. Section content lives in `Application.data[key]`
as plain JSON (strings, booleans, lists; decimals as strings). Completeness of the sections kept
in their own fields or rows (boundary, incidents, attachments) is decided in services.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

BASELINE_YEAR = 2025


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    required: tuple[str, ...] = ()
    # Fields needed only when the park is not new (新建园区可不提供).
    required_unless_new: tuple[str, ...] = ()
    required_if_new: tuple[str, ...] = ()
    field_labels: dict[str, str] = field(default_factory=dict)


# The eight key tasks of the notice (发改环资〔2025〕910号 一、重点任务).
KEY_TASKS: list[tuple[str, str]] = [
    ("energy_structure", _("加快园区用能结构转型")),
    ("energy_saving", _("大力推进园区节能降碳")),
    ("industry_structure", _("调整优化园区产业结构")),
    ("resource_efficiency", _("强化园区资源节约集约")),
    ("infrastructure", _("完善升级园区基础设施")),
    ("technology", _("加强先进适用技术应用")),
    ("management", _("提升园区能碳管理能力")),
    ("reform", _("支持园区加强改革创新")),
]

PROJECT_FIELDS: list[tuple[str, str]] = [
    ("name", _("项目名称")),
    ("owner", _("建设主体")),
    ("content", _("建设内容")),
    ("investment", _("投资规模（万元）")),
    ("period", _("建设周期")),
    ("plan", _("实施计划")),
    ("significance", _("对零碳园区建设的意义")),
]

PHASE_FIELDS: list[tuple[str, str]] = [
    ("name", _("阶段")),
    ("years", _("时间")),
    ("focus", _("建设重点")),
]

DATA_AREAS: list[tuple[str, str]] = [
    ("statistics", _("统计")),
    ("accounting", _("核算")),
    ("metering", _("计量")),
    ("monitoring", _("监测")),
]

SECTIONS: list[Section] = [
    Section(
        "basic",
        _("园区基本情况"),
        required=("zone_level", "builder", "location", "layout", "economy"),
    ),
    Section("boundary", _("申报边界")),
    Section(
        "industry",
        _("产业发展情况"),
        required=("leading_industries",),
        required_unless_new=("key_enterprises", "key_projects_investment"),
        required_if_new=("planned_industries",),
    ),
    Section(
        "energy",
        _("能源供应、消费及碳排放"),
        required_unless_new=("supply", "consumption", "emissions"),
    ),
    Section("feasibility", _("可行性分析"), required=("trend", "attainability", "supply_plan")),
    Section(
        "targets", _("建设目标"), required=("period_start", "period_end", "targets", "roadmap")
    ),
    Section("key_tasks", _("重点任务与重点项目"), required=("tasks", "projects")),
    Section(
        "economics",
        _("经济性分析"),
        required=(
            "total_cost",
            "annual_return",
            "payback_years",
            "irr_percent",
            "cost_structure",
            "revenue_sources",
        ),
    ),
    Section(
        "support", _("保障措施"), required=("organisation", "policy_support", "capacity_building")
    ),
    Section("data_foundation", _("能碳数据基础"), required=tuple(k for k, _l in DATA_AREAS)),
    Section("incidents", _("安全、环境与社会事件记录")),
    Section("attachments", _("证明材料")),
]
SECTIONS_BY_KEY: dict[str, Section] = {s.key: s for s in SECTIONS}

# Section-level field names for messages.
FIELD_LABELS: dict[str, str] = {
    "zone_level": _("园区级别"),
    "in_catalogue": _("是否列入《中国开发区审核公告目录》"),
    "approval_document": _("批复文件"),
    "approval_year": _("批复年份"),
    "is_new_park": _("是否新建园区"),
    "builder": _("建设主体"),
    "location": _("区位条件"),
    "layout": _("规划布局"),
    "economy": _("经济产业发展水平"),
    "leading_industries": _("主导产业"),
    "key_enterprises": _("重点企业发展状况"),
    "key_projects_investment": _("已引入或规划中的重点项目及投资规模"),
    "planned_industries": _("规划引入产业和招商引资情况"),
    "supply": _("能源供应情况"),
    "consumption": _("能源消费情况"),
    "emissions": _("碳排放情况"),
    "trend": _("能源消费与碳排放趋势"),
    "attainability": _("目标可达性分析"),
    "supply_plan": _("综合供能方案"),
    "period_start": _("建设期起始年"),
    "period_end": _("建设期结束年"),
    "targets": _("建设目标"),
    "roadmap": _("路线图（分阶段）"),
    "tasks": _("八项重点任务"),
    "other_tasks": _("其他重点任务"),
    "projects": _("重点项目表"),
    "total_cost": _("成本投入（万元）"),
    "annual_return": _("预期年收益（万元）"),
    "payback_years": _("投资回收期（年）"),
    "irr_percent": _("内部收益率（%）"),
    "cost_structure": _("成本结构"),
    "revenue_sources": _("收益来源"),
    "organisation": _("组织方式"),
    "policy_support": _("政策支持"),
    "capacity_building": _("能力建设"),
    "statistics": _("统计基础"),
    "accounting": _("核算基础"),
    "metering": _("计量基础"),
    "monitoring": _("监测基础"),
}


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return True


def missing_fields(key: str, content: dict, is_new_park: bool) -> list[str]:
    """Names of the required fields of a JSON section that are still empty."""
    section = SECTIONS_BY_KEY[key]
    needed = list(section.required)
    needed += list(section.required_if_new if is_new_park else section.required_unless_new)
    missing = [name for name in needed if not _filled(content.get(name))]
    if key == "basic":
        level = content.get("zone_level")
        if level == "provincial_zone" and not _filled(content.get("in_catalogue")):
            missing.append("in_catalogue")
        if level in ("emerging_park", "high_tech_park"):
            missing += [
                n for n in ("approval_document", "approval_year") if not _filled(content.get(n))
            ]
    if key == "key_tasks" and "tasks" not in missing:
        tasks = content.get("tasks") or {}
        if not any(t.get("involved") for t in tasks.values()) or any(
            t.get("involved") and not _filled(t.get("measures")) for t in tasks.values()
        ):
            missing.append("tasks")
    return missing


def label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))
