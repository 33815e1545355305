"""The two-factor pages (applications/two_factor.py): set up a TOTP app or security keys, and
verify a session with either."""

from __future__ import annotations

import json

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from .. import two_factor


def _options(text: str | None) -> dict | None:
    """The ceremony's options as data for json_script (read by static/js/security-keys.js)."""
    return json.loads(text) if text else None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=16,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), enter the app's code: the device is confirmed, the
    session verified, and the recovery codes are shown once."""
    user = request.user
    if two_factor.has_device(user) and not two_factor.is_verified(request):
        return redirect("two_factor_verify")
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = two_factor.confirm(user, device)
            otp_login(request, device)
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "next": two_factor.safe_next(request, form.cleaned_data["next"])},
            )
        form.add_error("code", _("验证码不正确或已过期，请输入验证器应用中当前显示的 6 位数字。"))
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - our own SVG
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "has_device": two_factor.has_device(user),
            "required": two_factor.required_for(user),
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code of the app, or one recovery code (used up)."""
    if not two_factor.has_device(request.user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            if device.__class__.__name__ == "StaticDevice":
                messages.warning(request, _("已使用一个恢复码；每个恢复码只能使用一次。"))
            return redirect(two_factor.safe_next(request, form.cleaned_data["next"]))
        form.add_error("code", _("验证码不正确或已过期；也可以输入一个恢复码。"))
    return render(
        request,
        "registration/two_factor_verify.html",
        {
            "form": form,
            "has_app": two_factor.has_app(request.user),
            "key_options": _options(two_factor.sign_in_options(request)),
            "next": form["next"].value() or "",
        },
    )


@require_POST
@login_required
def verify_key(request: HttpRequest) -> HttpResponse:
    """The security key's answer to the verification page's challenge."""
    next_url = request.POST.get("next", "")[:2000]
    try:
        device = two_factor.check_key(request, request.POST.get("assertion", "")[:20000])
    except two_factor.KeyRefused as refusal:
        messages.error(request, refusal.message)
        query = urlencode({"next": next_url}) if next_url else ""
        return redirect(reverse("two_factor_verify") + (f"?{query}" if query else ""))
    otp_login(request, device)
    return redirect(two_factor.safe_next(request, next_url))


class KeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("密钥名称"),
        max_length=two_factor.KEY_NAME_MAX,
        strip=True,
        required=False,  # register_key names the missing field in its own message
        help_text=gettext_lazy("便于日后辨认，例如“办公室 USB 密钥”或“笔记本指纹”。"),
    )
    credential = forms.CharField(required=False, max_length=20000, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


def _to_verify(request: HttpRequest, back: str) -> HttpResponse:
    return redirect(reverse("two_factor_verify") + "?" + urlencode({"next": back}))


@login_required
def keys(request: HttpRequest) -> HttpResponse:
    """The person's security keys: register one (the browser asks the key, security-keys.js
    posts its answer), see when each was last used, remove one. Someone who already has a
    second factor must have used it in this session first."""
    user = request.user
    if two_factor.has_device(user) and not two_factor.is_verified(request):
        return _to_verify(request, request.get_full_path())
    form = KeyForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        answer = form.cleaned_data["credential"]
        if not form.cleaned_data["name"]:
            form.add_error("name", _("请填写“密钥名称”，例如“办公室 USB 密钥”。"))
        elif not answer:
            form.add_error(
                None, _("浏览器没有返回安全密钥的应答：请插入或启用密钥后点击“注册安全密钥”。")
            )
        else:
            try:
                key, codes = two_factor.register_key(request, form.cleaned_data["name"], answer)
            except two_factor.KeyRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                if not two_factor.is_verified(request):
                    otp_login(request, key)
                if codes:
                    return render(
                        request,
                        "registration/two_factor_codes.html",
                        {
                            "codes": codes,
                            "next": two_factor.safe_next(request, form.cleaned_data["next"]),
                        },
                    )
                messages.success(
                    request,
                    _("安全密钥“%(name)s”已注册；下次登录时可用它完成两步验证。")
                    % {"name": key.name},
                )
                return redirect("two_factor_keys")
    return render(
        request,
        "registration/security_keys.html",
        {
            "form": form,
            "keys": two_factor.security_keys(user),
            "options": _options(two_factor.registration_options(request)),
            "required": two_factor.required_for(user),
        },
    )


@require_POST
@login_required
def remove_key(request: HttpRequest, key_id: int) -> HttpResponse:
    """Removing a key asks first (confirm.js, or this page without script)."""
    if not two_factor.is_verified(request):
        return _to_verify(request, reverse("two_factor_keys"))
    key = two_factor.security_keys(request.user).filter(pk=key_id).first()
    if request.POST.get("confirmed_act") != "1" and key is not None:
        return render(request, "registration/security_key_remove_confirm.html", {"key": key})
    try:
        removed = two_factor.remove_key(request.user, key_id)
    except two_factor.KeyRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("安全密钥“%(name)s”已移除，不能再用它登录；如需再用，请重新注册。")
            % {"name": removed.name},
        )
    return redirect("two_factor_keys")
