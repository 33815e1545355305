"""Forms for entering a park-year's data by hand (crispy formsets), and the upload form."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from accounting import messages, process_products
from accounting.importers import case_from_data
from accounting.method import case as method_case
from accounting.method.case import CaseError, parse_case
from accounting.models import (
    ElectricityRecord,
    Enterprise,
    FuelRecord,
    GenerationRecord,
    GuidingInputs,
    HeatRecord,
    ParkYear,
    ProcessRecord,
    ProductEnergyRecord,
)

# The entry pages show a page of rows (one enterprise's rows, PAGE_ROWS at a time) and a save
# carries at most MAX_FORM_ROWS rows: the page's rows plus rows added with "添加一行". A row of
# the widest kind posts 9 fields (fuels: id, enterprise, month, fuel, use, quantity, the two
# measured values, DELETE), so a save posts at most 100 × 9 + the management form and the CSRF
# token = 905 fields, under Django's DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000), which stays as it is
# (tests/accounting/test_entry_pages.py checks the sum for every kind). More rows are a job for
# the import.
PAGE_ROWS = 60
MAX_FORM_ROWS = 100


class SharedFields(dict):
    """A form class's fields that its forms share instead of each deep-copying them (Django's
    BaseForm copies ``base_fields`` for every form: about a third of a 63-row entry page's time).
    Only for a form class made for one formset (record_formset): its fields are prepared once and
    never changed by a form; a form's own fields (the row's id, DELETE) are set in its own copy
    of the dict."""

    def __deepcopy__(self, memo) -> dict:
        return dict(self)


class EnterpriseField(forms.Field):
    """An enterprise of the park-year chosen by id, looked up in the park-year's enterprises read
    once for the whole formset (a ModelChoiceField would query once per row)."""

    default_error_messages = {"invalid_choice": _("请选择本园区本年度的企业")}

    def __init__(self, enterprises: dict[int, str], park_year: ParkYear, **kwargs):
        self.enterprises = enterprises
        self.park_year = park_year
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, Enterprise) else value

    def to_python(self, value: Any) -> Enterprise | None:
        if value in self.empty_values:
            return None
        try:
            pk = int(str(value))
            name = self.enterprises[pk]
        except (KeyError, ValueError, TypeError):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None
        return Enterprise(pk=pk, park_year_id=self.park_year.pk, name=name)

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial = self.prepare_value(initial)
        if initial in (None, ""):
            # A new row: the entry page posts its enterprise (the page's) in a hidden input, so
            # the enterprise alone does not make an empty row one to save.
            return False
        return ("" if initial is None else str(initial)) != ("" if data is None else str(data))


def enterprises_of(park_year: ParkYear) -> dict[int, str]:
    """The park-year's enterprises' names by id, by name (one query; none for a park-year not
    saved yet)."""
    if not park_year.pk:
        return {}
    return dict(
        Enterprise.objects.filter(park_year=park_year).order_by("name").values_list("id", "name")
    )


class _RecordForm(forms.ModelForm):
    def __init__(
        self,
        *args,
        park_year: ParkYear,
        fuels: dict[str, Any] | None = None,
        enterprises: dict[int, str] | None = None,
        fuel_choices: list[tuple[str, str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.park_year = park_year
        if "fuel" in self.fields:
            self.fuels = fuels or {}
        if isinstance(self.base_fields, SharedFields):
            return  # record_formset prepared the fields below once for every row
        if "enterprise" in self.fields:
            old = self.fields["enterprise"]
            self.fields["enterprise"] = EnterpriseField(
                enterprises if enterprises is not None else enterprises_of(park_year),
                park_year,
                required=old.required,
                label=old.label,
            )
        if "fuel" in self.fields:
            self.fields["fuel"].widget = forms.Select(
                choices=fuel_choices if fuel_choices is not None else _fuel_choices(fuels)
            )

    def _get_validation_exclusions(self) -> set[str]:
        exclude = super()._get_validation_exclusions()
        # EnterpriseField found it among the park-year's enterprises; the model's own check
        # would query once per row.
        exclude.add("enterprise")
        return exclude


def _fuel_choices(fuels: dict[str, Any] | None) -> list[tuple[str, str]]:
    return [("", "---------")] + [
        (code, f"{f.name_zh} ({f.unit})") for code, f in (fuels or {}).items()
    ]


class EnterpriseForm(_RecordForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "industry"]


class FuelForm(_RecordForm):
    class Meta:
        model = FuelRecord
        fields = [
            "enterprise",
            "month",
            "fuel",
            "use",
            "quantity",
            "ncv_gj_per_unit",
            "carbon_tc_per_tj",
        ]

    def _measured(self, name: str) -> Decimal | None:
        value = self.cleaned_data[name]
        if value is not None and not value:  # D15: zero is no measurement
            raise forms.ValidationError(_("实测值须大于零；不填则采用因子集的缺省值"))
        return value

    def clean_ncv_gj_per_unit(self) -> Decimal | None:
        return self._measured("ncv_gj_per_unit")

    def clean_carbon_tc_per_tj(self) -> Decimal | None:
        return self._measured("carbon_tc_per_tj")

    def clean_fuel(self) -> str:
        code = self.cleaned_data["fuel"]
        if code == method_case.RAW_COAL:
            raise forms.ValidationError(messages.translate(method_case.RAW_COAL_MESSAGE))  # D4
        if code not in self.fuels:
            raise forms.ValidationError(_("未知燃料“%(code)s”"), params={"code": code})
        return code


class ElectricityForm(_RecordForm):
    class Meta:
        model = ElectricityRecord
        fields = ["enterprise", "month", "direction", "kind", "mwh"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        direction, kind = data.get("direction"), data.get("kind")
        if direction and kind and kind not in method_case.ELECTRICITY_KINDS[direction]:
            self.add_error(
                "kind", _("调入须为电网购电、直供非化石电力或绿证/绿电；调出须为化石或非化石电力")
            )
        return data


class GenerationForm(_RecordForm):
    class Meta:
        model = GenerationRecord
        fields = ["enterprise", "month", "source", "fossil", "mwh"]


class HeatForm(_RecordForm):
    class Meta:
        model = HeatRecord
        fields = ["enterprise", "month", "direction", "kind", "gj", "factor_tco2_per_gj"]


class ProcessForm(_RecordForm):
    """A process row: the product chosen from Att.4's list (D20), or another product named."""

    product_choice = forms.ChoiceField(
        label=_("产品（附件4）"), choices=process_products.choices, required=False
    )

    class Meta:
        model = ProcessRecord
        fields = [
            "enterprise",
            "month",
            "product_choice",
            "product",
            "tonnes",
            "factor_tco2_per_t",
            "basis",
        ]
        widgets = {"basis": forms.TextInput()}
        labels = {"product": _("其他产品名称")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].required = False  # set already when the fields are shared
        stored = self.instance.product if self.instance.pk else ""
        if stored:
            listed = process_products.is_listed(stored)
            self.initial["product_choice"] = stored if listed else process_products.OTHER
            self.initial["product"] = "" if listed else stored

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice, text = data.get("product_choice"), (data.get("product") or "").strip()
        if not choice and not text:
            self.add_error("product_choice", _("请选择产品，或选择“其他工业产品”并填写名称"))
        elif not choice:  # a product named without the list: its Att.4 name where it has one
            data["product"] = process_products.canonical(text)
        elif choice == process_products.OTHER:
            if not text:
                self.add_error("product", _("选择“其他工业产品”时须填写产品名称"))
            else:
                data["product"] = process_products.canonical(text)
        elif choice:
            data["product"] = choice
        return data


