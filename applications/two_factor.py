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

Security keys (WebAuthn, decision D39) are a second factor beside the app: registered on the keys
page, used on the verification page, removed by their owner; one counts exactly as a confirmed
TOTP device does. The browser's side is static/js/security-keys.js; each ceremony's challenge
lives in the session and is used once.

`VerifiedDeviceMiddleware` replaces django-otp's OTPMiddleware so that a verified session does
not read its device on every request (decision D41): the session keeps the device's id together
with the person's `second_factor_generation` at the time the device was last read, and the
device is trusted without reading it while the user row (read on every request anyway, which
also refuses a deactivated person) still carries that number. Every change of a device (saved,
deleted, reset) raises the number in the same transaction, so the next request reads the device
again, and a reset one is refused at once.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .models import Role, SecurityKey, User

REQUIRED_ROLES = (Role.NATIONAL, Role.EXPERT, Role.ADMIN)
RECOVERY_CODES = 10
# Reachable without the second factor: the two-factor pages themselves, signing out, the
# language switch, and what needs no sign-in at all.
OPEN_ROUTES = {
    "two_factor_setup",
    "two_factor_verify",
    "two_factor_keys",
    "two_factor_verify_key",
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
    """A confirmed TOTP app or a registered security key (recovery codes alone are not one)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or SecurityKey.objects.filter(user=user, confirmed=True).exists()
    )


def has_app(user) -> bool:
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


# The session's [device id, person's second-factor generation] when the device was last read.
GENERATION_SESSION_KEY = "zcp_otp_generation"


class VerifiedDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware, reading the verified device only when the person's devices
    changed since this session last read it (see the module's docstring)."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if not user.is_authenticated:
            return user
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if not persistent_id:
            request.session.pop(GENERATION_SESSION_KEY, None)
            return user
        generation = getattr(user, "second_factor_generation", None)
        stamp = [persistent_id, generation]
        if generation is not None and request.session.get(GENERATION_SESSION_KEY) == stamp:
            # Unchanged since it was read and found confirmed and this person's: trusted; read
            # only if something asks for the device itself.
            user.otp_device = SimpleLazyObject(
                lambda: self._device_from_persistent_id(persistent_id)
            )
            return user
        device = self._finalize_device(
            request, user, self._device_from_persistent_id(persistent_id)
        )
        user.otp_device = device
        if device is not None and generation is not None:
            request.session[GENERATION_SESSION_KEY] = stamp
        else:
            request.session.pop(GENERATION_SESSION_KEY, None)
        return user


def device_changed(sender, instance, **kwargs) -> None:
    """A device was saved or deleted: every session of its person reads its device again."""
    user_id = getattr(instance, "user_id", None)
    if user_id is not None:
        User.objects.filter(pk=user_id).update(
            second_factor_generation=F("second_factor_generation") + 1
        )


for _model in (TOTPDevice, StaticDevice, SecurityKey):
    post_save.connect(device_changed, sender=_model, dispatch_uid=f"zcp-2fa-save-{_model.__name__}")
    post_delete.connect(
        device_changed, sender=_model, dispatch_uid=f"zcp-2fa-delete-{_model.__name__}"
    )


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
    SecurityKey.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- security keys (WebAuthn) --------------------------------------------------------------------

REGISTER_CHALLENGE = "zcp_webauthn_register"
SIGN_IN_CHALLENGE = "zcp_webauthn_sign_in"
KEY_NAME_MAX = 64
CEREMONY_TIMEOUT_MS = 120_000


class KeyRefused(Exception):
    """A key's answer that does not hold: the message (Chinese) says why, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def relying_party(request: HttpRequest) -> tuple[str, str]:
    """(RP id, origin). In production both come from ZCP_PUBLIC_BASE_URL, whatever Host header
    a request carries; elsewhere from the request, so that a development server or a test's live
    server on any port works (browsers allow WebAuthn on http://localhost)."""
    if getattr(settings, "PRODUCTION", False):
        base = settings.ZCP_PUBLIC_BASE_URL
    else:
        base = request.build_absolute_uri("/")
    parts = urlsplit(base)
    return parts.hostname or "", f"{parts.scheme}://{parts.netloc}"


def _descriptors(keys) -> list[PublicKeyCredentialDescriptor]:
    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(key.credential_id),
            transports=[AuthenticatorTransport(t) for t in key.transports if t in known] or None,
        )
        for key in keys
    ]


