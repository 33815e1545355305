"""/health/ for monitors: JSON, no login, 200 when every check passes and 503 otherwise."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import health


@never_cache
@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    # Public on purpose (a monitor has no account): the answer holds statuses, counts and
    # timings only, nothing about any park or person and no server address.
    answer = health.run_checks()
    return JsonResponse(answer, status=200 if answer["status"] == health.OK else 503)
