"""Issuing, finding and revoking API tokens: the one door for all three.

A token reads ``zcp_<secret>``; the secret is ``secrets.token_urlsafe(32)`` (256 random bits).
Only its SHA-256 is stored, with the first characters in clear as a lookup prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.kernel import scope
from applications.models import ApiToken, Park, User
from applications.models.api import TOKEN_PREFIX_LENGTH

TOKEN_SCHEME = "zcp_"  # noqa: S105 - the visible start of every token, not a secret
# Writing last_used_at on every request would turn every read into a write; a minute is precise
# enough to tell a live platform from an abandoned token.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


class TokenLimitReached(Exception):
    """The park already holds ``settings.ZCP_API_TOKENS_PER_PARK`` active tokens."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            _("每个园区最多可同时持有 %(limit)s 个有效令牌；请先撤销不再使用的令牌，再创建新令牌。")
            % {"limit": limit}
        )


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(user: User, park: Park, name: str) -> IssuedToken:
    """A new token for the park; only the park's own applicants may create one, and only while
    the park holds fewer than ``settings.ZCP_API_TOKENS_PER_PARK`` active tokens (revoking one
    frees its place)."""
    if not scope.can_edit_park_data(user, park):
        raise PermissionDenied
    limit = settings.ZCP_API_TOKENS_PER_PARK
    with transaction.atomic():
        # The park's row is locked so that two creations at once cannot both take the last place.
        Park.objects.select_for_update().filter(pk=park.pk).first()
        if ApiToken.objects.active().filter(park=park).count() >= limit:
            raise TokenLimitReached(limit)
        secret = secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            park=park,
            created_by=user,
            name=name.strip()[:100],
            prefix=secret[:TOKEN_PREFIX_LENGTH],
            key_hash=hash_secret(secret),
        )
    return IssuedToken(token, TOKEN_SCHEME + secret)


def revoke_token(user: User, token: ApiToken) -> None:
    if not scope.can_edit_park_data(user, token.park):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = user
        token.save(update_fields=["revoked_at", "revoked_by"])


def tokens_of(park: Park) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(park=park).select_related("created_by", "revoked_by")


def find_token(presented: str) -> ApiToken | None:
    """The active token whose secret this is, with its park and creator; None otherwise."""
    if not presented.startswith(TOKEN_SCHEME):
        return None
    secret = presented[len(TOKEN_SCHEME) :]
    if len(secret) < TOKEN_PREFIX_LENGTH or len(secret) > 100:
        return None
    digest = hash_secret(secret)
    candidates = (
        ApiToken.objects.active()
        .select_related("park__province", "created_by")
        .filter(prefix=secret[:TOKEN_PREFIX_LENGTH])
    )
    for token in candidates:
        if hmac.compare_digest(token.key_hash, digest):
            return token
    return None


def note_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
