"""Rendered pages kept in the shared cache, never older than the data (decision D42).

A global *data generation* lives in the cache. Every database connection of every process (web,
Celery worker, management command, admin) carries an execute wrapper that notices a statement
which may write (anything but a read, a savepoint or a session setting; writes to the session
table alone excepted) and raises the generation once the transaction that wrote has committed
(`on_commit`; at once under autocommit). So a service, a task, a `queryset.update()`, a bulk
operation or the admin all make every cached page stale at their commit.

`cached_page` keeps a view's 200 HTML answer under a key made of the generation, the person
(their id: two people never share an entry), whether their second factor is verified, the
language, the host and scheme, the full path with its query, and the current minute (what depends
on the clock, such as a deadline passing, is at most a minute late). A page is neither read from
nor written to the cache while messages wait to be shown. The CSRF token of the forms in the page
is taken out before the page is stored and the requesting session's own token put in when it is
served; the Content-Security-Policy has no nonce (script-src 'self'), and its header, like every
other middleware's, is set on each answer anew.

The signed-in person's user row is kept the same way (decision D51, applications/signin.py): under
the data generation, read together with it in one round trip, so that a page served from the
cache costs no query at all; a password change, a deactivation or a device change is a committed
write, which raises the generation, so the next request reads the row again and refuses.

On only when the cache is shared by all processes (settings.ZCP_PAGE_CACHE: Redis); with a
per-process cache one worker could not see another's writes. If the cache fails, pages are made
as if there were none.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

log = logging.getLogger(__name__)

GENERATION_KEY = "zcp:data-generation"
TIMEOUT = 120  # seconds; entries are keyed by the minute, so they are useless after it anyway
CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
CSRF_PLACEHOLDER = b"\x00zcp-csrf\x00"
# Statements that never change data; anything else counts as a write.
_READING = frozenset(
    {"select", "savepoint", "release", "show", "set", "explain", "begin", "start", "fetch"}
)
_SESSION_WRITE = re.compile(r'^\s*(?:insert\s+into|update|delete\s+from)\s+"django_session"', re.I)


# --- the data generation --------------------------------------------------------------------------


def generation() -> int | None:
    """The current data generation, or None when the cache cannot be asked."""
    try:
        value = cache.get(GENERATION_KEY)
        if value is None:
            # A random start: a generation lost from the cache (evicted, flushed) never comes
            # back as a number that pages were stored under.
            cache.add(GENERATION_KEY, secrets.randbits(60), timeout=None)
            value = cache.get(GENERATION_KEY)
        return value
    except Exception:
        log.warning("page cache: the data generation could not be read", exc_info=True)
        return None


def generation_and(key: str) -> tuple[int | None, object]:
    """The data generation and one entry stored under it, in one round trip to the cache:
    (generation, entry or None); (None, None) when the cache cannot be asked."""
    try:
        found = cache.get_many([GENERATION_KEY, key])
    except Exception:
        log.warning("page cache: the data generation could not be read", exc_info=True)
        return None, None
    value = found.get(GENERATION_KEY)
    if value is None:
        return generation(), None
    return value, found.get(key)


def bump() -> None:
    """Data changed: every page stored so far is stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not in the cache (yet, or any more)
        try:
            cache.add(GENERATION_KEY, secrets.randbits(60), timeout=None)
        except Exception:
            log.error("page cache: the data generation could not be raised", exc_info=True)
    except Exception:
        log.error("page cache: the data generation could not be raised", exc_info=True)


def writes(sql: str) -> bool:
    words = sql.lstrip(" \t\n(").split(None, 1)
    if not words or words[0].lower() in _READING:
        return False
    return not _SESSION_WRITE.match(sql)


class _Pending:
    """The generation to raise once a transaction commits. Registered once per atomic block that
    writes (several registrations of one transaction, from its savepoints, raise it once)."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            bump()


def _after_commit(connection) -> None:
    """Raise the generation when what this connection wrote is committed."""
    if not connection.in_atomic_block:
        bump()  # autocommit: already committed (manual transactions: none in this project)
        return
    pending = getattr(connection, "_zcp_pending", None)
    if pending is None or pending.done:
        pending = connection._zcp_pending = _Pending()
    hooks = connection.run_on_commit
    # Registered already by this same block (the latest hook, with the same savepoints): a
    # savepoint rolled back takes its hooks with it, so a write after that registers again.
    if hooks and hooks[-1][1] is pending and hooks[-1][0] == set(connection.savepoint_ids):
        return
    connection.on_commit(pending, robust=True)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if writes(sql if isinstance(sql, str) else str(sql)):
        _after_commit(context["connection"])
    return result


def _install(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch every database connection made from now on, and those already open."""
    from django.db import connections

    connection_created.connect(_install, dispatch_uid="zcp-page-cache-watch")
    for connection in connections.all(initialized_only=True):
        _install(None, connection)


# --- the pages ------------------------------------------------------------------------------------


def _has_messages(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def page_key(request: HttpRequest, view_name: str, data_generation: int) -> str:
    user = request.user
    verified = getattr(user, "is_verified", None)
    parts = (
        view_name,
        str(data_generation),
        str(user.pk),
        "1" if verified and verified() else "0",
        getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        str(int(time.time() // 60)),
    )
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"zcp:page:{digest}"


def enabled() -> bool:
    return bool(getattr(settings, "ZCP_PAGE_CACHE", False))


def cached_page(view):
    """Serve the view's page from the cache while no data changed (see the module's docstring).
    Put it under the view's access checks' decorators (login_required): the view itself, which
    checks the object's permission, runs whenever the page is not in the cache, and the key is
    the person's own."""
    view_name = f"{view.__module__}.{view.__qualname__}"

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if (
            not enabled()
            or request.method != "GET"
            or not request.user.is_authenticated
            or _has_messages(request)
        ):
            return view(request, *args, **kwargs)
        # The generation the signed-in person was read under, in this request (D51), or now.
        data_generation = getattr(request.user, "zcp_data_generation", None) or generation()
        if data_generation is None:
            return view(request, *args, **kwargs)
        key = page_key(request, view_name, data_generation)
        try:
            entry = cache.get(key)
        except Exception:
            log.warning("page cache: read failed", exc_info=True)
            entry = None
        if entry is not None:
            return _from_entry(request, entry)
        response = view(request, *args, **kwargs)
        entry = _entry(response)
        if entry is not None:
            try:
                cache.set(key, entry, TIMEOUT)
            except Exception:
                log.warning("page cache: write failed", exc_info=True)
        return response

    return wrapper


def _entry(response: HttpResponse) -> dict | None:
    if getattr(response, "streaming", False) or response.status_code != 200 or response.cookies:
        return None
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    return {
        "content": CSRF_FIELD.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content),
        "headers": [(k, v) for k, v in response.items() if k.lower() != "set-cookie"],
    }


def _from_entry(request: HttpRequest, entry: dict) -> HttpResponse:
    content = entry["content"]
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for header, value in entry["headers"]:
        response[header] = value
    return response
