"""Rate limits per token: a platform that loops cannot starve the others.

The rate is ``settings.ZCP_API_RATE`` (e.g. "120/min"), read on every request so that it can be
changed per deployment (and in tests) without touching REST_FRAMEWORK. Session users are
limited per person, anonymous callers per address.
"""
from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from applications.api.authentication import request_token

DEFAULT_RATE = "120/min"


class ApiRateThrottle(SimpleRateThrottle):
    scope = "zcp_api"

    def get_rate(self) -> str:
        return getattr(settings, "ZCP_API_RATE", DEFAULT_RATE)

    def get_cache_key(self, request, view) -> str:
        token = request_token(request)
        if token is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
