"""Site-wide error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .params import BadParameter


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: names the parameter when a parser refused one (Django's own page says nothing)."""
    context = {"parameter": exception if isinstance(exception, BadParameter) else None}
    return render(request, "400.html", context, status=400)
