from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from . import inbox, permissions
from .navigation import items_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": []}
    current = request.resolver_match.url_name if request.resolver_match else None
    items = [
        {
            "key": item.key,
            "label": item.label,
            "url": reverse(item.url_name),
            "active": item.url_name == current,
        }
        for item in items_for(user)
    ]
    return {"nav_items": items, "inbox_unread": _unread(user)}


def _unread(user):
    """The nav badge's count, asked only when a page shows it, at most once; from the cache
    unless the person's inbox changed since it was counted (`inbox.unread_count`)."""
    if not user.is_authenticated or not permissions.may(user, "read_inbox"):
        return None
    counted: list[int] = []

    def count() -> int:
        if not counted:
            counted.append(inbox.unread_count(user))
        return counted[0]

    return count
