"""Forms of the JSON sections. Each reads its initial values from `Application.data[key]` and
gives back plain content for services.save_section. Lists (roadmap phases, key projects) are
formsets of plain forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import book
from ..book import BASELINE_YEAR, KEY_TASKS


def _declared(name: str, base: type[forms.Form], section: str, **attrs: Any) -> type[forms.Form]:
    """A form class whose fields are the book's fields of `section` (in the book's order), with
    the checks of `base` and any extra class attributes (formsets)."""
    return type(name, (base,), {**book.form_fields(section), **attrs})


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


class _BasicChecks(SectionForm):
    def clean_approval_year(self) -> int | None:
        year = self.cleaned_data.get("approval_year")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("批复年份不能晚于今年。"))
        return year


BasicForm = _declared("BasicForm", _BasicChecks, "basic")
IndustryForm = _declared("IndustryForm", SectionForm, "industry")


class _EnergyChecks(SectionForm):
    """The section's texts, and a reason for each of the batch's three years that has no
    calculation (`reason_years`, from three_years.years_of; D43). Reasons of other years are
    not kept: a calculated year needs none."""

    def __init__(self, *args: Any, reason_years: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason_years = list(reason_years)
        stated: dict[int, str] = {}
        for row in self.content.get("year_reasons") or []:
            if isinstance(row, dict) and str(row.get("year", "")).isdigit():
                stated[int(row["year"])] = str(row.get("reason") or "")
        for year in self.reason_years:
            self.fields[f"reason_{year}"] = forms.CharField(
                label=_("%(year)s 年无核算结果的原因") % {"year": year},
                help_text=_("该年没有可核算的能源数据时填写，如“园区设立不足三年”。"),
                required=False,
                max_length=500,
                initial=stated.get(year, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def to_content(self) -> dict[str, Any]:
        content = super().to_content()
        reasons = [
            {"year": year, "reason": str(content.pop(f"reason_{year}", "") or "").strip()}
            for year in self.reason_years
        ]
        content["year_reasons"] = [r for r in reasons if r["reason"]]
        return content


EnergyForm = _declared("EnergyForm", _EnergyChecks, "energy")
FeasibilityForm = _declared("FeasibilityForm", SectionForm, "feasibility")


PhaseForm = type("PhaseForm", (forms.Form,), book.column_fields("targets", "roadmap"))


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


class _TargetRowChecks(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        filled = [k for k, v in data.items() if k not in ("DELETE", "year") and v is not None]
        if filled and not data.get("year"):
            self.add_error("year", _("请填写该行目标的年份。"))
        return data


TargetRowForm = type(
    "TargetRowForm", (_TargetRowChecks,), book.column_fields("targets", "indicator_targets")
)
TargetRowFormSet = rows_formset(TargetRowForm, 40, _("分年度指标目标：最多 %(num)d 行。"))


class _TargetsChecks(SectionForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", _("建设期结束年须晚于起始年。"))
        targets = self.formset_instances.get("indicator_targets")
        if targets is not None and targets.is_valid():
            seen: set[int] = set()
            for row in targets.forms:
                year = (row.cleaned_data or {}).get("year")
                if not year or row.cleaned_data.get("DELETE"):
                    continue
                if year in seen:
                    row.add_error("year", _("%(year)s 年的目标重复填写了。") % {"year": year})
                elif start and end and not start <= year <= end:
                    row.add_error(
                        "year",
                        _("目标年份须在建设期（%(start)s—%(end)s 年）之内。")
                        % {"start": start, "end": end},
                    )
                seen.add(year)
        return data

    def to_content(self) -> dict[str, Any]:
        return {"baseline_year": BASELINE_YEAR, **super().to_content()}


class _ProjectChecks(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        filled = [k for k, v in data.items() if k != "DELETE" and v not in (None, "")]
        if filled and not data.get("name"):
            self.add_error("name", _("请填写项目名称。"))
        return data


ProjectForm = type("ProjectForm", (_ProjectChecks,), book.column_fields("key_tasks", "projects"))
ProjectFormSet = rows_formset(ProjectForm, 100, _("重点项目表：最多 %(num)d 个项目。"))


class _KeyTasksChecks(SectionForm):
    """The eight tasks of the notice, each involved (with measures) or not involved."""

    formsets = {"projects": ProjectFormSet}

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


TargetsForm = _declared(
    "TargetsForm",
    _TargetsChecks,
    "targets",
    formsets={"indicator_targets": TargetRowFormSet, "roadmap": PhaseFormSet},
)
KeyTasksForm = _declared("KeyTasksForm", _KeyTasksChecks, "key_tasks")
EconomicsForm = _declared("EconomicsForm", SectionForm, "economics")
SupportForm = _declared("SupportForm", SectionForm, "support")
DataFoundationForm = _declared("DataFoundationForm", SectionForm, "data_foundation")


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


def form_for_section(
    key: str, content: dict[str, Any], data: Any = None, reason_years: Any = ()
) -> SectionForm:
    """``reason_years``: for the energy section, the batch's years that may be given a reason
    (three_years.Year.needs_reason)."""
    if key == "energy":
        return EnergyForm(data, content=content, reason_years=reason_years)
    return SECTION_FORMS[key](data, content=content)
