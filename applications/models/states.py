"""The states of an application and every named set of them, declared once.

Whatever asks "is it editable", "is it with the province", "has it reached NDRC", "does it count
against the quota" or "is it over" asks here; the permission table (applications/permissions.py)
builds its rules from these sets, so that a set changed here changes every rule that uses it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """States of the life cycle; the label is the staff name (see APPLICANT_LABELS)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待省级审核")
    RETURNED = "returned", _("退回修改")
    RECOMMENDED = "recommended", _("省级已推荐")
    NOT_RECOMMENDED = "not_recommended", _("省级不予推荐")
    UNDER_NATIONAL_REVIEW = "under_national_review", _("国家级评审中")
    APPROVED = "approved", _("纳入建设名单")
    REJECTED = "rejected", _("未纳入建设名单")


# What the park sees: plain words about where its application is and what it should do.
APPLICANT_LABELS: dict[str, str] = {
    Status.DRAFT: _("填写中（尚未提交）"),
    Status.SUBMITTED: _("已提交，等待省级发展改革委审核"),
    Status.RETURNED: _("已退回，请按意见修改后重新提交"),
    Status.RECOMMENDED: _("已获省级推荐，等待国家级评审"),
    Status.NOT_RECOMMENDED: _("未获省级推荐"),
    Status.UNDER_NATIONAL_REVIEW: _("国家发展改革委评审中"),
    Status.APPROVED: _("已纳入国家级零碳园区建设名单"),
    Status.REJECTED: _("未纳入国家级零碳园区建设名单"),
}

ALL_STATES = frozenset(Status.values)
# The park may change the content (and submit it); in every other state the content is frozen.
EDITABLE_STATES = frozenset({Status.DRAFT, Status.RETURNED})
# The province has the application before it and decides on recommending it.
PROVINCIAL_STAGE = frozenset({Status.SUBMITTED})
# NDRC has the application before it and reviews it: reviewers and experts score and comment.
NATIONAL_STAGE = frozenset({Status.RECOMMENDED, Status.UNDER_NATIONAL_REVIEW})
# NDRC has decided.
DECIDED_BY_NDRC = frozenset({Status.APPROVED, Status.REJECTED})
# The province recommended it and it has not been returned since: it is NDRC's application.
REACHED_NDRC = NATIONAL_STAGE | DECIDED_BY_NDRC
# What NDRC sees: reached it now, or recommended once (a park NDRC returned stays in its queue).
# One filter for the national queue and the partial indexes that serve it (Application.Meta):
# PostgreSQL uses a partial index only for a query whose filter implies the index's condition,
# so both are built here, with the states in a fixed order.
REACHED_NDRC_Q = Q(status__in=sorted(REACHED_NDRC)) | Q(ever_recommended=True)
# States that take one of the province's recommendations of a batch (a park returned by NDRC
# gives its place back until the province recommends it again).
COUNTS_AGAINST_QUOTA = REACHED_NDRC
RECOMMENDED_OR_LATER = COUNTS_AGAINST_QUOTA
# Submitted at least once: a draft is the park's own business until then.
SUBMITTED_ONCE = ALL_STATES - {Status.DRAFT}
# Nothing more happens to the application.
TERMINAL_STATES = frozenset({Status.NOT_RECOMMENDED}) | DECIDED_BY_NDRC
