"""Park scope: which parks a user reaches, and the 404 for everything else.

Parks by role: an applicant sees their own park, a provincial reviewer the parks of their
province, national reviewers and administrators all (experts none: they work on applications).
Energy data, applications and evidence are entered only by the park's own applicants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from applications.models import Park, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from applications.models import User


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
