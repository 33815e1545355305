"""Rate limits per token: a platform that loops cannot starve the others.

The rate is ``settings.ZCP_API_RATE`` (e.g. "120/min"), read on every request so that it can be
changed per deployment (and in tests) without touching REST_FRAMEWORK. Session users are
limited per person, anonymous callers per address.

The counts live in the shared cache (Redis in production). When it cannot be reached the API
serves without the limit rather than failing every call: the API's data lives in PostgreSQL, and
a lost counter must not turn into an outage for every park's platform. The gap is logged.
"""

from __future__ import annotations

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from zcparks.throttle import warn_cache_down

DEFAULT_RATE = "120/min"


def _warn_unlimited(error: Exception) -> None:
    warn_cache_down("API rate limit", error)


class ApiRateThrottle(SimpleRateThrottle):
    scope = "zcp_api"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            _warn_unlimited(error)
            return True

    def get_rate(self) -> str:
        return getattr(settings, "ZCP_API_RATE", DEFAULT_RATE)

    def get_cache_key(self, request, view) -> str:
        # A token (the only authentication that sets request.auth) is limited on its own.
        token = request.auth
        if token is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