class ProductForm(_RecordForm):
    class Meta:
        model = ProductEnergyRecord
        fields = ["product", "standard", "actual", "level2_limit", "unit"]


KINDS: dict[str, tuple[type[forms.ModelForm], Any]] = {
    "enterprises": (EnterpriseForm, _("企业")),
    "fuels": (FuelForm, _("燃料消费")),
    "electricity": (ElectricityForm, _("电力调入调出")),
    "generation": (GenerationForm, _("园区内发电")),
    "heat": (HeatForm, _("热力调入调出")),
    "processes": (ProcessForm, _("工业过程")),
    "products": (ProductForm, _("产品能耗")),
}


def posted_ids(data, prefix: str) -> list[int]:
    """The ids of the existing rows a posted formset names (its initial forms), at most
    MAX_FORM_ROWS; anything not a number is left out (the formset then treats the row as new and
    ignores it, as Django does with a tampered id)."""
    try:
        initial = min(int(data.get(f"{prefix}-INITIAL_FORMS", 0)), MAX_FORM_ROWS)
    except (TypeError, ValueError):
        return []
    ids = []
    for i in range(max(initial, 0)):
        value = str(data.get(f"{prefix}-{i}-id", ""))
        if value.isascii() and value.isdigit() and len(value) < 19:
            ids.append(int(value))
    return ids


class _RowId(forms.Field):
    """A row's id, looked up among the rows the formset read (one query for all of them; Django's
    own id field queries once per row). An id that is not one of them is refused."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid_choice": _("该行已不存在，请重新打开本页")}

    def __init__(self, formset, **kwargs):
        self.formset = formset
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value)
        row = None
        if text.isascii() and text.isdigit() and len(text) < 19:
            row = self.formset._existing_object(int(text))
        if row is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return row

    def prepare_value(self, value: Any) -> Any:
        return getattr(value, "pk", value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial = self.prepare_value(initial)
        return ("" if initial is None else str(initial)) != ("" if data is None else str(data))


class _RowsFormSet(forms.BaseModelFormSet):
    def add_fields(self, form, index) -> None:
        # The row's id as _RowId, without the ModelChoiceField (and its queryset) that
        # BaseModelFormSet.add_fields builds for every row only to be replaced; then DELETE.
        self._pk_field = pk = self.model._meta.pk
        if form.is_bound:
            initial = None if form.instance._state.adding else form.instance.pk
        elif index is not None and index < self.initial_form_count():
            initial = self.get_queryset()[index].pk
        else:
            initial = None
        form.fields[pk.name] = _RowId(self, initial=initial)
        forms.BaseFormSet.add_fields(self, form, index)


class _EnterpriseFormSet(_RowsFormSet):
    """A page shows some of the enterprises only: a name given on this page must not be one
    that an enterprise on another page already has (one query for the whole page)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.park_year is None or not self.park_year.pk:
            return
        here = {f.instance.pk for f in self.forms if f.instance.pk}
        names = {
            f.cleaned_data["name"]: f
            for f in self.forms
            if f.has_changed() and f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
        }
        if not names:
            return
        taken = (
            Enterprise.objects.filter(park_year=self.park_year, name__in=names)
            .exclude(pk__in=here)
            .values_list("name", flat=True)
        )
        for name in taken:
            names[name].add_error("name", _("本年度已有名为“%(name)s”的企业") % {"name": name})


