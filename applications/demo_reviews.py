"""Demo review work (issue 5): on the applications that reached NDRC, the expert is assigned,
the national reviewer has scored, and there is one comment for the park and one internal one.
Letters need no demo: the workflow issues them when the demo applications are decided.

Idempotent: an application that already has an assignment is left as it is.
"""
from __future__ import annotations

from . import access, reviews
from .models import Application, AssignmentKind, Role, Status, User

SCORES = {"representativeness": 85, "demonstration": 80, "reduction_potential": 88,
          "feasibility": 76}


def load_demo_reviews() -> None:
    reviewer = User.objects.filter(username="ndrc_reviewer", role=Role.NATIONAL).first()
    expert = User.objects.filter(username="ndrc_expert", role=Role.NATIONAL).first()
    if reviewer is None or expert is None:
        return
    applications = Application.objects.filter(
        status__in=[Status.RECOMMENDED, Status.UNDER_NATIONAL_REVIEW], assignments__isnull=True
    ).select_related("park__province")
    for application in applications:
        reviews.assign(reviewer, application, expert, AssignmentKind.EXPERT)
        if access.can_review(reviewer, application):
            reviews.save_score(reviewer, application, SCORES)
            reviews.add_comment(reviewer, application,
                                "绿电直供和能碳管理平台建设基础较好，请补充工业过程减排的技术路线。",
                                "public")
            reviews.add_comment(reviewer, application,
                                "内部：建议与同省另一推荐园区对比产业代表性后再定。", "internal")
