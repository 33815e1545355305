"""Signing in under the throttle of zcparks/throttle.py.

The check sits in the authentication backend, the one place every password check passes (the
login page, the admin's login, anything calling ``authenticate`` with a request): a refused
attempt is not even checked, a failure is counted, a success clears the account's delay from
that client. The forms only turn a refusal into its message.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zcparks import page_cache, throttle

if TYPE_CHECKING:
    from .models import User

log = logging.getLogger(__name__)


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # not a sign-in from outside (a command, a test's client.login)
            return super().authenticate(request, username, password, **kwargs)
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        name = str(username or "")
        refusal = throttle.login_refusal(request, name)
        if refusal is not None:
            request.login_refusal = refusal
            # Stops authenticate() here: no later backend checks the password either.
            raise PermissionDenied
        user = super().authenticate(request, username, password, **kwargs)
        if user is not None:
            throttle.note_login_success(request, name)
        elif username and password:
            throttle.note_login_failure(request, name)
        return user

    def get_user(self, user_id: int | str) -> User | None:
        """The signed-in person of a request: from the cache while no write has committed since
        it was read (decision D51), else the row (which also refuses a deactivated person)."""
        if not page_cache.enabled():
            return super().get_user(user_id)
        key = f"zcp:user:{user_id}"
        data_generation, entry = page_cache.generation_and(key)
        if data_generation is None:
            return super().get_user(user_id)
        if entry is not None and entry[0] == data_generation:
            user = entry[1]
        else:
            user = super().get_user(user_id)
            if user is None:
                return None
            try:
                cache.set(key, (data_generation, user), page_cache.TIMEOUT)
            except Exception:
                log.warning("user cache: write failed", exc_info=True)
        # The page cache keys this request's pages under the same generation.
        user.zcp_data_generation = data_generation
        return user


def refusal_message(refusal: throttle.Refusal) -> str:
    until = timezone.localtime(timezone.now() + timedelta(seconds=refusal.seconds))
    values = {"time": until.strftime("%H:%M:%S"), "seconds": refusal.seconds}
    if refusal.reason == "client":
        return (
            _("从您所在网络地址登录失败的次数过多，请于 %(time)s 之后（%(seconds)s 秒后）再试。")
            % values
        )
    return (
        _(
            "该账号从您这里连续登录失败，请于 %(time)s 之后（%(seconds)s 秒后）再试；"
            "其他地点的登录不受影响。"
        )
        % values
    )


def request_refusal(request: HttpRequest | None) -> throttle.Refusal | None:
    return getattr(request, "login_refusal", None)


class _RefusalMessage:
    """Shows the throttle's message, naming when to try again, instead of "wrong password"."""

    request: HttpRequest | None

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            refusal = request_refusal(self.request)
            if refusal is not None:
                raise ValidationError(refusal_message(refusal), code="throttled") from None
            raise


class ThrottledAuthenticationForm(_RefusalMessage, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(_RefusalMessage, AdminAuthenticationForm):
    pass
