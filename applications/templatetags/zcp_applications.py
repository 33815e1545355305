"""Template helpers of the application pages."""

from __future__ import annotations

import json

from django import template
from django.urls import reverse

register = template.Library()

_OWN_PAGES = {
    "boundary": "application_boundary",
    "incidents": "application_incidents",
    "attachments": "application_attachments",
}


@register.simple_tag
def section_url(application_pk: int, key: str) -> str:
    if key in _OWN_PAGES:
        return reverse(_OWN_PAGES[key], args=[application_pk])
    return reverse("application_section", args=[application_pk, key])


@register.filter
def outcome_class(outcome: str) -> str:
    return {"pass": "success", "fail": "danger", "judgement": "warning"}.get(
        str(outcome), "secondary"
    )


@register.filter
def pretty(value) -> str:
    """A snapshot value for display: lists and dicts as indented JSON, the rest as text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
