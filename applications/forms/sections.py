"""Forms of the JSON sections. Each reads its initial values from `Application.data[key]` and
gives back plain content for services.save_section. Lists (roadmap phases, key projects) are
formsets of plain forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import ZoneLevel
from ..sections import BASELINE_YEAR, FIELD_LABELS, KEY_TASKS, PHASE_FIELDS, PROJECT_FIELDS

TEXT = {"widget": forms.Textarea(attrs={"rows": 3}), "required": False}


def _text(name: str) -> forms.CharField:
    return forms.CharField(label=FIELD_LABELS[name], **TEXT)


def _decimal(name: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=FIELD_LABELS[name], required=False, max_digits=16, decimal_places=4, **kwargs
    )


class SectionForm(forms.Form):
    """A section may be saved incomplete at any time (drafts); completeness is shown apart."""

    formsets: dict[str, type[forms.BaseFormSet]] = {}

    def __init__(self, *args: Any, content: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.content = content or {}
        kwargs.setdefault("initial", self.initial_from(self.content))
        super().__init__(*args, **kwargs)
        data = args[0] if args else kwargs.get("data")
        self.formset_instances = {
            name: formset_class(data, prefix=name, initial=self.content.get(name) or [])
            for name, formset_class in self.formsets.items()
        }

    def initial_from(self, content: dict[str, Any]) -> dict[str, Any]:
        return dict(content)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return all([valid, *(fs.is_valid() for fs in self.formset_instances.values())])

    def to_content(self) -> dict[str, Any]:
        content = {k: v for k, v in self.cleaned_data.items() if v is not None}
        for name, formset in self.formset_instances.items():
            content[name] = [
                {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
                for f in formset.forms
                if f.cleaned_data
                and not f.cleaned_data.get("DELETE")
                and any(str(v).strip() for k, v in f.cleaned_data.items() if k != "DELETE")
            ]
        return content


class BasicForm(SectionForm):
    zone_level = forms.ChoiceField(label=FIELD_LABELS["zone_level"], choices=ZoneLevel.choices)
    in_catalogue = forms.ChoiceField(
        label=FIELD_LABELS["in_catalogue"],
        required=False,
        choices=[("", "—"), ("yes", _("已列入")), ("no", _("未列入")), ("unknown", _("不确定"))],
        help_text=_("省级开发区填写"),
    )
    approval_document = forms.CharField(
        label=FIELD_LABELS["approval_document"],
        required=False,
        max_length=300,
        help_text=_("新兴产业园区、高新技术园区填写批复机关、文件名称和文号"),
    )
    approval_year = forms.IntegerField(
        label=FIELD_LABELS["approval_year"], required=False, min_value=1990
    )
    is_new_park = forms.BooleanField(
        label=FIELD_LABELS["is_new_park"],
        required=False,
        help_text=_("新建园区可不提供能源消费和碳排放历史"),
    )
    builder = _text("builder")
    location = _text("location")
    layout = _text("layout")
    economy = _text("economy")

    def clean_approval_year(self) -> int | None:
        year = self.cleaned_data.get("approval_year")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("批复年份不能晚于今年。"))
        return year


class IndustryForm(SectionForm):
    leading_industries = _text("leading_industries")
    key_enterprises = _text("key_enterprises")
    key_projects_investment = _text("key_projects_investment")
    planned_industries = _text("planned_industries")


class EnergyForm(SectionForm):
    supply = _text("supply")
    consumption = _text("consumption")
    emissions = _text("emissions")


class FeasibilityForm(SectionForm):
    trend = _text("trend")
    attainability = _text("attainability")
    supply_plan = _text("supply_plan")


class PhaseForm(forms.Form):
    name = forms.CharField(label=PHASE_FIELDS[0][1], max_length=100, required=False)
    years = forms.CharField(label=PHASE_FIELDS[1][1], max_length=50, required=False)
    focus = forms.CharField(
        label=PHASE_FIELDS[2][1], required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def rows_formset(form: type[forms.Form], max_rows: int, too_many: str) -> type[forms.BaseFormSet]:
    """A table of the section: the saved rows and one empty row to fill.

    One empty row, not none, so that a browser without JavaScript can still add a row on each
    save; with JavaScript the page's "添加一行" button copies `empty_form` as often as wanted.
    """
    # Django's own message does not say which table is too long; `too_many` names it.
    base = type(
        f"{form.__name__}Rows",
        (forms.BaseFormSet,),
        {"default_error_messages": {"too_many_forms": too_many}},
    )
    return forms.formset_factory(
        form,
        formset=base,
        extra=1,
        can_delete=True,
        max_num=max_rows,
        validate_max=True,
        # A forged TOTAL_FORMS builds at most this many forms (Django's default is max + 1000).
        absolute_max=max_rows,
    )


PhaseFormSet = rows_formset(PhaseForm, 20, _("路线图（分阶段）：最多 %(num)d 个阶段。"))


class TargetsForm(SectionForm):
    formsets = {"roadmap": PhaseFormSet}

    period_start = forms.IntegerField(
        label=FIELD_LABELS["period_start"], required=False, min_value=BASELINE_YEAR, max_value=2060
    )
    period_end = forms.IntegerField(
        label=FIELD_LABELS["period_end"], required=False, min_value=BASELINE_YEAR, max_value=2060
    )
    targets = _text("targets")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", _("建设期结束年须晚于起始年。"))
        return data

    def to_content(self) -> dict[str, Any]:
        return {"baseline_year": BASELINE_YEAR, **super().to_content()}


class ProjectForm(forms.Form):
    name = forms.CharField(label=PROJECT_FIELDS[0][1], max_length=200, required=False)
    owner = forms.CharField(label=PROJECT_FIELDS[1][1], max_length=200, required=False)
    content = forms.CharField(
        label=PROJECT_FIELDS[2][1], required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    investment = forms.DecimalField(
        label=PROJECT_FIELDS[3][1],
        required=False,
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    period = forms.CharField(label=PROJECT_FIELDS[4][1], max_length=100, required=False)
    plan = forms.CharField(
        label=PROJECT_FIELDS[5][1], required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    significance = forms.CharField(
        label=PROJECT_FIELDS[6][1], required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        filled = [k for k, v in data.items() if k != "DELETE" and v not in (None, "")]
        if filled and not data.get("name"):
            self.add_error("name", _("请填写项目名称。"))
        return data


ProjectFormSet = rows_formset(ProjectForm, 100, _("重点项目表：最多 %(num)d 个项目。"))


class KeyTasksForm(SectionForm):
    """The eight tasks of the notice, each involved (with measures) or not involved."""

    formsets = {"projects": ProjectFormSet}

    other_tasks = _text("other_tasks")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in KEY_TASKS:
            self.fields[f"task_{key}_involved"] = forms.BooleanField(
                label=_("涉及：%(task)s") % {"task": label}, required=False
            )
            self.fields[f"task_{key}_measures"] = forms.CharField(
                label=_("具体举措：%(task)s") % {"task": label},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def initial_from(self, content: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {"other_tasks": content.get("other_tasks", "")}
        for key, task in (content.get("tasks") or {}).items():
            initial[f"task_{key}_involved"] = task.get("involved", False)
            initial[f"task_{key}_measures"] = task.get("measures", "")
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for key, label in KEY_TASKS:
            if (
                data.get(f"task_{key}_involved")
                and not (data.get(f"task_{key}_measures") or "").strip()
            ):
                self.add_error(
                    f"task_{key}_measures",
                    _("“%(task)s”标为涉及，请填写具体举措。") % {"task": label},
                )
        return data

    def to_content(self) -> dict[str, Any]:
        base = super().to_content()
        tasks = {
            key: {
                "involved": bool(base.pop(f"task_{key}_involved", False)),
                "measures": base.pop(f"task_{key}_measures", ""),
            }
            for key, _label in KEY_TASKS
        }
        return {
            "tasks": tasks,
            "other_tasks": base.get("other_tasks", ""),
            "projects": base.get("projects", []),
        }


class EconomicsForm(SectionForm):
    total_cost = _decimal("total_cost", min_value=Decimal("0"))
    annual_return = _decimal("annual_return")
    payback_years = _decimal("payback_years", min_value=Decimal("0"))
    irr_percent = _decimal("irr_percent", min_value=Decimal("-100"), max_value=Decimal("1000"))
    cost_structure = _text("cost_structure")
    revenue_sources = _text("revenue_sources")


class SupportForm(SectionForm):
    organisation = _text("organisation")
    policy_support = _text("policy_support")
    capacity_building = _text("capacity_building")
    gov_support = forms.BooleanField(label=_("已获得地方政府和园区企业支持"), required=False)
    special_mechanism = forms.BooleanField(label=_("计划建立专项工作机制"), required=False)
    research_platform = forms.BooleanField(label=_("已建或拟建产学研合作平台"), required=False)
    renewable_exploration = forms.BooleanField(
        label=_("能在高比例可再生能源供给消纳方面开展探索"), required=False
    )
    talent_team = forms.BooleanField(label=_("拥有支持零碳园区建设的人才队伍"), required=False)


class DataFoundationForm(SectionForm):
    statistics = _text("statistics")
    accounting = _text("accounting")
    metering = _text("metering")
    monitoring = _text("monitoring")


SECTION_FORMS: dict[str, type[SectionForm]] = {
    "basic": BasicForm,
    "industry": IndustryForm,
    "energy": EnergyForm,
    "feasibility": FeasibilityForm,
    "targets": TargetsForm,
    "key_tasks": KeyTasksForm,
    "economics": EconomicsForm,
    "support": SupportForm,
    "data_foundation": DataFoundationForm,
}


def form_for_section(key: str, content: dict[str, Any], data: Any = None) -> SectionForm:
    return SECTION_FORMS[key](data, content=content)
