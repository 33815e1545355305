from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Park, Province, User

admin.site.site_header = _("零碳园区申报评审系统管理")
admin.site.site_title = _("系统管理")


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
