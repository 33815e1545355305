"""One place that answers who may see and do what.

Every view asks here; nothing else decides scope. Scope is by role: an applicant sees their own
park, a provincial reviewer the parks of their province, national reviewers and administrators all.
Later modules add their own questions here (applications, letters, attachments) on the same rules.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Application, Park, Role, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User


def visible_parks(user: User | AnonymousUser) -> QuerySet[Park]:
    parks = Park.objects.select_related("province")
    if not user.is_authenticated or not user.is_active:
        return parks.none()
    if user.is_superuser or user.role in (Role.NATIONAL, Role.ADMIN):
        return parks
    if user.role == Role.PROVINCIAL:
        return parks.filter(province_id=user.province_id)
    if user.role == Role.APPLICANT:
        return parks.filter(pk=user.park_id)
    return parks.none()


def can_view_park(user: User | AnonymousUser, park: Park) -> bool:
    return visible_parks(user).filter(pk=park.pk).exists()


def can_edit_park_data(user: User | AnonymousUser, park: Park) -> bool:
    """Energy data, applications and evidence are entered only by the park's own applicants."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.APPLICANT
        and user.park_id == park.pk
    )


def get_park_for_user(user: User | AnonymousUser, park_id: int) -> Park:
    """The park, if this user may see it; otherwise 404, so that ids of others are not revealed."""
    try:
        return visible_parks(user).get(pk=park_id)
    except Park.DoesNotExist:
        raise Http404 from None


def require_park_editor(user: User | AnonymousUser, park: Park) -> None:
    if not can_edit_park_data(user, park):
        raise PermissionDenied


# --- Applications (issue 4) ----------------------------------------------------------------------


def visible_applications(user: User | AnonymousUser) -> QuerySet[Application]:
    """Applicants see their park's; provincial reviewers their province's once submitted;
    national reviewers what has reached them (recommended or later, or ever recommended);
    administrators all."""
    applications = Application.objects.select_related("park__province", "batch")
    if not user.is_authenticated or not user.is_active:
        return applications.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return applications
    if user.role == Role.APPLICANT:
        return applications.filter(park_id=user.park_id)
    if user.role == Role.PROVINCIAL:
        # A draft is the park's own business until it is first submitted.
        return applications.filter(park__province_id=user.province_id).exclude(
            status=Status.DRAFT, submission_count=0
        )
    if user.role == Role.NATIONAL:
        return applications.filter(
            Q(status__in=[Status.RECOMMENDED, Status.UNDER_NATIONAL_REVIEW, Status.APPROVED,
                          Status.REJECTED])
            | Q(ever_recommended=True)
        )
    return applications.none()


def get_application_for_user(user: User | AnonymousUser, pk: int) -> Application:
    """The application, if this user may see it; otherwise 404."""
    try:
        return visible_applications(user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


def can_edit_application(user: User | AnonymousUser, application: Application) -> bool:
    """Only the park's own applicants, and only while it is a draft or returned for revision."""
    return can_edit_park_data(user, application.park) and application.is_editable


def is_provincial_reviewer_of(user: User | AnonymousUser, application: Application) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.PROVINCIAL
        and user.province_id == application.park.province_id
    )


# --- Reviews, letters and dossiers (issue 5) -----------------------------------------------------

PROVINCIAL_REVIEW_STATES = frozenset({Status.SUBMITTED})
NATIONAL_REVIEW_STATES = frozenset({Status.RECOMMENDED, Status.UNDER_NATIONAL_REVIEW})


def is_reviewer(user: User | AnonymousUser) -> bool:
    """Provincial and national reviewers and administrators; never applicants."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in (Role.PROVINCIAL, Role.NATIONAL, Role.ADMIN))
    )


def review_queue(user: User | AnonymousUser, queue: str) -> QuerySet[Application]:
    """The applications of a reviewers' queue: "provincial" (a province's submitted ones and
    later; the provincial reviewer's own province, all provinces for administrators), "national"
    (what reached NDRC) or "mine" (assigned to this user). Empty when the user has no such
    queue."""
    visible = visible_applications(user)
    if not is_reviewer(user):
        return visible.none()
    is_admin = user.is_superuser or user.role == Role.ADMIN
    if queue == "provincial":
        if user.role == Role.PROVINCIAL or is_admin:
            return visible.exclude(status=Status.DRAFT, submission_count=0)
    elif queue == "national":
        if user.role == Role.NATIONAL or is_admin:
            return visible.filter(
                Q(status__in=[Status.RECOMMENDED, Status.UNDER_NATIONAL_REVIEW, Status.APPROVED,
                              Status.REJECTED])
                | Q(ever_recommended=True)
            )
    elif queue == "mine":
        return visible.filter(assignments__assignee=user)
    return visible.none()


def reviewable_applications(user: User | AnonymousUser) -> QuerySet[Application]:
    """What the review pages may show this user: reviewers within their scope, else none."""
    if not is_reviewer(user):
        return Application.objects.none()
    return visible_applications(user)


def get_reviewable_application(user: User | AnonymousUser, pk: int) -> Application:
    """The application for the review page: reviewers within scope only, otherwise 404."""
    try:
        return reviewable_applications(user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


def can_review(user: User | AnonymousUser, application: Application) -> bool:
    """May score and comment now: the province while it decides on recommending, NDRC (any
    national reviewer or expert) while it is recommended or under national review."""
    if not is_reviewer(user):
        return False
    if user.role == Role.PROVINCIAL:
        return (is_provincial_reviewer_of(user, application)
                and application.status in PROVINCIAL_REVIEW_STATES)
    if user.role == Role.NATIONAL:
        return application.status in NATIONAL_REVIEW_STATES
    return False


def assigns_reviewers(user: User | AnonymousUser) -> bool:
    """Whose role assigns reviewers: national staff and administrators."""
    return (
        user.is_authenticated and user.is_active
        and (user.is_superuser or user.role in (Role.NATIONAL, Role.ADMIN))
    )


def can_assign_reviewers(user: User | AnonymousUser, application: Application) -> bool:
    return (
        assigns_reviewers(user)
        and visible_applications(user).filter(pk=application.pk).exists()
    )


def sees_internal_reviews(user: User | AnonymousUser) -> bool:
    """Internal comments and scores are for reviewers; the park never sees them."""
    return is_reviewer(user)
