"""Forms for entering a park-year's data by hand (crispy formsets), and the upload form."""

from __future__ import annotations

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

MAX_FORM_ROWS = 300  # more than this is a job for the import


class _RecordForm(forms.ModelForm):
    def __init__(self, *args, park_year: ParkYear, fuels: dict[str, Any] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.park_year = park_year
        if "enterprise" in self.fields:
            # A park-year not saved yet (first visit of a new year) has no enterprises.
            self.fields["enterprise"].queryset = (
                Enterprise.objects.filter(park_year=park_year)
                if park_year.pk
                else Enterprise.objects.none()
            )
        if "fuel" in self.fields:
            choices = [("", "---------")] + [
                (code, f"{f.name_zh} ({f.unit})") for code, f in (fuels or {}).items()
            ]
            self.fields["fuel"].widget = forms.Select(choices=choices)
            self.fuels = fuels or {}


class EnterpriseForm(_RecordForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "industry"]


class FuelForm(_RecordForm):
    class Meta:
        model = FuelRecord
        fields = ["enterprise", "month", "fuel", "use", "quantity", "ncv_gj_per_unit",
                  "carbon_tc_per_tj"]

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
        fields = ["enterprise", "month", "product_choice", "product", "tonnes",
                  "factor_tco2_per_t", "basis"]
        widgets = {"basis": forms.TextInput()}
        labels = {"product": _("其他产品名称")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].required = False
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


def record_formset(kind: str, park_year: ParkYear, fuels: dict[str, Any], data=None):
    form_class, _label = KINDS[kind]
    model = form_class._meta.model
    factory = forms.modelformset_factory(
        model,
        form=form_class,
        extra=3,
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
    if kind != "enterprises" and kind != "products":
        queryset = queryset.select_related("enterprise")
    formset = factory(
        data, queryset=queryset, prefix=kind, form_kwargs={"park_year": park_year, "fuels": fuels}
    )
    return formset


def formset_helper() -> FormHelper:
    helper = FormHelper()
    helper.template = "bootstrap5/table_inline_formset.html"
    helper.form_tag = False
    return helper


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
