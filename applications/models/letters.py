"""Official letters: assessment letter, recommendation letter, revision notice; after
construction the acceptance letter and the certificate of a national zero-carbon park.

A letter's PDF is written once under PRIVATE_STORAGE_ROOT with its SHA-256 and never overwritten.
A reissue is a new Letter with a new reference and verification code; the old one is marked
replaced and points at its successor.

On PostgreSQL, triggers (migration 0018) refuse to delete a letter or change what it states
once written; only its rendering (pending → ready / failed, with file, digest and signer) and
the one-time mark of its replacement may change.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import Application
from .events import ApplicationEvent


class LetterKind(models.TextChoices):
    ASSESSMENT = "assessment", _("评审意见书")
    RECOMMENDATION = "recommendation", _("推荐函")
    REVISION = "revision", _("整改意见")
    ACCEPTANCE = "acceptance", _("评估验收意见书")
    CERTIFICATE = "certificate", _("国家级零碳园区证书")


# The word in the reference numbers of letters issued before each issuing body numbered its own
# (零碳评〔2026〕0001号); new letters carry their issuer's 机关代字 (letters.agency_code).
REFERENCE_PREFIX = {
    LetterKind.ASSESSMENT: "零碳评",
    LetterKind.RECOMMENDATION: "零碳推",
    LetterKind.REVISION: "零碳整",
    LetterKind.ACCEPTANCE: "零碳验",
    LetterKind.CERTIFICATE: "零碳园证",
}


class LetterStatus(models.TextChoices):
    PENDING = "pending", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


class LetterCounter(models.Model):
    """The last sequence number issued per issuing body (`body`: ndrc, drc-<province code>) and
    year; locked with select_for_update. Rows with a `kind` and no body are the per-kind
    counters used before each issuer numbered its own letters."""

    kind = models.CharField(max_length=16, choices=LetterKind.choices, null=True, blank=True)
    body = models.CharField(max_length=16, default="", blank=True)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="letter_counter_kind_year"),
            models.UniqueConstraint(
                fields=["body", "year"],
                condition=~models.Q(body=""),
                name="letter_counter_body_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body or self.kind} {self.year}: {self.last}"


class Letter(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="letters")
    event = models.ForeignKey(
        ApplicationEvent,
        on_delete=models.PROTECT,
        related_name="letters",
        verbose_name=_("对应流转"),
    )
    kind = models.CharField(_("文书类型"), max_length=16, choices=LetterKind.choices)
    year = models.PositiveIntegerField(_("年份"))
    sequence = models.PositiveIntegerField(_("序号"))
    reference = models.CharField(_("文号"), max_length=40, unique=True)
    issuer = models.CharField(_("出具单位"), max_length=100)
    decision = models.CharField(_("结论"), max_length=100)
    issued_at = models.DateTimeField(_("出具时间"))
    verification_code = models.CharField(_("验证码"), max_length=32, unique=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=LetterStatus.choices,
        default=LetterStatus.PENDING,
        db_index=True,
    )
    file = models.CharField(_("文件"), max_length=255, blank=True)  # name in private storage
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)
    # The organisation in the certificate that sealed the file (applications/seals.py).
    signer = models.CharField(_("签章单位"), max_length=100, null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("替代"),
    )
    replaced_at = models.DateTimeField(_("被替代时间"), null=True, blank=True)
    # Frozen at issue (applications/letters.py, "The record"): everything the letter states, in
    # the format named by content_version. The PDF, the verification page and a reissue read
    # this, never the park, submission or comments as they are now. Null only for letters issued
    # before records existed.
    content = models.JSONField(_("文书内容"), null=True, blank=True)
    content_version = models.PositiveSmallIntegerField(_("内容格式版本"), null=True, blank=True)
    # Why a reissue was made (empty for a first issue).
    reason = models.TextField(_("重新出具原因"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("正式文书")
        verbose_name_plural = _("正式文书")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_ready(self) -> bool:
        return self.status == LetterStatus.READY

    @property
    def is_replaced(self) -> bool:
        return self.replaced_at is not None
