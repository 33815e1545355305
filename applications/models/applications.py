"""The application (申报书) of one park in one batch, and its states.

A submitted application is frozen: the model refuses to write its content unless it is a draft or
returned for revision. Only the workflow's own fields (status and its bookkeeping) may change once
it is with the reviewers, and those change only through `applications.workflow`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .batches import Batch
from .people import Park, ParkScope
from .states import APPLICANT_LABELS, EDITABLE_STATES, REACHED_NDRC_Q, Status

# The only fields that may be written while the application is frozen, and only by the workflow.
WORKFLOW_FIELDS = frozenset(
    {"status", "submitted_at", "submission_count", "ever_recommended", "updated_at"}
) | frozenset({"tier", "core_pass", "intensity"})  # set from the submission snapshot


class ApplicationFrozen(PermissionDenied):
    """Raised on any attempt to change a submitted application's content."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or str(_("申报书已提交，内容不能修改；如需修改请等待退回。")))


class ApplicationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        content = set(kwargs) - WORKFLOW_FIELDS
        if content and self.exclude(status__in=EDITABLE_STATES).exists():
            raise ApplicationFrozen
        return super().update(**kwargs)

    def delete(self):
        if self.exclude(status=Status.DRAFT).exists():
            raise ApplicationFrozen(str(_("只能删除尚未提交过的草稿。")))
        return super().delete()


class Application(models.Model):
    park = models.ForeignKey(
        Park, on_delete=models.PROTECT, related_name="applications", verbose_name=_("园区")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="applications", verbose_name=_("批次")
    )
    status = models.CharField(
        _("状态"), max_length=32, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Section content, keyed by section (see applications/sections.py). Boundary and incidents
    # live in their own fields and rows because rules and reviewers read them directly.
    data = models.JSONField(_("申报内容"), default=dict, blank=True)

    scope = models.CharField(
        _("建设范围"), max_length=16, choices=ParkScope.choices, default=ParkScope.WHOLE
    )
    host_park_name = models.CharField(_("所在园区（园中园）"), max_length=200, blank=True)
    management_body = models.CharField(_("建设和管理主体"), max_length=200, blank=True)
    boundary_east = models.CharField(_("东至"), max_length=300, blank=True)
    boundary_south = models.CharField(_("南至"), max_length=300, blank=True)
    boundary_west = models.CharField(_("西至"), max_length=300, blank=True)
    boundary_north = models.CharField(_("北至"), max_length=300, blank=True)
    boundary_geojson = models.JSONField(_("边界范围（GeoJSON）"), null=True, blank=True)
    boundary_area_km2 = models.DecimalField(
        _("边界面积（平方公里）"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    # The area the park declares (its planning area); a drawn boundary far from it is questioned
    # and saved only once the park confirms the difference (D29).
    declared_area_km2 = models.DecimalField(
        _("规划面积（平方公里）"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    # The park confirms that the incident register below is complete (also when it is empty).
    incident_register_confirmed = models.BooleanField(
        _("已如实填报近三年的安全、环境事故和社会不良影响事件"), default=False
    )
    # The park's answers (整改说明) to the comments of the return it is answering, drafted here
    # and frozen with the next submission: {"event": <return event id>, "answers": {key: text}}.
    revision_answers = models.JSONField(_("整改说明"), default=dict, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("最近提交时间"), null=True, blank=True)
    submission_count = models.PositiveIntegerField(_("提交次数"), default=0)
    # Once recommended, national reviewers keep seeing the application even after a return.
    ever_recommended = models.BooleanField(default=False)

    # Copied from the latest submission's calculation result when it is submitted
    # (applications/reviews.py), so that the reviewers' queues filter with plain indexed SQL.
    tier = models.CharField(_("能耗规模档"), max_length=16, blank=True, db_index=True)
    core_pass = models.BooleanField(_("核心指标达标"), null=True, blank=True, db_index=True)
    intensity = models.DecimalField(
        _("单位能耗碳排放（tCO2/tce）"), max_digits=14, decimal_places=6, null=True, blank=True
    )

    objects = ApplicationQuerySet.as_manager()
    # Who changed what and when (the user comes from HistoryRequestMiddleware).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("申报书")
        verbose_name_plural = _("申报书")
        constraints = [
            models.UniqueConstraint(
                fields=["park", "batch"], name="application_one_per_park_batch"
            ),
        ]
        indexes = [
            # The national queue's first page (newest first) walks this index and stops after
            # a page, instead of sorting every row NDRC sees; its status counts read the second
            # index only. Partial: only what the national queue holds (REACHED_NDRC_Q).
            models.Index(
                fields=["-submitted_at", "-id"],
                condition=REACHED_NDRC_Q,
                name="application_ndrc_newest",
            ),
            models.Index(
                fields=["status"], condition=REACHED_NDRC_Q, name="application_ndrc_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.park} · {self.batch}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            update_fields = kwargs.get("update_fields")
            only_workflow = update_fields is not None and set(update_fields) <= WORKFLOW_FIELDS
            stored = Application.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored is not None and stored not in EDITABLE_STATES and not only_workflow:
                raise ApplicationFrozen
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != Status.DRAFT or self.submission_count:
            raise ApplicationFrozen(str(_("只能删除尚未提交过的草稿。")))
        return super().delete(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    @property
    def applicant_status_label(self) -> str:
        return str(APPLICANT_LABELS[self.status])

    @property
    def four_sides(self) -> dict[str, str]:
        return {
            "east": self.boundary_east,
            "south": self.boundary_south,
            "west": self.boundary_west,
            "north": self.boundary_north,
        }


# The boundary section's text fields, as the form, the service and the live preview use them.
BOUNDARY_TEXT_FIELDS = (
    "scope",
    "host_park_name",
    "management_body",
    "boundary_east",
    "boundary_south",
    "boundary_west",
    "boundary_north",
)


def require_editable(application_id: int) -> None:
    """Child rows (incidents, attachments) ask the database, not a possibly stale instance."""
    editable = Application.objects.filter(pk=application_id, status__in=EDITABLE_STATES).exists()
    if not editable:
        raise ApplicationFrozen


class ApplicationPartQuerySet(models.QuerySet):
    """Rows that belong to an application (incidents, attachments) freeze with it, also in bulk."""

    def update(self, **kwargs):
        for application_id in set(self.values_list("application_id", flat=True)):
            require_editable(application_id)
        return super().update(**kwargs)

    def delete(self):
        for application_id in set(self.values_list("application_id", flat=True)):
            require_editable(application_id)
        return super().delete()
