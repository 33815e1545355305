from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from . import rubric, three_years, two_factor
from .models import (
    Application,
    ApplicationEvent,
    Batch,
    DeadlineChange,
    Park,
    PendingEffect,
    Province,
    ProvinceBatchQuota,
    RubricCriterion,
    Submission,
    User,
)
from .signin import ThrottledAdminAuthenticationForm

admin.site.site_header = _("零碳园区申报评审系统管理")
admin.site.site_title = _("系统管理")
# The admin's login passes the same throttle; this form names when to try again.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["name_zh", "name_en", "code"]


@admin.register(Park)
class ParkAdmin(SimpleHistoryAdmin):
    list_display = ["name", "province", "scope", "zone_level"]
    list_filter = ["province", "scope", "zone_level"]
    search_fields = ["name", "name_en"]
    list_select_related = ["province"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "role", "park", "province", "is_active"]
    list_filter = ["role", "is_active", "province"]
    list_select_related = ["park", "province"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("角色与范围"), {"fields": ("display_name", "role", "park", "province")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("角色与范围"), {"fields": ("display_name", "email", "role", "park", "province")}),
    )
    actions = ["reset_two_factor"]

    @admin.action(description=_("重置所选用户的两步验证（下次登录时重新设置）"))
    def reset_two_factor(self, request, queryset) -> None:
        for user in queryset:
            two_factor.reset(user)
        self.message_user(
            request, _("已重置 %(count)d 位用户的两步验证。") % {"count": len(queryset)}
        )


# --- Batches are configured here; applications are read-only (the workflow changes them).


class RubricFormSet(BaseInlineFormSet):
    """The batch's criteria are checked together (rubric.check_criteria: weights sum to 100 %),
    and once a sheet was scored on them only their guidance may change (rubric.LOCKED_FIELDS)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            return  # no criteria of its own: the batch is scored on the default rubric
        try:
            rubric.check_criteria(
                [
                    rubric.Criterion(
                        f.cleaned_data["key"], f.cleaned_data["name"], f.cleaned_data["weight"]
                    )
                    for f in kept
                ]
            )
        except rubric.RubricError as error:
            raise ValidationError(str(error)) from None
        changed = any(
            form.has_changed() and set(form.changed_data) - {"guidance"} for form in self.forms
        ) or bool(self.deleted_forms)
        if changed and self.instance.pk and rubric.scored_sheets(self.instance):
            raise ValidationError(rubric.locked_message(self.instance))


class RubricInline(admin.TabularInline):
    model = RubricCriterion
    formset = RubricFormSet
    extra = 0
    fields = ["order", "key", "name", "weight", "guidance"]


class BatchForm(forms.ModelForm):
    """The batch's three years (近三年, D43): one of the two windows its year allows, and not
    moved once a park has submitted an application in the batch."""

    class Meta:
        model = Batch
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose)

    def clean(self):
        data = super().clean()
        # Before _post_clean: self.instance still holds the stored window.
        refusal = three_years.window_refusal(
            self.instance, data.get("year"), data.get("history_start")
        )
        if refusal:
            self.add_error("history_start", refusal)
        return data


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    form = BatchForm
    list_display = ["name", "year", "covered_years", "opens_at", "deadline", "is_active"]
    list_filter = ["year", "is_active"]
    inlines = [RubricInline]

    @admin.display(description=_("近三年数据"))
    def covered_years(self, batch: Batch) -> str:
        return three_years.window_label(batch.history_years[0])

    def get_readonly_fields(self, request, obj=None):
        # Once the batch exists its date moves only on the deadlines page, recorded with a reason.
        return ["deadline"] if obj is not None else []


@admin.register(ProvinceBatchQuota)
class ProvinceBatchQuotaAdmin(admin.ModelAdmin):
    list_display = ["batch", "province", "limit", "submission_deadline"]
    list_select_related = ["batch", "province"]
    # The province's date moves only on the deadlines page (applications/deadlines.py).
    readonly_fields = ["submission_deadline"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Submitted content, events and versions change only through the workflow."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["park", "batch", "status", "submission_count", "submitted_at"]
    list_filter = ["status", "batch", "park__province"]
    list_select_related = ["park", "batch"]
    search_fields = ["park__name"]


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    list_display = ["application", "action", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["action"]
    list_select_related = ["application__park", "application__batch", "actor"]


@admin.register(DeadlineChange)
class DeadlineChangeAdmin(ReadOnlyAdmin):
    list_display = ["batch", "kind", "province", "old_value", "new_value", "actor", "created_at"]
    list_filter = ["kind", "batch"]
    list_select_related = ["batch", "province", "actor"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["application", "number", "submitted_by", "submitted_at", "snapshot_sha256"]
    list_select_related = ["application__park", "application__batch", "submitted_by"]


@admin.register(PendingEffect)
class PendingEffectAdmin(ReadOnlyAdmin):
    """What the outbox still owes, or gave up on (the sweep and the workers change it)."""

    list_display = [
        "kind",
        "status",
        "attempts",
        "event",
        "letter",
        "created_at",
        "dispatched_at",
        "done_at",
        "error",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["event", "letter"]


# Devices are reset from the user list (the action above), never read or edited one by one: a
# TOTP key shown on an admin page would be a second factor handed to whoever sees it.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
