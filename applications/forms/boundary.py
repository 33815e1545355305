"""Forms with their own storage: boundary, incident register, evidence upload."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import admin_areas, book, geo
from ..models import AttachmentSection, Incident, ParkScope
from ..models.applications import BOUNDARY_TEXT_FIELDS


def _label(key: str):
    """The boundary's labels are the book's (book.FIELDS["boundary"])."""
    return book.FIELDS_BY_KEY["boundary"][key].label


def _column(section: str, key: str):
    return book.FIELDS_BY_KEY[section]["items"].column(key).label


class BoundaryForm(forms.Form):
    scope = forms.ChoiceField(label=_label("scope"), choices=ParkScope.choices)
    # The park's city or county (Park.division_code): the boundary must lie there too (D29, D47).
    division_code = forms.CharField(
        label=_("所在市、县"),
        required=False,
        widget=forms.Select(),
        help_text=_("园区所在的地级市或区县（限园区所在省份）；选定后，边界须位于其范围内。"),
    )
    host_park_name = forms.CharField(label=_label("host_park_name"), max_length=200, required=False)
    management_body = forms.CharField(
        label=_label("management_body"), max_length=200, required=False
    )
    boundary_east = forms.CharField(label=_label("east"), max_length=300, required=False)
    boundary_south = forms.CharField(label=_label("south"), max_length=300, required=False)
    boundary_west = forms.CharField(label=_label("west"), max_length=300, required=False)
    boundary_north = forms.CharField(label=_label("north"), max_length=300, required=False)
    declared_area_km2 = forms.DecimalField(
        label=_label("declared_area_km2"),
        required=False,
        min_value=Decimal("0.0001"),
        max_digits=12,
        decimal_places=4,
        help_text=_("批复或规划文件中的园区面积；与按边界计算的面积相差超过20%时须确认。"),
    )
    area_difference_confirmed = forms.BooleanField(
        label=_("确认面积差异（边界与规划面积不一致属实）"), required=False
    )
    boundary_geojson = forms.CharField(
        label=_("边界范围（GeoJSON）"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "class": "font-monospace", "data-boundary-input": "1"}
        ),
        help_text=_("在地图上绘制多边形，或粘贴、上传 GeoJSON（坐标顺序为[经度, 纬度]）。"),
    )
    geojson_file = forms.FileField(label=_("上传 GeoJSON 文件"), required=False)

    def __init__(self, *args: Any, province=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.province = province
        places = admin_areas.places_of(province.code) if province is not None else ()
        self.fields["division_code"].widget.choices = [("", _("（未选择，仅按省份检查）")), *places]

    def clean_division_code(self) -> str:
        code = (self.cleaned_data.get("division_code") or "").strip()
        if not code or self.province is None:
            return code
        if code in dict(admin_areas.places_of(self.province.code)):
            return code
        label = _("所在市、县")
        other = admin_areas.place_label(code) if len(code) == 6 else code
        if len(code) == 6 and other != code:
            raise forms.ValidationError(
                _(
                    "%(field)s：%(place)s（%(code)s）不在园区所在的%(province)s，请选择本省的市、县。"
                )
                % {
                    "field": label,
                    "place": f"{admin_areas.place_name(code[:2])} {other}",
                    "code": code,
                    "province": str(self.province),
                }
            )
        raise forms.ValidationError(
            _("%(field)s：“%(code)s”不是%(province)s的市、县，请从列表中选择。")
            % {"field": label, "code": code, "province": str(self.province)}
        )

    def clean_geojson_file(self) -> str | None:
        upload = self.cleaned_data.get("geojson_file")
        if not upload:
            return None
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("GeoJSON 文件不能超过 2 MB。"))
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("GeoJSON 文件须为 UTF-8 编码。")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        source = data.get("geojson_file") or (data.get("boundary_geojson") or "").strip()
        data["boundary"] = None
        if source:
            try:
                data["boundary"] = geo.parse_boundary(source)
            except geo.BoundaryError as error:
                field = "geojson_file" if data.get("geojson_file") else "boundary_geojson"
                self.add_error(field, str(error))
        return data

    def to_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {k: data.get(k, "") for k in BOUNDARY_TEXT_FIELDS}
        fields["boundary_geojson"] = data["boundary"].geojson if data.get("boundary") else None
        fields["declared_area_km2"] = data.get("declared_area_km2")
        fields["area_difference_confirmed"] = bool(data.get("area_difference_confirmed"))
        fields["division_code"] = data.get("division_code") or ""
        return fields

    @staticmethod
    def initial_for(application) -> dict[str, Any]:
        return {
            "scope": application.scope,
            "division_code": application.park.division_code,
            "host_park_name": application.host_park_name,
            "management_body": application.management_body,
            **{f"boundary_{k}": v for k, v in application.four_sides.items()},
            "declared_area_km2": application.declared_area_km2,
            "boundary_geojson": (
                json.dumps(application.boundary_geojson) if application.boundary_geojson else ""
            ),
        }


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["occurred_on", "kind", "severity", "description"]
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("发生日期不能晚于今天。"))
        return day


class IncidentRegisterForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("我确认已如实填报近三年发生的安全、环境事故和社会不良影响事件（无则确认为无）"),
        required=False,
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_column("attachments", "title"), max_length=200)
    section = forms.ChoiceField(
        label=_column("attachments", "section"), choices=AttachmentSection.choices
    )
    file = forms.FileField(label=_("文件（PDF、PNG、JPEG）"))
