"""The two deadlines of a batch, where the notice (三(二)) puts them, and their one door.

- NDRC's date for the provinces' recommendations ("于8月22日前将推荐园区名单及建设方案报送国家
  发展改革委") is the batch's (`Batch.deadline`). After it a province recommends no park for the
  first time (`recommendation_refusal`), and no park starts an application.
- Each province sets the date for its own parks' submissions (`ProvinceBatchQuota.
  submission_deadline`), at the latest NDRC's date. Until it does, NDRC's date bounds them.

The rule for returns (D25 in accounting/method/DECISIONS.md): the park's date holds for its
*first* submission only. A park the province or NDRC returned for revision answers the comments and
resubmits whenever it is ready; a park NDRC returned, once resubmitted, may be recommended again by
its province after NDRC's date (it was recommended in time). A park the province returned and that
was never recommended is bound by NDRC's date like any other first recommendation.

A provincial reviewer sets the province's date (not after NDRC's date, not once it has passed); an
administrator extends either date, with a reason. Every change is a `DeadlineChange` (who, old,
new, why). `remind` (Celery beat, hourly) mails those who still have to act REMIND_BEFORE ahead,
once per date and person (`DeadlineReminder` rows).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zcparks.dates import label

from . import inbox, permissions
from .models import (
    Application,
    Batch,
    DeadlineChange,
    DeadlineKind,
    DeadlineReminder,
    EffectKind,
    PendingEffect,
    Province,
    ProvinceBatchQuota,
    Role,
    Status,
    User,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

REMIND_BEFORE = datetime.timedelta(days=7)
MAX_REASON = 2000


class DeadlineError(Exception):
    """A date that cannot be set; `field` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Dates:
    """A batch's dates as one province sees them."""

    batch: Batch
    recommendation: datetime.datetime
    submission: datetime.datetime | None  # the province's own, if set

    @property
    def parks_until(self) -> datetime.datetime:
        """The date that binds the parks' first submissions."""
        return self.submission or self.recommendation

    def passed(self, which: str, now: datetime.datetime | None = None) -> bool:
        value = self.recommendation if which == "recommendation" else self.parks_until
        return (now or timezone.now()) > value


def dates_for(batch: Batch, province_id: int | None) -> Dates:
    submission = None
    if province_id is not None:
        submission = (
            ProvinceBatchQuota.objects.filter(batch=batch, province_id=province_id)
            .values_list("submission_deadline", flat=True)
            .first()
        )
    return Dates(batch, batch.deadline, submission)


def province_dates(batches: Iterable[Batch]) -> dict[tuple[int, int], datetime.datetime]:
    """{(batch id, province id): the province's date} of these batches, in one query."""
    rows = ProvinceBatchQuota.objects.filter(
        batch__in=list(batches), submission_deadline__isnull=False
    ).values_list("batch_id", "province_id", "submission_deadline")
    return {(b, p): d for b, p, d in rows}


# --- Enforcement (asked by services.submission_problems and workflow.recommend) ------------------


def submission_refusal(application: Application, now: datetime.datetime | None = None) -> str:
    """Why the park may not submit now because of a date ("" when it may)."""
    now = now or timezone.now()
    batch = application.batch
    if not batch.is_active or now < batch.opens_at:
        return _("批次“%(batch)s”不在申报期内。") % {"batch": batch}
    if application.submission_count:
        return ""  # a resubmission after a return: no date (see the module's docstring)
    dates = dates_for(batch, application.park.province_id)
    if not dates.passed("submission", now):
        return ""
    if dates.submission is not None:
        return _(
            "%(province)s规定的园区申报截止时间为%(date)s，已经截止，不能再首次提交。"
            "如确需延期，请联系省级发展改革委。"
        ) % {"province": application.park.province, "date": label(dates.submission)}
    return _("本批次省级推荐报送截止时间为%(date)s，已经截止，不能再首次提交。") % {
        "date": label(dates.recommendation)
    }


def recommendation_refusal(application: Application, now: datetime.datetime | None = None) -> str:
    """Why the province may not recommend this park now because of NDRC's date ("" if it may)."""
    if application.ever_recommended:
        return ""  # recommended in time, returned by NDRC and resubmitted: recommended again
    batch = application.batch
    if (now or timezone.now()) <= batch.deadline:
        return ""
    return _(
        "国家发展改革委规定的省级推荐报送截止时间为%(date)s，已经截止，不能再推荐园区。"
        "如确需延期，请联系系统管理员。"
    ) % {"date": label(batch.deadline)}


# --- Setting and extending the dates ------------------------------------------------------------


def _reason(reason: str, required: bool) -> str:
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise DeadlineError(_("理由中含有无效字符（NUL）。"), "reason")
    if len(reason) > MAX_REASON:
        raise DeadlineError(_("理由不能超过 %(n)s 个字。") % {"n": MAX_REASON}, "reason")
    if required and not reason:
        raise DeadlineError(_("请填写理由（延长截止时间必须说明理由）。"), "reason")
    return reason


