"""Who is calling: a park platform with its token, or a signed-in person with the session.

``Authorization: Bearer zcp_…`` (``Token zcp_…`` is accepted too). A token acts as the applicant
who created it, for that park only, and stops working when it is revoked, when that person is
deactivated or when they no longer belong to the park. National and provincial staff use the
API with their browser session (read-only for them anyway); tokens are only for parks.
"""

from __future__ import annotations

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request

from applications.kernel import scope, tokens
from applications.models import ApiToken, User
from zcparks import logs, throttle

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _space, presented = header.strip().partition(" ")
        if keyword.lower() not in KEYWORDS:
            return None
        # A client that keeps presenting wrong tokens is stopped before any lookup.
        refusal = throttle.token_refusal(request)
        if refusal is not None:
            raise too_many_failures(refusal)
        presented = presented.strip()
        if not presented or " " in presented:
            throttle.note_token_failure(request)
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为“Bearer <令牌>”。"))
        token = tokens.find_token(presented)
        if token is None:
            throttle.note_token_failure(request)
            raise exceptions.AuthenticationFailed(_("令牌无效或已撤销。"))
        user = token.created_by
        if not scope.can_edit_park_data(user, token.park):
            raise exceptions.AuthenticationFailed(_("令牌的创建人已不属于该园区或已停用。"))
        tokens.note_use(token)
        logs.note_user(user)  # DRF authenticates inside the view, after the middleware looked
        return user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403 when credentials are missing.
        return 'Bearer realm="api"'


def too_many_failures(refusal: throttle.Refusal) -> exceptions.Throttled:
    """429 with Retry-After, in the API's error shape (code "throttled")."""
    error = exceptions.Throttled(wait=refusal.seconds)
    error.detail = ErrorDetail(
        gettext_now("从您的地址提交的无效令牌过多，请在 %(seconds)s 秒后再试。")
        % {"seconds": refusal.seconds},
        code="throttled",
    )
    return error


def request_token(request: Request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "applications.kernel.authentication.ApiTokenAuthentication"
    name = "parkToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _("园区申报人在“API 令牌”页面创建的令牌，形如 zcp_…，只对该园区有效。")
            ),
        }
