"""Which applications and review queues a user reaches, and the 404 for everything else.

They come from the permission table (applications/permissions.py); the functions here turn its
answers into querysets and 404s for the views. Which parks a user reaches is the park kernel's
(applications/kernel/scope.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from . import permissions
from .models import SUBMITTED_ONCE, Application

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User


# --- Applications: the permission table answers (applications/permissions.py) --------------------


def visible_applications(user: User | AnonymousUser) -> QuerySet[Application]:
    """The applications this user sees (`view_application` of the permission table)."""
    return permissions.permitted(
        user, "view_application", Application.objects.select_related("park__province", "batch")
    )


def get_application_for_user(user: User | AnonymousUser, pk: int) -> Application:
    """The application, if this user may see it; otherwise 404."""
    try:
        return visible_applications(user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


def can_edit_application(user: User | AnonymousUser, application: Application) -> bool:
    """Only the park's own applicants, and only while it is a draft or returned for revision."""
    return permissions.may(user, "edit_application", application)


# --- Reviews: the queues and the review page -----------------------------------------------------

QUEUE_PERMISSIONS = {
    "provincial": "queue_provincial",
    "national": "queue_national",
    "mine": "queue_mine",
}


def review_queue(user: User | AnonymousUser, queue: str) -> QuerySet[Application]:
    """The applications of a reviewers' queue: "provincial" (what provinces have had before them;
    the provincial reviewer's own province, all provinces for administrators), "national" (what
    reached NDRC) or "mine" (assigned to this user). Empty when the user has no such queue."""
    key = QUEUE_PERMISSIONS.get(queue)
    if key is None or not permissions.may(user, key):
        return Application.objects.none()
    reviewable = reviewable_applications(user)
    if queue == "provincial":
        return reviewable.filter(status__in=SUBMITTED_ONCE)
    if queue == "national":
        return reviewable.filter(permissions.scope_q(user, permissions.Scope.REACHED_NDRC))
    return reviewable.filter(assignments__assignee=user)


def reviewable_applications(user: User | AnonymousUser) -> QuerySet[Application]:
    """What the review pages may show this user (`open_review`)."""
    return permissions.permitted(
        user, "open_review", Application.objects.select_related("park__province", "batch")
    )


def get_reviewable_application(user: User | AnonymousUser, pk: int) -> Application:
    """The application for the review page: reviewers within scope only, otherwise 404."""
    try:
        return reviewable_applications(user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None