def record_formset(
    kind: str,
    park_year: ParkYear,
    fuels: dict[str, Any],
    data=None,
    *,
    rows=None,
    enterprises: dict[int, str] | None = None,
    extra: int = 3,
):
    """The formset of one kind of rows. Unbound, it shows ``rows`` (a page of the park-year's
    rows; all of them when not given); bound, the rows it posted by id, whichever page they were
    shown on. ``enterprises``: the park-year's enterprises by id when the caller has read them."""
    form_class, _label = KINDS[kind]
    model = form_class._meta.model
    factory = forms.modelformset_factory(
        model,
        form=form_class,
        formset=_EnterpriseFormSet if kind == "enterprises" else _RowsFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_FORM_ROWS,
        validate_max=True,
        # A forged TOTAL_FORMS builds at most this many forms
        # (Django's default is max_num + 1000).
        absolute_max=MAX_FORM_ROWS,
    )
    queryset = (
        model.objects.filter(park_year=park_year) if park_year.pk else model.objects.none()
    ).order_by("id")
    if data is not None:
        queryset = queryset.filter(pk__in=posted_ids(data, kind))
    elif rows is not None:
        queryset = rows
    if enterprises is None and "enterprise" in form_class._meta.fields:
        enterprises = enterprises_of(park_year)
    factory.form.base_fields = _prepared_fields(
        factory.form.base_fields, park_year, enterprises, fuels
    )
    formset = factory(
        data,
        queryset=queryset,
        prefix=kind,
        form_kwargs={
            "park_year": park_year,
            "fuels": fuels,
            "enterprises": enterprises,
        },
    )
    formset.park_year = park_year
    return formset


def _prepared_fields(
    fields: dict[str, forms.Field],
    park_year: ParkYear,
    enterprises: dict[int, str] | None,
    fuels: dict[str, Any],
) -> SharedFields:
    """A formset's form class's fields as _RecordForm.__init__ would set them on every form,
    set once and shared by the formset's forms."""
    shared = SharedFields(fields)
    if "enterprise" in shared:
        old = shared["enterprise"]
        shared["enterprise"] = EnterpriseField(
            enterprises or {}, park_year, required=old.required, label=old.label
        )
    if "fuel" in shared:
        shared["fuel"] = copy.deepcopy(shared["fuel"])
        shared["fuel"].widget = forms.Select(choices=_fuel_choices(fuels))
    if "product_choice" in shared:  # ProcessForm: the product named only for "other"
        shared["product"] = copy.deepcopy(shared["product"])
        shared["product"].required = False
    return shared


GUIDING_PATHS = {
    "solid_waste.generated_t": "solid_waste_generated_t",
    "solid_waste.utilized_t": "solid_waste_utilized_t",
    "water": "water_fresh_m3",
    "water.fresh_m3": "water_fresh_m3",
    "water.reused_m3": "water_reused_m3",
    "waste_energy": "waste_heat_recoverable_tce",
}


class GuidingForm(forms.ModelForm):
    class Meta:
        model = GuidingInputs
        fields = [f.name for f in GuidingInputs._meta.fields if f.name not in ("id", "park_year")]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "solid_waste_not_applicable",
                "waste_energy_not_applicable",
                "water_not_applicable",
                "product_energy_not_applicable",
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        plain = {
            k: (str(v) if v is not None and not isinstance(v, str) else v)
            for k, v in data.items()
            if v not in (None, "")
        }
        case = case_from_data({"guiding": plain}, year=2025, factor_set="-", park_name="-")
        case["guiding"].pop("product_energy", None)  # products have their own form
        try:
            parse_case(case)
        except CaseError as exc:
            path = exc.path.removeprefix("guiding.")
            field = GUIDING_PATHS.get(path)
            if field is None and path.startswith("waste_energy."):
                _we, kind, key = (path.split(".") + ["recoverable_tce"])[:3]
                field = f"waste_{kind}_{key}"
            self.add_error(field if field in self.fields else None, messages.translate(exc.message))
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("XLSX 模板、CSV 压缩包（ZIP）或 zcp-case/1 JSON 文件"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
