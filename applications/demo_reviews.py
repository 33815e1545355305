"""Demo review work: on the applications that reached NDRC, the expert is assigned,
the national reviewer has scored, and there is one comment for the park and one internal one.
Letters need no demo: the workflow issues them when the demo applications are decided.

Only the demo's own applications that the plan leaves with NDRC (demo_applications.REVIEWED),
and only while nobody has reviewed them: one with an assignment, a score or a comment, or moved on
to another state, is left as it is.
"""

from __future__ import annotations

from . import permissions, reviews
from .demo_applications import REVIEWED
from .models import Application, AssignmentKind, Park, Role, Status, User

SCORES = {
    "representativeness": 85,
    "demonstration": 80,
    "reduction_potential": 88,
    "feasibility": 76,
}


def load_demo_reviews(parks: dict[str, Park]) -> None:
    reviewer = User.objects.filter(username="ndrc_reviewer", role=Role.NATIONAL).first()
    expert = User.objects.filter(username="ndrc_expert", role=Role.EXPERT).first()
    if reviewer is None or expert is None:
        return
    for key, batch_name in REVIEWED:
        if key not in parks:
            continue
        application = (
            Application.objects.filter(
                park=parks[key],
                batch__name=batch_name,
                status__in=[Status.RECOMMENDED, Status.UNDER_NATIONAL_REVIEW],
                assignments__isnull=True,
                scores__isnull=True,
                review_comments__isnull=True,
            )
            .select_related("park__province")
            .first()
        )
        if application is None:
            continue
        reviews.assign(reviewer, application, expert, AssignmentKind.EXPERT)
        if permissions.may(reviewer, "score", application):
            reviews.save_score(reviewer, application, SCORES)
            reviews.add_comment(
                reviewer,
                application,
                "绿电直供和能碳管理平台建设基础较好，请补充工业过程减排的技术路线。",
                "public",
            )
            reviews.add_comment(
                reviewer,
                application,
                "内部：建议与同省另一推荐园区对比产业代表性后再定。",
                "internal",
            )
