"""Throttling of failed sign-ins and failed API tokens that an attacker cannot turn on users.

Two counts, both in the shared cache (Redis in production):

- per client address: at most ``ZCP_LOGIN_FAILURES_PER_CLIENT`` failed logins (and
  ``ZCP_API_TOKEN_FAILURES_PER_CLIENT`` failed API tokens) per ``ZCP_THROTTLE_WINDOW_SECONDS``;
  past that the client is refused until the window ends (429 with Retry-After);
- per account *and* client address: after ``ZCP_LOGIN_DELAY_AFTER`` failures each further attempt
  waits 1 s, 2 s, 4 s … up to ``ZCP_LOGIN_DELAY_MAX_SECONDS`` after the last failure. The pair
  includes the address so that failures from another client never delay the account's owner;
  there is no lock on the account itself. A successful sign-in clears the pair.

The client address is the proxy's report of it (``ZCP_TRUSTED_PROXY_COUNT``, see
``client_address``). Times come from ``time.time()`` and are stored with the counts, so the cache's
own expiry only removes old keys and never decides a wait.

When the cache cannot be reached, sign-in and the API go on without the throttle (a warning is
logged): a lost counter must not lock everyone out.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (RedisError, OSError)
WARNING_INTERVAL_SECONDS = 60  # at most one warning a minute per process while the cache is down
_last_warning: dict[str, float] = {}


def warn_cache_down(what: str, error: Exception) -> None:
    """Log that `what` goes on without its cache, at most once a minute per process and kind."""
    now = time.monotonic()
    if now - _last_warning.get(what, -math.inf) >= WARNING_INTERVAL_SECONDS:
        _last_warning[what] = now
        logger.warning("%s not applied: its cache cannot be reached (%s)", what, error)


def _warn_unthrottled(error: Exception) -> None:
    warn_cache_down("Login/token throttle", error)


# --- who is asking -------------------------------------------------------------------------------


def _valid_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind N trusted proxies
    (``ZCP_TRUSTED_PROXY_COUNT`` = N > 0) the N-th address from the right of X-Forwarded-For, the
    one the outermost trusted proxy saw. Addresses left of it are the client's own claims and are
    never used. A missing, short or malformed header falls back to ``REMOTE_ADDR``."""
    remote = _valid_address(request.META.get("REMOTE_ADDR", "") or "") or "unknown"
    proxies = getattr(settings, "ZCP_TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "") or ""
    hops = [hop.strip() for hop in header.split(",")]
    if len(hops) < proxies:
        return remote
    return _valid_address(hops[-proxies]) or remote


def _digest(text: str) -> str:
    # Keys stay short and free of whatever characters a user name or header may carry.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# --- a refusal -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why and for how long an attempt is refused; ``seconds`` goes to Retry-After."""

    reason: str  # "client" (too many failures from this address) or "account" (the pair's delay)
    seconds: int


# --- per client: a fixed window ------------------------------------------------------------------


def _window_key(kind: str, address: str, now: float) -> tuple[str, float]:
    window = settings.ZCP_THROTTLE_WINDOW_SECONDS
    start = math.floor(now / window) * window
    return f"throttle:{kind}:client:{_digest(address)}:{int(start)}", start + window


def _client_refusal(kind: str, address: str, limit: int) -> Refusal | None:
    now = time.time()
    key, window_end = _window_key(kind, address, now)
    if (cache.get(key) or 0) >= limit:
        return Refusal("client", max(1, math.ceil(window_end - now)))
    return None


def _count_client_failure(kind: str, address: str) -> None:
    now = time.time()
    key, window_end = _window_key(kind, address, now)
    timeout = math.ceil(window_end - now) + 60
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)


# --- per account and client: a doubling delay ----------------------------------------------------


def _pair_keys(username: str, address: str) -> tuple[str, str]:
    pair = _digest(f"{username.strip().casefold()}\n{address}")
    return f"throttle:login:pair:{pair}:count", f"throttle:login:pair:{pair}:last"


def delay_after(failures: int) -> int:
    """Seconds to wait after the pair's latest failure: 0 below the threshold, then 1, 2, 4 …
    up to the cap."""
    after = settings.ZCP_LOGIN_DELAY_AFTER
    if failures < after:
        return 0
    # The exponent is bounded so that a huge count cannot build a huge integer.
    return min(2 ** min(failures - after, 32), settings.ZCP_LOGIN_DELAY_MAX_SECONDS)


def _pair_refusal(username: str, address: str) -> Refusal | None:
    count_key, last_key = _pair_keys(username, address)
    values = cache.get_many([count_key, last_key])
    wait = delay_after(values.get(count_key) or 0)
    if not wait:
        return None
    remaining = (values.get(last_key) or 0) + wait - time.time()
    return Refusal("account", max(1, math.ceil(remaining))) if remaining > 0 else None


# --- the doors -----------------------------------------------------------------------------------


def login_refusal(request: HttpRequest, username: str) -> Refusal | None:
    """Whether this sign-in attempt must be refused before its password is even checked."""
    address = client_address(request)
    try:
        return _client_refusal(
            "login", address, settings.ZCP_LOGIN_FAILURES_PER_CLIENT
        ) or _pair_refusal(username, address)
    except CACHE_ERRORS as error:
        _warn_unthrottled(error)
        return None


def note_login_failure(request: HttpRequest, username: str) -> None:
    address = client_address(request)
    count_key, last_key = _pair_keys(username, address)
    cap = settings.ZCP_LOGIN_DELAY_MAX_SECONDS
    try:
        _count_client_failure("login", address)
        # Kept well past the longest delay; a pair quiet for that long starts again from zero.
        timeout = settings.ZCP_THROTTLE_WINDOW_SECONDS + cap
        cache.add(count_key, 0, timeout=timeout)
        try:
            cache.incr(count_key)
            cache.touch(count_key, timeout=timeout)
        except ValueError:
            cache.set(count_key, 1, timeout=timeout)
        cache.set(last_key, time.time(), timeout=timeout)
    except CACHE_ERRORS as error:
        _warn_unthrottled(error)


def note_login_success(request: HttpRequest, username: str) -> None:
    try:
        cache.delete_many(list(_pair_keys(username, client_address(request))))
    except CACHE_ERRORS as error:
        _warn_unthrottled(error)


def token_refusal(request: HttpRequest) -> Refusal | None:
    """Whether this client has presented too many unknown or revoked API tokens."""
    try:
        return _client_refusal(
            "token", client_address(request), settings.ZCP_API_TOKEN_FAILURES_PER_CLIENT
        )
    except CACHE_ERRORS as error:
        _warn_unthrottled(error)
        return None


def note_token_failure(request: HttpRequest) -> None:
    try:
        _count_client_failure("token", client_address(request))
    except CACHE_ERRORS as error:
        _warn_unthrottled(error)
