"""Administration of factor sets: browse, load a new draft from CSV, copy, publish.

A published set is read-only here (no change, no delete); underneath, the model, its querysets
and (on PostgreSQL) a trigger refuse the same, so the admin is not the only guard.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounting import publishing, stored_factor_sets
from accounting.method.factor_set import FactorSetError
from accounting.models import (
    CalculationRun,
    FactorParameter,
    FactorSetVersion,
    FuelFactor,
    ImportBatch,
    ParkYear,
)


class _ForAdministrators:
    """Administrators (role, not Django permissions) manage accounting reference data."""

    def _administrator(self, request) -> bool:
        user = request.user
        return user.is_active and getattr(user, "is_administrator", False)

    def has_module_permission(self, request):
        return self._administrator(request)

    def has_view_permission(self, request, obj=None):
        return self._administrator(request)

    def has_add_permission(self, request, *args):
        return self._administrator(request)

    def has_change_permission(self, request, obj=None):
        return self._administrator(request)

    def has_delete_permission(self, request, obj=None):
        return self._administrator(request)


class _ReadOnlyWhenPublished(_ForAdministrators):
    def _published(self, obj) -> bool:
        factor_set = obj if isinstance(obj, FactorSetVersion) else getattr(obj, "factor_set", None)
        return bool(factor_set and factor_set.is_published)

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._published(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._published(obj):
            return False
        return super().has_delete_permission(request, obj)


class FuelInline(_ReadOnlyWhenPublished, admin.TabularInline):
    model = FuelFactor
    extra = 0
    fields = [
        "position",
        "code",
        "name_zh",
        "name_en",
        "category",
        "unit",
        "tce_per_unit",
        "ncv_gj_per_unit",
        "carbon_tc_per_tj",
        "oxidation",
        "clean",
        "source",
    ]

    def has_add_permission(self, request, obj=None):
        return not (obj is not None and obj.is_published) and super().has_add_permission(
            request, obj
        )


class ParameterInline(_ReadOnlyWhenPublished, admin.TabularInline):
    model = FactorParameter
    extra = 0
    fields = ["position", "key", "value", "unit", "source"]

    def has_add_permission(self, request, obj=None):
        return not (obj is not None and obj.is_published) and super().has_add_permission(
            request, obj
        )


class CsvUploadForm(forms.Form):
    code = forms.SlugField(
        label=_("因子集代码"), max_length=64, help_text=_("如 ZCP-2026"), allow_unicode=False
    )
    year = forms.IntegerField(label=_("适用年份"), min_value=2000, max_value=2100)
    title_zh = forms.CharField(label=_("中文标题"), max_length=200, required=False)
    title_en = forms.CharField(label=_("英文标题"), max_length=200, required=False)
    factors = forms.FileField(label=_("燃料因子表 factors.csv"))
    parameters = forms.FileField(label=_("参数表 parameters.csv"))


@admin.register(FactorSetVersion)
class FactorSetVersionAdmin(_ReadOnlyWhenPublished, admin.ModelAdmin):
    list_display = ["code", "version", "year", "status", "title_zh", "published_at"]
    list_filter = ["status", "year"]
    search_fields = ["code", "title_zh", "title_en"]
    readonly_fields = ["status", "published_at", "created_at"]
    fields = [
        "code",
        "version",
        "year",
        "title_zh",
        "title_en",
        "note",
        "status",
        "published_at",
        "created_at",
    ]
    inlines = [FuelInline, ParameterInline]
    actions = ["publish_selected", "copy_as_new_draft"]
    change_list_template = "admin/accounting/factorsetversion/change_list.html"

    def get_urls(self):
        return [
            path(
                "upload-csv/",
                self.admin_site.admin_view(self.upload_csv),
                name="accounting_factorsetversion_upload",
            ),
            *super().get_urls(),
        ]

    def upload_csv(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:index")
        errors: list = []
        form = CsvUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                version = stored_factor_sets.create_draft_from_csv(
                    code=data["code"],
                    year=data["year"],
                    title_zh=data["title_zh"],
                    title_en=data["title_en"],
                    factors=data["factors"].read(),
                    factors_name=data["factors"].name,
                    parameters=data["parameters"].read(),
                    parameters_name=data["parameters"].name,
                )
            except stored_factor_sets.FactorCsvInvalid as exc:
                errors = exc.errors
            else:
                messages.success(request, _("已创建草稿 %(v)s。") % {"v": version})
                return redirect(
                    reverse("admin:accounting_factorsetversion_change", args=[version.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "errors": errors,
            "title": _("从 CSV 载入因子集（新草稿版本）"),
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request,
            "admin/accounting/factorsetversion/upload_csv.html",
            context,
            status=400 if errors else 200,
        )

    @admin.action(description=_("发布所选草稿"))
    def publish_selected(self, request, queryset):
        for version in queryset.filter(status="draft"):
            try:
                publishing.publish(version)
            except FactorSetError as exc:
                messages.error(request, f"{version}: {exc}")
            else:
                messages.success(
                    request, _("已发布 %(v)s，相关园区年度将重新核算。") % {"v": version}
                )

    @admin.action(description=_("复制为新草稿版本"))
    def copy_as_new_draft(self, request, queryset):
        for version in queryset:
            draft = stored_factor_sets.copy_as_draft(version)
            messages.success(request, _("已创建草稿 %(v)s。") % {"v": draft})


@admin.register(ParkYear)
class ParkYearAdmin(_ForAdministrators, admin.ModelAdmin):
    list_display = ["park", "year", "factor_set_code", "inputs_changed_at", "recalc_queued_at"]
    list_select_related = ["park"]
    list_filter = ["year"]
    search_fields = ["park__name"]
    readonly_fields = ["inputs_changed_at", "recalc_queued_at"]


@admin.register(CalculationRun)
class CalculationRunAdmin(_ForAdministrators, admin.ModelAdmin):
    list_display = [
        "pk",
        "park_year",
        "status",
        "factor_set_code",
        "factor_set_version",
        "started_at",
        "duration_ms",
    ]
    list_select_related = ["park_year__park"]
    list_filter = ["status"]
    exclude = ["result", "trace_factors"]

    def has_change_permission(self, request, obj=None):
        return False  # runs are records; a recalculation makes a new one

    def has_add_permission(self, request):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(_ForAdministrators, admin.ModelAdmin):
    list_display = ["park_year", "filename", "format", "sha256", "applied_at", "uploaded_by"]
    list_select_related = ["park_year__park", "uploaded_by"]

    def has_change_permission(self, request, obj=None):
        return False
