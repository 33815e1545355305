"""Provinces, parks and the people who work on them."""

from __future__ import annotations

import csv
from pathlib import Path

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

PROVINCES_CSV = Path(__file__).resolve().parent.parent / "reference" / "provinces.csv"


def read_provinces() -> list[dict[str, str]]:
    """The 31 provincial-level divisions, keyed by their GB/T 2260 two-digit code."""
    with PROVINCES_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Province(models.Model):
    code = models.CharField(_("代码"), max_length=2, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=32, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("省级行政区")
        verbose_name_plural = _("省级行政区")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class ParkScope(models.TextChoices):
    WHOLE = "whole", _("园区整体")
    WITHIN = "within", _("园中园")


class ZoneLevel(models.TextChoices):
    NATIONAL_ZONE = "national_zone", _("国家级开发区")
    PROVINCIAL_ZONE = "provincial_zone", _("省级开发区")
    EMERGING_PARK = "emerging_park", _("新兴产业园区")
    HIGH_TECH_PARK = "high_tech_park", _("高新技术园区")
    OTHER = "other", _("其他")


class Park(models.Model):
    name = models.CharField(_("园区名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="parks", verbose_name=_("所在省份")
    )
    scope = models.CharField(
        _("建设范围"), max_length=16, choices=ParkScope.choices, default=ParkScope.WHOLE
    )
    host_park_name = models.CharField(
        _("所在园区（园中园填写）"),
        max_length=200,
        blank=True,
        help_text=_("园中园所依托的园区名称"),
    )
    zone_level = models.CharField(
        _("园区级别"), max_length=32, choices=ZoneLevel.choices, default=ZoneLevel.PROVINCIAL_ZONE
    )
    management_body = models.CharField(_("管理机构"), max_length=200, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    # The city or county the park lies in, if recorded: its boundary must then lie there too.
    division_code = models.CharField(
        _("所在市、县行政区划代码"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("请填写6位行政区划代码（GB/T 2260）。"))],
        help_text=_("可选：园区所在地级市或区县的6位代码，如 320100（南京市）"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["province__code", "name"]
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name"], name="park_unique_name_in_province"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if (
            self.division_code
            and self.province_id
            and (self.division_code[:2] != self.province.code)
        ):
            raise ValidationError(
                {
                    "division_code": _("行政区划代码须属于园区所在省份（以 %(code)s 开头）。")
                    % {"code": self.province.code}
                }
            )


class Role(models.TextChoices):
    APPLICANT = "applicant", _("园区申报人")
    PROVINCIAL = "provincial", _("省级审核人")
    NATIONAL = "national", _("国家级评审人")
    # Experts (external or NDRC's own) score and comment on the applications assigned to them and
    # nothing else; they never decide.
    EXPERT = "expert", _("评审专家")
    ADMIN = "admin", _("系统管理员")


class User(AbstractUser):
    """A person using the system. The role decides the work; park or province decides the scope."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    park = models.ForeignKey(
        Park,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所属园区"),
    )
    province = models.ForeignKey(
        Province,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewers",
        verbose_name=_("所属省份"),
    )
    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    # Raised whenever the person's second-factor devices change (a reset, a new device, a
    # removal): a session that verified its device under an older number reads the device again
    # (applications/two_factor.py VerifiedDeviceMiddleware, decision D41).
    second_factor_generation = models.PositiveIntegerField(
        _("两步验证版本"), default=0, editable=False
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="applicant") | models.Q(park__isnull=False),
                name="applicant_has_park",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="provincial") | models.Q(province__isnull=False),
                name="provincial_reviewer_has_province",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role == Role.APPLICANT and not self.park_id:
            raise ValidationError({"park": _("园区申报人必须属于一个园区。")})
        if self.role == Role.PROVINCIAL and not self.province_id:
            raise ValidationError({"province": _("省级审核人必须属于一个省份。")})

    def has_perm(self, perm: str, obj=None) -> bool:
        # Administrators are administrators by role, not by a hand-kept list of permissions;
        # what the admin must never do (edit a published factor set, rewrite an event) is refused
        # by the ModelAdmin and the model themselves.
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_provincial(self) -> bool:
        return self.role == Role.PROVINCIAL

    @property
    def is_national(self) -> bool:
        return self.role == Role.NATIONAL

    @property
    def is_expert(self) -> bool:
        return self.role == Role.EXPERT

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def save(self, *args, **kwargs) -> None:
        # Only administrators reach the admin site; the flag follows the role so that it cannot
        # drift from it.
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        if self.is_superuser:
            self.role = Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff"}
        if update_fields is None and not self._state.adding and not kwargs.get("force_insert"):
            # The second-factor generation is only ever raised in the database (two_factor.py):
            # saving a person loaded before a device reset must not write the old number back.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "second_factor_generation"
            ]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.display_name or self.username
