"""The two-factor pages (applications/two_factor.py): set up a TOTP app, and verify a session."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import match_token

from .. import two_factor


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
    return render(request, "registration/two_factor_verify.html", {"form": form})
