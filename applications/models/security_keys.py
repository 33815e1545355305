"""Security keys (WebAuthn): a second factor beside the TOTP app (applications/two_factor.py).

A django-otp device, so that signing in with a key marks the session verified exactly as the
app's code does (``otp_login``), and ``user.is_verified()`` and the administrator's reset treat
both alike. The key itself never leaves the authenticator: we keep its credential id, its public
key (COSE) and its signature counter, checked with py_webauthn (decision D39).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class SecurityKey(Device):
    # base64url of the credential id the authenticator chose (at most 1023 bytes by the spec).
    credential_id = models.CharField(_("凭据标识"), max_length=1400, unique=True)
    public_key = models.BinaryField(_("公钥"))
    sign_count = models.PositiveBigIntegerField(_("签名计数"), default=0)
    transports = models.JSONField(_("传输方式"), default=list, blank=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("上次使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("安全密钥")
        verbose_name_plural = _("安全密钥")
        ordering = ["created_at", "pk"]

    def verify_token(self, token) -> bool:
        """A key answers a challenge in the browser, never a typed code."""
        return False