def set_submission_deadline(
    user: User, batch: Batch, province: Province, value: datetime.datetime, reason: str = ""
) -> DeadlineChange:
    """The province's date for its parks. A provincial reviewer sets its own province's, in the
    future and while the current one has not passed; an administrator may extend a passed one
    (with a reason). Never after NDRC's date."""
    is_admin = permissions.may(user, "extend_deadline")
    if not is_admin and not (
        permissions.may(user, "set_submission_deadline") and user.province_id == province.pk
    ):
        raise permissions_denied()
    now = timezone.now()
    with transaction.atomic():
        quota, _created = ProvinceBatchQuota.objects.get_or_create(batch=batch, province=province)
        quota = ProvinceBatchQuota.objects.select_for_update().get(pk=quota.pk)
        old = quota.submission_deadline
        reason = _reason(reason, required=is_admin and old is not None)
        if value <= now:
            raise DeadlineError(_("截止时间必须晚于当前时间。"), "value")
        if value > batch.deadline:
            raise DeadlineError(
                _("园区申报截止时间不能晚于国家发展改革委规定的省级推荐报送截止时间（%(date)s）。")
                % {"date": label(batch.deadline)},
                "value",
            )
        if old is not None and old < now and not is_admin:
            raise DeadlineError(
                _("本省园区申报截止时间（%(date)s）已过，如需延长请联系系统管理员。")
                % {"date": label(old)},
                "value",
            )
        if old == value:
            raise DeadlineError(_("新截止时间与原截止时间相同。"), "value")
        quota.submission_deadline = value
        quota.save(update_fields=["submission_deadline"])
        return DeadlineChange.objects.create(
            batch=batch,
            province=province,
            kind=DeadlineKind.SUBMISSION,
            old_value=old,
            new_value=value,
            reason=reason,
            actor=user,
        )


def extend_recommendation_deadline(
    user: User, batch: Batch, value: datetime.datetime, reason: str
) -> DeadlineChange:
    """An administrator moves NDRC's date later, with a reason."""
    if not permissions.may(user, "extend_deadline"):
        raise permissions_denied()
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        reason = _reason(reason, required=True)
        old = locked.deadline
        if value <= old:
            raise DeadlineError(
                _("新截止时间必须晚于原截止时间（%(date)s）。") % {"date": label(old)}, "value"
            )
        Batch.objects.filter(pk=locked.pk).update(deadline=value)
        batch.deadline = value
        return DeadlineChange.objects.create(
            batch=locked,
            province=None,
            kind=DeadlineKind.RECOMMENDATION,
            old_value=old,
            new_value=value,
            reason=reason,
            actor=user,
        )


def permissions_denied() -> PermissionDenied:
    return PermissionDenied(_("您无权设定该截止时间。"))


# --- Reminders ----------------------------------------------------------------------------------


def _people(q: Q) -> list[User]:
    return list(User.objects.filter(q, is_active=True).exclude(email=""))


def _owed(now: datetime.datetime) -> list[tuple[Batch, int | None, str, datetime.datetime, User]]:
    """(batch, province, kind, date, person) of every reminder due now."""
    soon = now + REMIND_BEFORE
    owed = []
    batches = list(Batch.objects.filter(is_active=True, deadline__gt=now))
    own = province_dates(batches)
    for batch in batches:
        apps = Application.objects.filter(batch=batch)
        # Parks with a draft never submitted, under their province's date or NDRC's.
        drafts = apps.filter(status=Status.DRAFT, submission_count=0).values_list(
            "park_id", "park__province_id"
        )
        for park_id, province_id in set(drafts):
            date = own.get((batch.pk, province_id), batch.deadline)
            if now < date <= soon:
                kind = (
                    DeadlineKind.SUBMISSION
                    if (batch.pk, province_id) in own
                    else DeadlineKind.RECOMMENDATION
                )
                owed += [
                    (batch, province_id, kind, date, person)
                    for person in _people(Q(role=Role.APPLICANT, park_id=park_id))
                ]
        # Provinces that have parks awaiting their decision and not recommended yet.
        if now < batch.deadline <= soon:
            provinces = set(
                apps.filter(status=Status.SUBMITTED, ever_recommended=False).values_list(
                    "park__province_id", flat=True
                )
            )
            owed += [
                (batch, person.province_id, DeadlineKind.RECOMMENDATION, batch.deadline, person)
                for person in _people(Q(role=Role.PROVINCIAL, province_id__in=provinces))
            ]
    return owed


def remind(now: datetime.datetime | None = None) -> list[PendingEffect]:
    """Record the reminders due now, once per date and person, each with its mail owed."""
    now = now or timezone.now()
    effects = []
    for batch, province_id, kind, date, person in _owed(now):
        try:
            with transaction.atomic():
                reminder = DeadlineReminder.objects.create(
                    batch=batch, province_id=province_id, kind=kind, deadline=date, recipient=person
                )
                effects.append(inbox.owe(EffectKind.REMIND_DEADLINE, reminder=reminder))
        except IntegrityError:
            continue  # reminded already (this run or an earlier one)
    return effects


# --- What pages show ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One batch's dates as a page shows them to one province (or to NDRC: province None)."""

    batch: Batch
    recommendation: datetime.datetime
    submission: datetime.datetime | None
    recommendation_passed: bool
    submission_passed: bool

    @property
    def recommendation_label(self) -> str:
        return label(self.recommendation)

    @property
    def submission_label(self) -> str:
        return label(self.submission)


def shown(
    batches: Iterable[Batch], province_id: int | None, now: datetime.datetime | None = None
) -> list[Shown]:
    """The dates of these batches for a province (two queries at most)."""
    now = now or timezone.now()
    batches = list(batches)
    own = province_dates(batches) if province_id is not None else {}
    rows = []
    for batch in batches:
        submission = own.get((batch.pk, province_id))
        rows.append(
            Shown(
                batch,
                batch.deadline,
                submission,
                now > batch.deadline,
                submission is not None and now > submission,
            )
        )
    return rows


def current_batches() -> list[Batch]:
    """The batches whose dates matter now: active ones, newest first."""
    return list(Batch.objects.filter(is_active=True).order_by("-year", "-deadline"))


def history(batch: Batch, province_id: int | None = None) -> list[DeadlineChange]:
    changes = DeadlineChange.objects.filter(batch=batch).select_related("actor", "province")
    if province_id is not None:
        changes = changes.filter(Q(province_id=province_id) | Q(province__isnull=True))
    return list(changes)
