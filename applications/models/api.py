"""API access of a park's energy-carbon management platform (能碳管理平台): tokens and the
stored answers of idempotent writes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .people import Park

TOKEN_PREFIX_LENGTH = 8


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A token for one park, created by one of its applicants.

    Only the SHA-256 of the secret is stored; the secret itself is shown once, when the token is
    created. ``prefix`` (the secret's first characters) is kept in clear so that a request's token
    is found by an index lookup and so that people can tell their tokens apart.
    """

    park = models.ForeignKey(
        Park, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("园区")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("创建人"),
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=TOKEN_PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(_("密钥摘要 (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix}…)"

    @property
    def display_prefix(self) -> str:
        return f"zcp_{self.prefix}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotentResponse(models.Model):
    """The answer given to a write sent with an ``Idempotency-Key``, replayed for a repeat.

    ``principal`` is ``token:<id>`` or ``user:<id>``: a key belongs to whoever sent it.
    ``fingerprint`` is the SHA-256 of method, path and body; the same key with another request is
    refused instead of replayed.
    """

    principal = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等写入记录")
        verbose_name_plural = _("幂等写入记录")
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key} → {self.status_code}"
