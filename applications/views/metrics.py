"""/metrics for Prometheus: only from the addresses in ZCP_METRICS_ALLOWED_IPS, a 404 for
everyone else (the route is not shown to exist)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from zcparks import metrics

from ..metrics import QueueCollector


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    # The address first: to anyone else, not even a 405 says the route exists.
    if not metrics.scrape_allowed(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(metrics.exposition([QueueCollector()]), content_type=CONTENT_TYPE_LATEST)
