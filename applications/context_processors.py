from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

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
    return {"nav_items": items}
