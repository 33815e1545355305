"""Template helpers shared by every page."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django import template
from django.conf import settings
from django.templatetags.static import static

from zcparks import numbers

register = template.Library()


@cache
def _vendor_versions() -> dict[str, str]:
    path = Path(settings.BASE_DIR) / "static" / "vendor" / "versions.json"
    return json.loads(path.read_text(encoding="utf-8"))


@register.simple_tag
def vendor(library: str, file: str) -> str:
    """URL of a vendored front-end file, so that templates do not repeat version numbers."""
    return static(f"{_vendor_versions()[library]}/{file}")


# The one number format (zcparks/numbers.py) for templates: {{ value|share }}, {{ value|tonnes }}.
register.filter("intensity", numbers.intensity)
register.filter("share", numbers.share)
register.filter("percent", numbers.percent)
register.filter("tonnes", numbers.tonnes)
register.filter("money", numbers.money)
register.filter("quantity", numbers.quantity)
register.filter("factor", numbers.factor)
register.filter("factor_full", numbers.factor_full)
