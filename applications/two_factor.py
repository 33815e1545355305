"""Two-factor sign-in (django-otp): a TOTP app on the phone, and ten single-use recovery codes.

Required for national reviewers, experts and administrators (and any superuser) when
settings.ZCP_TWO_FACTOR_REQUIRED is on: always in production; in development only when
ZCP_TWO_FACTOR_REQUIRED=1, so that the demo logins printed by `dev.py run` keep working with a
password alone (decision D23 in accounting/method/DECISIONS.md). Optional for everyone else
(the set-up page is open to every signed-in person).

`SecondFactorRequired` (after django-otp's OTPMiddleware) sends a person who must have a second
factor and has not used one in this session to the set-up page (no device yet) or the
verification page, from every page but those two, signing out and the public pages. An
administrator resets a person's devices from the user list (applications/admin.py).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role

REQUIRED_ROLES = (Role.NATIONAL, Role.EXPERT, Role.ADMIN)
RECOVERY_CODES = 10
# Reachable without the second factor: the two-factor pages themselves, signing out, the
# language switch, and what needs no sign-in at all.
OPEN_ROUTES = {
    "two_factor_setup",
    "two_factor_verify",
    "logout",
    "set_language",
    "login",
    "letter_verify",
    "health",
    "metrics",
    "favicon",
}


def required_for(user) -> bool:
    return bool(
        getattr(settings, "ZCP_TWO_FACTOR_REQUIRED", False)
        and user.is_authenticated
        and (user.is_superuser or getattr(user, "role", None) in REQUIRED_ROLES)
    )


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("home")


class SecondFactorRequired:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not required_for(user) or is_verified(request):
            return None
        match = getattr(request, "resolver_match", None)
        name = match.url_name if match else None
        if name in OPEN_ROUTES and not (match and match.namespace == "admin"):
            return None
        target = "two_factor_verify" if has_device(user) else "two_factor_setup"
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return HttpResponseRedirect(reverse(target) + (f"?{query}" if query else ""))


# --- devices -------------------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The unconfirmed TOTP device being set up (made on first sight, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def confirm(user, device: TOTPDevice) -> list[str]:
    """The code matched: the device becomes the person's one TOTP device, and ten new recovery
    codes (returned once, to be shown once) replace any earlier ones."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user)


def new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def reset(user) -> None:
    """An administrator's reset: the person sets up a new device at the next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