def security_keys(user):
    return SecurityKey.objects.filter(user=user, confirmed=True)


def registration_options(request: HttpRequest) -> str:
    """The options for navigator.credentials.create() as JSON; the challenge is kept in the
    session for the one answer that may follow. The person's keys are excluded (no key twice)."""
    user = request.user
    rp_id, _origin = relying_party(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=_("零碳园区申报评审"),
        user_id=f"zcparks-user-{user.pk}".encode(),
        user_name=user.get_username(),
        user_display_name=getattr(user, "display_name", "") or user.get_username(),
        exclude_credentials=_descriptors(security_keys(user)),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        timeout=CEREMONY_TIMEOUT_MS,
    )
    request.session[REGISTER_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@transaction.atomic
def register_key(request: HttpRequest, name: str, answer: str) -> tuple[SecurityKey, list[str]]:
    """Checks the authenticator's answer against the session's challenge and keeps the key.
    The person's first second factor also gets ten recovery codes (returned, shown once)."""
    user = request.user
    challenge = request.session.pop(REGISTER_CHALLENGE, None)
    name = (name or "").strip()
    if not name:
        raise KeyRefused(_("请填写“密钥名称”，例如“办公室 USB 密钥”。"))
    if len(name) > KEY_NAME_MAX:
        raise KeyRefused(_("“密钥名称”最多 %(max)d 个字。") % {"max": KEY_NAME_MAX})
    if not challenge:
        raise KeyRefused(_("注册请求已过期或已使用，请重新注册安全密钥。"))
    rp_id, origin = relying_party(request)
    try:
        credential = parse_registration_credential_json(answer)
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise KeyRefused(
            _("安全密钥的应答未通过校验（可能已过期或来自其他网站），未注册任何密钥。请重试。")
        ) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if SecurityKey.objects.filter(credential_id=credential_id).exists():
        raise KeyRefused(_("该安全密钥已经注册过。"))
    first = not has_device(user)
    key = SecurityKey.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t.value for t in (credential.response.transports or [])],
    )
    codes = new_recovery_codes(user) if first else []
    return key, codes


def sign_in_options(request: HttpRequest) -> str | None:
    """The options for navigator.credentials.get() as JSON, naming the person's keys; None when
    the person has none. The challenge is kept in the session for one answer."""
    keys = list(security_keys(request.user))
    if not keys:
        return None
    rp_id, _origin = relying_party(request)
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=_descriptors(keys),
        user_verification=UserVerificationRequirement.PREFERRED,
        timeout=CEREMONY_TIMEOUT_MS,
    )
    request.session[SIGN_IN_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@transaction.atomic
def check_key(request: HttpRequest, answer: str) -> SecurityKey:
    """The key's signature over the session's challenge, by one of the person's own keys, with
    a signature counter that moved on (a cloned key is refused). Returns the key used."""
    challenge = request.session.pop(SIGN_IN_CHALLENGE, None)
    if not challenge:
        raise KeyRefused(_("验证请求已过期或已使用，请重新使用安全密钥验证。"))
    refused = _("安全密钥验证未通过：该密钥未在您的账号下注册、已被移除，或应答无效。")
    try:
        credential = parse_authentication_credential_json(answer)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise KeyRefused(refused) from None
    key = (
        SecurityKey.objects.select_for_update()
        .filter(
            user=request.user,
            confirmed=True,
            credential_id=bytes_to_base64url(credential.raw_id),
        )
        .first()
    )
    if key is None:
        raise KeyRefused(refused)
    rp_id, origin = relying_party(request)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise KeyRefused(refused) from None
    key.sign_count = verified.new_sign_count
    key.last_used_at = timezone.now()
    key.save(update_fields=["sign_count", "last_used_at"])
    return key


@transaction.atomic
def remove_key(user, key_id: int) -> SecurityKey:
    """The owner removes a key. Someone whose role needs a second factor keeps at least one."""
    key = SecurityKey.objects.select_for_update().filter(user=user, pk=key_id).first()
    if key is None:
        raise KeyRefused(_("没有找到该安全密钥，可能已被移除。"))
    others = has_app(user) or security_keys(user).exclude(pk=key.pk).exists()
    if required_for(user) and not others:
        raise KeyRefused(
            _(
                "这是您唯一的第二验证方式，您的角色必须保留一种：请先注册另一把密钥或设置验证器应用。"
            )
        )
    key.delete()
    return key
