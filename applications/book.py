"""The application book (申报书, Att.2 outline): every field declared once.

A field says its key (as stored in `Application.data` and in submission snapshots), its Chinese
label, its form field, whether it is required, and how its value is displayed. Forms
(forms/sections.py), completeness (sections.missing_fields), the review page, the submission page,
the diff between submissions, the letters, the dossier and the printable 申报书 all ask this
module; pages never print a key or a JSON object (codes stay in exports and the API).

Sections whose content has its own storage (boundary, incidents, attachments) are declared here
for display; their forms live in forms/boundary.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zcparks import numbers

from .models import AttachmentSection, IncidentKind, ParkScope, Severity, ZoneLevel

BASELINE_YEAR = 2025

# Kinds of field: how a value is entered and shown.
TEXT = "text"  # one line
LONG_TEXT = "long_text"  # paragraphs
CHOICE = "choice"  # a code stored, its label shown
BOOL = "bool"  # 是/否
INTEGER = "integer"
MONEY = "money"  # 万元, 2 places grouped
DECIMAL = "decimal"  # a plain quantity, 2 places
PERCENT = "percent"  # a value already in percent
INTENSITY = "intensity"  # carbon intensity, tCO2/tce, 4 places
AREA = "area"  # km², as stored (4 places)
DATE = "date"
TABLE = "table"  # a list of rows with the columns declared
TASKS = "tasks"  # the eight key tasks: involved and measures per task
HIDDEN = "hidden"  # kept in the snapshot, shown elsewhere (the boundary polygon on its map)

# When a field must be filled for the section to be complete.
REQUIRED = "required"
UNLESS_NEW = "unless_new"  # not needed from a new park (新建园区可不提供)
IF_NEW = "if_new"
OPTIONAL = "optional"


@dataclass(frozen=True)
class Field:
    key: str
    label: Any  # lazy text
    kind: str = LONG_TEXT
    requirement: str = OPTIONAL
    choices: tuple[tuple[str, Any], ...] = ()
    columns: tuple[Field, ...] = ()
    help_text: Any = ""
    # Form options (max_length, min_value, max_value, required, ...) and whether the section
    # form edits this field at all (boundary, incidents and attachments have their own pages).
    options: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    in_form: bool = True

    def formfield(self) -> forms.Field:
        options: dict[str, Any] = {"label": self.label, "required": False, **self.options}
        if self.help_text:
            options["help_text"] = self.help_text
        if self.kind == LONG_TEXT:
            rows = options.pop("rows", 3)
            return forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), **options)
        if self.kind == TEXT:
            return forms.CharField(**options)
        if self.kind == CHOICE:
            blank = [] if options["required"] else [("", "—")]
            return forms.ChoiceField(choices=blank + list(self.choices), **options)
        if self.kind == BOOL:
            return forms.BooleanField(**options)
        if self.kind == INTEGER:
            return forms.IntegerField(**options)
        if self.kind in (MONEY, DECIMAL, PERCENT, INTENSITY):
            options.setdefault("max_digits", 16)
            options.setdefault("decimal_places", 4)
            return forms.DecimalField(**options)
        raise ValueError(f"{self.key}: a {self.kind} field has no single form field")

    def column(self, key: str) -> Field:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class Shown:
    """A value as it is displayed: a text, or a table of texts."""

    text: str = ""
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def is_table(self) -> bool:
        return bool(self.headers)

    def as_text(self) -> str:
        """One plain text (for messages and exports of labels): rows as lines."""
        if not self.is_table:
            return self.text
        return (
            "\n".join(
                "；".join(f"{h}：{v}" for h, v in zip(self.headers, row, strict=True))
                for row in self.rows
            )
            or numbers.MISSING
        )


# The eight key tasks of the notice (发改环资〔2025〕910号 一、重点任务).
KEY_TASKS: list[tuple[str, Any]] = [
    ("energy_structure", _("加快园区用能结构转型")),
    ("energy_saving", _("大力推进园区节能降碳")),
    ("industry_structure", _("调整优化园区产业结构")),
    ("resource_efficiency", _("强化园区资源节约集约")),
    ("infrastructure", _("完善升级园区基础设施")),
    ("technology", _("加强先进适用技术应用")),
    ("management", _("提升园区能碳管理能力")),
    ("reform", _("支持园区加强改革创新")),
]
IN_CATALOGUE = (("yes", _("已列入")), ("no", _("未列入")), ("unknown", _("不确定")))

PHASE_COLUMNS = (
    Field("name", _("阶段"), TEXT, options={"max_length": 100}),
    Field("years", _("时间"), TEXT, options={"max_length": 50}),
    Field("focus", _("建设重点"), LONG_TEXT, options={"rows": 2}),
)
PROJECT_COLUMNS = (
    Field("name", _("项目名称"), TEXT, options={"max_length": 200}),
    Field("owner", _("建设主体"), TEXT, options={"max_length": 200}),
    Field("content", _("建设内容"), LONG_TEXT, options={"rows": 2}),
    Field(
        "investment",
        _("投资规模（万元）"),
        MONEY,
        options={"decimal_places": 2, "min_value": Decimal("0")},
    ),
    Field("period", _("建设周期"), TEXT, options={"max_length": 100}),
    Field("plan", _("实施计划"), LONG_TEXT, options={"rows": 2}),
    Field("significance", _("对零碳园区建设的意义"), LONG_TEXT, options={"rows": 2}),
)
# Targets per Att.3 indicator and year (建设目标表): the core indicator in tCO2/tce, the guiding
# indicators the accounting computes as shares in percent. An empty cell of a guiding indicator
# is no target; one the park's accounting declares not applicable is not required (Att.3).
_SHARE_TARGET = {"decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("100")}
TARGET_COLUMNS = (
    Field("year", _("年份"), INTEGER, options={"min_value": BASELINE_YEAR, "max_value": 2060}),
    Field(
        "intensity",
        _("单位能耗碳排放（tCO2/tce）"),
        INTENSITY,
        options={"decimal_places": 4, "min_value": Decimal("0"), "max_value": Decimal("100")},
    ),
    Field("clean_energy", _("清洁能源消费占比（%）"), PERCENT, options=_SHARE_TARGET),
    Field("solid_waste", _("工业固废综合利用率（%）"), PERCENT, options=_SHARE_TARGET),
    Field("waste_energy", _("余热余冷余压综合利用率（%）"), PERCENT, options=_SHARE_TARGET),
    Field("water", _("工业用水重复利用率（%）"), PERCENT, options=_SHARE_TARGET),
)
# A year of the batch's three (近三年) without a calculation, and why (three_years.py, D43).
YEAR_REASON_COLUMNS = (
    Field("year", _("年份"), INTEGER),
    Field("reason", _("无核算结果的原因"), LONG_TEXT),
)
TASK_COLUMNS = (
    Field("task", _("重点任务"), TEXT),
    Field("involved", _("是否涉及"), BOOL),
    Field("measures", _("具体举措"), LONG_TEXT),
)
INCIDENT_COLUMNS = (
    Field("occurred_on", _("日期"), DATE),
    Field("kind", _("类型"), CHOICE, choices=tuple(IncidentKind.choices)),
    Field("severity", _("等级"), CHOICE, choices=tuple(Severity.choices)),
    Field("description", _("说明"), LONG_TEXT),
)
ATTACHMENT_COLUMNS = (
    Field("title", _("材料名称"), TEXT),
    Field("section", _("所属部分"), CHOICE, choices=tuple(AttachmentSection.choices)),
    Field("original_name", _("文件名"), TEXT),
    Field("size", _("大小（字节）"), INTEGER),
    Field("sha256", _("SHA-256 摘要"), TEXT),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "basic": (
        Field(
            "zone_level",
            _("园区级别"),
            CHOICE,
            REQUIRED,
            choices=tuple(ZoneLevel.choices),
            options={"required": True},
        ),
        # Required for provincial zones only; see sections.missing_fields.
        Field(
            "in_catalogue",
            _("是否列入《中国开发区审核公告目录》"),
            CHOICE,
            choices=IN_CATALOGUE,
            help_text=_("省级开发区填写"),
        ),
        Field(
            "approval_document",
            _("批复文件"),
            TEXT,
            help_text=_("新兴产业园区、高新技术园区填写批复机关、文件名称和文号"),
            options={"max_length": 300},
        ),
        Field("approval_year", _("批复年份"), INTEGER, options={"min_value": 1990}),
        Field(
            "is_new_park",
            _("是否新建园区"),
            BOOL,
            help_text=_("新建园区可不提供能源消费和碳排放历史"),
        ),
        Field("builder", _("建设主体"), requirement=REQUIRED),
        Field("location", _("区位条件"), requirement=REQUIRED),
        Field("layout", _("规划布局"), requirement=REQUIRED),
        Field("economy", _("经济产业发展水平"), requirement=REQUIRED),
    ),
    "boundary": (
        Field("scope", _("建设范围"), CHOICE, choices=tuple(ParkScope.choices), in_form=False),
        Field("host_park_name", _("所在园区（园中园填写）"), TEXT, in_form=False),
        Field("management_body", _("负责建设和管理的机构"), TEXT, in_form=False),
        Field("east", _("东至"), TEXT, in_form=False),
        Field("south", _("南至"), TEXT, in_form=False),
        Field("west", _("西至"), TEXT, in_form=False),
        Field("north", _("北至"), TEXT, in_form=False),
        Field("area_km2", _("面积（平方公里）"), AREA, in_form=False),
        Field("declared_area_km2", _("规划面积（平方公里）"), AREA, in_form=False),
        Field("geojson", _("边界范围"), HIDDEN, in_form=False),
    ),
    "industry": (
        Field("leading_industries", _("主导产业"), requirement=REQUIRED),
        Field("key_enterprises", _("重点企业发展状况"), requirement=UNLESS_NEW),
        Field(
            "key_projects_investment",
            _("已引入或规划中的重点项目及投资规模"),
            requirement=UNLESS_NEW,
        ),
        Field("planned_industries", _("规划引入产业和招商引资情况"), requirement=IF_NEW),
    ),
    "energy": (
        Field("supply", _("能源供应情况"), requirement=UNLESS_NEW),
        Field("consumption", _("能源消费情况"), requirement=UNLESS_NEW),
        Field("emissions", _("碳排放情况"), requirement=UNLESS_NEW),
        # Edited on the section's page year by year (forms/sections.py EnergyForm).
        Field(
            "year_reasons",
            _("近三年中无核算结果的年份及原因"),
            TABLE,
            columns=YEAR_REASON_COLUMNS,
            in_form=False,
        ),
    ),
    "feasibility": (
        Field("trend", _("能源消费与碳排放趋势"), requirement=REQUIRED),
        Field("attainability", _("目标可达性分析"), requirement=REQUIRED),
        Field("supply_plan", _("综合供能方案"), requirement=REQUIRED),
    ),
    "targets": (
        # Fixed by the notice; stored with the section, not edited.
        Field("baseline_year", _("基准年"), INTEGER, in_form=False),
        Field(
            "period_start",
            _("建设期起始年"),
            INTEGER,
            REQUIRED,
            options={"min_value": BASELINE_YEAR, "max_value": 2060},
        ),
        Field(
            "period_end",
            _("建设期结束年"),
            INTEGER,
            REQUIRED,
            options={"min_value": BASELINE_YEAR, "max_value": 2060},
        ),
        Field("targets", _("建设目标说明"), requirement=REQUIRED),
        Field(
            "indicator_targets",
            _("分年度指标目标"),
            TABLE,
            columns=TARGET_COLUMNS,
            help_text=_(
                "每年一行：单位能耗碳排放填 tCO2/tce，引导指标填百分数；"
                "核算中声明不适用的引导指标可留空。"
            ),
        ),
        Field("roadmap", _("路线图（分阶段）"), TABLE, REQUIRED, columns=PHASE_COLUMNS),
    ),
    "key_tasks": (
        Field("tasks", _("八项重点任务"), TASKS, REQUIRED, columns=TASK_COLUMNS),
        Field("other_tasks", _("其他重点任务")),
        Field("projects", _("重点项目表"), TABLE, REQUIRED, columns=PROJECT_COLUMNS),
    ),
    "economics": (
        Field(
            "total_cost",
            _("成本投入（万元）"),
            MONEY,
            REQUIRED,
            options={"min_value": Decimal("0")},
        ),
        Field("annual_return", _("预期年收益（万元）"), MONEY, REQUIRED),
        Field(
            "payback_years",
            _("投资回收期（年）"),
            DECIMAL,
            REQUIRED,
            options={"min_value": Decimal("0")},
        ),
        Field(
            "irr_percent",
            _("内部收益率（%）"),
            PERCENT,
            REQUIRED,
            options={"min_value": Decimal("-100"), "max_value": Decimal("1000")},
        ),
        Field("cost_structure", _("成本结构"), requirement=REQUIRED),
        Field("revenue_sources", _("收益来源"), requirement=REQUIRED),
        # The notice (二、(二)) asks for the economic, environmental and social benefits.
        Field(
            "environmental_benefits",
            _("环境效益"),
            LONG_TEXT,
            REQUIRED,
            help_text=_(
                "建设期末每年减少的二氧化碳排放，以及大气污染物、固体废物、水资源等方面的效益，写明测算依据"
            ),
        ),
        Field(
            "co2_reduction_t",
            _("预计年二氧化碳减排量（tCO2）"),
            DECIMAL,
            options={"min_value": Decimal("0")},
        ),
        Field(
            "social_benefits",
            _("社会效益"),
            LONG_TEXT,
            REQUIRED,
            help_text=_("如带动就业、产业示范与推广、公共服务和能力建设等"),
        ),
    ),
    "support": (
        Field("organisation", _("组织方式"), requirement=REQUIRED),
        Field("policy_support", _("政策支持"), requirement=REQUIRED),
        Field("capacity_building", _("能力建设"), requirement=REQUIRED),
        Field("gov_support", _("已获得地方政府和园区企业支持"), BOOL),
        Field("special_mechanism", _("计划建立专项工作机制"), BOOL),
        Field("research_platform", _("已建或拟建产学研合作平台"), BOOL),
        Field("renewable_exploration", _("能在高比例可再生能源供给消纳方面开展探索"), BOOL),
        Field("talent_team", _("拥有支持零碳园区建设的人才队伍"), BOOL),
    ),
    "data_foundation": (
        Field("statistics", _("统计基础"), requirement=REQUIRED),
        Field("accounting", _("核算基础"), requirement=REQUIRED),
        Field("metering", _("计量基础"), requirement=REQUIRED),
        Field("monitoring", _("监测基础"), requirement=REQUIRED),
    ),
    "incidents": (
        Field("confirmed", _("已确认近三年事件记录完整"), BOOL, in_form=False),
        Field("items", _("事件记录"), TABLE, columns=INCIDENT_COLUMNS, in_form=False),
    ),
    "attachments": (
        Field("items", _("证明材料清单"), TABLE, columns=ATTACHMENT_COLUMNS, in_form=False),
    ),
}
FIELDS_BY_KEY: dict[str, dict[str, Field]] = {
    section: {f.key: f for f in fields} for section, fields in FIELDS.items()
}


def get(section: str, key: str) -> Field | None:
    return FIELDS_BY_KEY.get(section, {}).get(key)


def label(section: str, key: str) -> str:
    """The label of a field; a key that the book does not know is named as such, never shown."""
    found = get(section, key)
    return str(found.label) if found else gettext("其他内容")


def form_fields(section: str) -> dict[str, forms.Field]:
    """The form fields of a section's editable scalar fields, in the book's order."""
    return {
        f.key: f.formfield()
        for f in FIELDS[section]
        if f.in_form and f.kind not in (TABLE, TASKS, HIDDEN)
    }


def column_fields(section: str, key: str) -> dict[str, forms.Field]:
    """The form fields of one row of a table field (roadmap phases, key projects)."""
    return {c.key: c.formfield() for c in FIELDS_BY_KEY[section][key].columns}


# --- Display -----------------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {})


def text(f: Field, value: Any) -> str:
    """A scalar value as text: labels for codes, 是/否, the one number format."""
    if _empty(value):
        return numbers.MISSING
    if f.kind == HIDDEN:
        return gettext("见地图")
    if f.kind == CHOICE:
        return str(dict(f.choices).get(value, gettext("（未知选项）")))
    if f.kind == BOOL:
        return gettext("是") if value else gettext("否")
    if f.kind == MONEY:
        return numbers.money(value)
    if f.kind == DECIMAL:
        return numbers.number(value, 2)
    if f.kind == PERCENT:
        return numbers.percent(value)
    if f.kind == INTENSITY:
        return numbers.intensity(value)
    if f.kind == AREA:
        return numbers.number(value, 4)
    if isinstance(value, dict | list):
        # A nested value where the book expects text: never print its JSON.
        return gettext("（格式不符）")
    return str(value)


def show(f: Field, value: Any) -> Shown:
    if f.kind == TASKS:
        tasks = value if isinstance(value, dict) else {}
        rows = tuple(
            (
                str(title),
                text(f.column("involved"), bool((tasks.get(key) or {}).get("involved"))),
                text(f.column("measures"), (tasks.get(key) or {}).get("measures")),
            )
            for key, title in KEY_TASKS
        )
        return Shown(headers=tuple(str(c.label) for c in f.columns), rows=rows)
    if f.kind == TABLE:
        items = value if isinstance(value, list) else []
        if not items:
            return Shown(text=gettext("无"))
        rows = tuple(tuple(text(c, (item or {}).get(c.key)) for c in f.columns) for item in items)
        return Shown(headers=tuple(str(c.label) for c in f.columns), rows=rows)
    return Shown(text=text(f, value))


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    shown: Shown


def rows(section: str, content: Mapping[str, Any] | None) -> list[Row]:
    """A section's fields as displayed: every required field and every field with a value, in
    the book's order. Keys the book does not know are left out (a test checks the demo has
    none)."""
    content = content or {}
    return [
        Row(f.key, str(f.label), show(f, content.get(f.key)))
        for f in FIELDS.get(section, ())
        if f.kind != HIDDEN and (f.key in content or f.requirement != OPTIONAL)
    ]


def unknown_keys(section: str, content: Mapping[str, Any] | None) -> set[str]:
    return set(content or {}) - set(FIELDS_BY_KEY.get(section, {}))


def all_keys() -> set[str]:
    """Every key of the book, its sections and its table columns (for tests and exports)."""
    keys = set(FIELDS)
    for fields in FIELDS.values():
        for f in fields:
            keys.add(f.key)
            keys.update(c.key for c in f.columns)
    keys.update(k for k, _title in KEY_TASKS)
    return keys


def choice_codes() -> set[str]:
    """Every stored code of a choice of the book."""
    codes: set[str] = set()

    def collect(fields: Iterable[Field]) -> None:
        for f in fields:
            codes.update(code for code, _label in f.choices)
            collect(f.columns)

    for fields in FIELDS.values():
        collect(fields)
    return codes
