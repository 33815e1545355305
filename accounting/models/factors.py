"""Versioned factor sets (D10): a published version is never edited; a change is a new version.

The guard sits below every form: ``save``/``delete`` on the model and ``update``/``delete`` on its
querysets refuse a published set and its rows; on PostgreSQL a trigger (migration 0002) refuses
the same at the database, so raw SQL or a forgotten code path cannot change a published set.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

DECIMAL = {"max_digits": 24, "decimal_places": 10}


class PublishedFactorSetError(Exception):
    """A write to a published factor set (or to one of its rows) was attempted."""


class FactorSetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


def _refuse(message: str) -> None:
    raise PublishedFactorSetError(message)


class FactorSetQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(status=FactorSetStatus.PUBLISHED).exists():
            _refuse("a published factor set cannot be changed; make a new version")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=FactorSetStatus.PUBLISHED).exists():
            _refuse("a published factor set cannot be deleted")
        return super().delete()

    def published(self) -> FactorSetQuerySet:
        return self.filter(status=FactorSetStatus.PUBLISHED)


class FactorSetVersion(models.Model):
    code = models.CharField(_("因子集代码"), max_length=64)
    version = models.PositiveIntegerField(_("版本"))
    year = models.PositiveIntegerField(_("适用年份"))
    title_zh = models.CharField(_("中文标题"), max_length=200, blank=True)
    title_en = models.CharField(_("英文标题"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=FactorSetStatus.choices, default=FactorSetStatus.DRAFT
    )
    note = models.TextField(_("版本说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = FactorSetQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("排放因子集")
        verbose_name_plural = _("排放因子集")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="factor_set_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} ({self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        # The stored status decides, not the in-memory one: publishing a draft is allowed,
        # touching a row that is already published is not.
        if self._stored_status() == FactorSetStatus.PUBLISHED:
            _refuse("a published factor set cannot be changed; make a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == FactorSetStatus.PUBLISHED:
            _refuse("a published factor set cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == FactorSetStatus.PUBLISHED

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return FactorSetVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()


class FactorRowQuerySet(models.QuerySet):
    def _guard(self) -> None:
        if self.filter(factor_set__status=FactorSetStatus.PUBLISHED).exists():
            _refuse("rows of a published factor set cannot be changed")

    def update(self, **kwargs):
        self._guard()
        return super().update(**kwargs)

    def delete(self):
        self._guard()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        set_ids = {o.factor_set_id for o in objs}
        if FactorSetVersion.objects.filter(
            pk__in=set_ids, status=FactorSetStatus.PUBLISHED
        ).exists():
            _refuse("rows cannot be added to a published factor set")
        return super().bulk_create(objs, *args, **kwargs)


class FactorRow(models.Model):
    factor_set = models.ForeignKey(
        FactorSetVersion, on_delete=models.CASCADE, verbose_name=_("因子集")
    )
    source = models.TextField(_("数据来源"))

    objects = FactorRowQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self._set_published():
            _refuse("rows of a published factor set cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._set_published():
            _refuse("rows of a published factor set cannot be changed")
        return super().delete(*args, **kwargs)

    def _set_published(self) -> bool:
        return FactorSetVersion.objects.filter(
            pk=self.factor_set_id, status=FactorSetStatus.PUBLISHED
        ).exists()


class FuelFactor(FactorRow):
    class Category(models.TextChoices):
        COAL = "coal", _("煤")
        OIL = "oil", _("油")
        GAS = "gas", _("气")
        NON_FOSSIL = "non_fossil", _("非化石")

    code = models.CharField(_("燃料代码"), max_length=64)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    unit = models.CharField(_("计量单位"), max_length=32)
    tce_per_unit = models.DecimalField(_("折标系数 (tce/单位)"), **DECIMAL)
    ncv_gj_per_unit = models.DecimalField(
        _("低位发热量 (GJ/单位)"), null=True, blank=True, **DECIMAL
    )
    carbon_tc_per_tj = models.DecimalField(
        _("单位热值含碳量 (tC/TJ)"), null=True, blank=True, **DECIMAL
    )
    oxidation = models.DecimalField(_("碳氧化率"), null=True, blank=True, **DECIMAL)
    clean = models.BooleanField(_("清洁能源"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["factor_set", "position", "code"]
        verbose_name = _("燃料因子")
        verbose_name_plural = _("燃料因子")
        constraints = [
            models.UniqueConstraint(fields=["factor_set", "code"], name="fuel_factor_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"


class FactorParameter(FactorRow):
    key = models.CharField(_("参数"), max_length=64)
    value = models.DecimalField(_("数值"), **DECIMAL)
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["factor_set", "position", "key"]
        verbose_name = _("参数")
        verbose_name_plural = _("参数")
        constraints = [
            models.UniqueConstraint(
                fields=["factor_set", "key"], name="factor_parameter_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return self.key
