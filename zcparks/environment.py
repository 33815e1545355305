"""Every variable read from the environment, declared once: name, parser, default, description.

`zcparks/settings.py` reads the application's variables only through `read_all`, which parses
every one of them at start-up, on every branch: a mistyped value (`ZCP_PRODUCTION=yes-please`,
`EMAIL_PORT=25a`) stops the start with an ImproperlyConfigured that names the variable, rather
than turning into False, 0 or a crash at the first e-mail. An empty value counts as unset.

`TOOLING` declares the variables of `dev.py` and the test suite, which read them themselves
(dev.py runs before the virtualenv exists). The README's "Environment variables" table lists
exactly these variables with these descriptions (tests/test_environment.py holds it so).

Standard library and Django's ImproperlyConfigured only: no app is imported here.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

MIB = 1024 * 1024
DEV_SECRET_KEY = "dev-only-insecure-key-zcparks-not-for-production-use-0123456789"  # noqa: S105
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
RATE = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)")


class Invalid(ValueError):
    """A value its parser refuses; the message says what is expected."""


# --- parsers: the raw text (never empty) in, the value out, or Invalid --------------------------


def text(raw: str) -> str:
    return raw.strip()


def boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Invalid(f"a boolean is expected: {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)}")


def whole_number(raw: str) -> int:
    digits = raw.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise Invalid("a whole number, 0 or more, is expected")
    return int(digits)


def positive_number(raw: str) -> int:
    digits = raw.strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:
        raise Invalid("a whole number, 1 or more, is expected")
    return int(digits)


def seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise Invalid("a number of seconds is expected, e.g. 3 or 0.5") from None
    if not math.isfinite(value) or value < 0:
        raise Invalid("a number of seconds, 0 or more, is expected")
    return value


def comma_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def address_list(raw: str) -> list[str]:
    items = comma_list(raw)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise Invalid(
                f"{item!r} is not an IP address or network; e.g. 127.0.0.1,::1,10.0.0.0/24"
            ) from None
    return items


def log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise Invalid(f"one of {', '.join(LOG_LEVELS)} is expected")
    return level


def rate(raw: str) -> str:
    value = raw.strip()
    if not RATE.fullmatch(value):
        raise Invalid('a rate such as "120/min", "5000/hour" or "10/s" is expected')
    return value


# --- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    name: str
    parse: Callable[[str], Any]
    # The value when unset or empty; a callable gets the values declared above it (e.g. a
    # default that differs in production).
    default: Any
    description: str  # one line, as in the README's table


def _production(values: Mapping[str, Any]) -> bool:
    return values["ZCP_PRODUCTION"]


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "ZCP_PRODUCTION",
        boolean,
        False,
        "production mode (`1`): DEBUG off, secret key, allowed hosts and public address "
        "required (start-up names a missing or unsafe one), secure cookies, hashed static "
        "files",
    ),
    Variable(
        "DATABASE_URL",
        text,
        None,
        "database (default: SQLite `db.sqlite3`); e.g. `postgres://user@host:5432/zcparks`",
    ),
    Variable(
        "DATABASE_CONN_MAX_AGE",
        whole_number,
        0,
        "seconds a database connection is kept between requests (default 0: a new one per request)",
    ),
    Variable(
        "CELERY_BROKER_URL",
        text,
        "",
        "Celery broker, e.g. `redis://127.0.0.1:6379/0`; unset means tasks run inline",
    ),
    Variable(
        "CELERY_TASK_EAGER_PROPAGATES",
        boolean,
        False,
        "with no broker (tasks inline), an exception in a task reaches the caller (default off)",
    ),
    Variable(
        "DJANGO_SECRET_KEY",
        text,
        lambda v: "" if _production(v) else DEV_SECRET_KEY,
        "secret key; required when `ZCP_PRODUCTION=1`",
    ),
    Variable(
        "DJANGO_ALLOWED_HOSTS",
        comma_list,
        lambda v: [] if _production(v) else ["127.0.0.1", "localhost", "testserver"],
        "host names the site answers to, comma-separated; required in production (not "
        "`*`), and must cover the host of `ZCP_PUBLIC_BASE_URL`",
    ),
    Variable(
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        comma_list,
        [],
        "extra origins allowed to POST forms, comma-separated (only when the site is reached "
        "under another origin)",
    ),
    Variable(
        "DJANGO_DEBUG",
        boolean,
        lambda v: not _production(v),
        "Django's debug pages (default on in development, off in production, where it is refused)",
    ),
    Variable(
        "ZCP_PUBLIC_BASE_URL",
        text,
        lambda v: "" if _production(v) else "http://127.0.0.1:8000",
        "the site's public address (scheme and host only) in letters' QR codes and e-mail "
        "links; required and `https://` in production (default `http://127.0.0.1:8000`)",
    ),
    Variable(
        "EMAIL_BACKEND",
        text,
        lambda v: (
            "django.core.mail.backends.smtp.EmailBackend"
            if _production(v)
            else "django.core.mail.backends.console.EmailBackend"
        ),
        "Django's mail backend (default: SMTP in production, the console in development)",
    ),
    Variable("EMAIL_HOST", text, "localhost", "SMTP server (default `localhost`)"),
    Variable("EMAIL_PORT", positive_number, 25, "SMTP port (default 25)"),
    Variable("EMAIL_HOST_USER", text, "", "SMTP user name (default none)"),
    Variable("EMAIL_HOST_PASSWORD", text, "", "SMTP password (default none)"),
    Variable(
        "EMAIL_USE_TLS",
        boolean,
        False,
        "STARTTLS, usually on port 587 (default off); not together with `EMAIL_USE_SSL`",
    ),
    Variable(
        "EMAIL_USE_SSL",
        boolean,
        False,
        "TLS from the start, usually on port 465 (default off); not together with `EMAIL_USE_TLS`",
    ),
    Variable(
        "EMAIL_TIMEOUT",
        positive_number,
        30,
        "seconds before an unanswering mail server fails a sending, which the outbox "
        "retries (default 30)",
    ),
    Variable(
        "DEFAULT_FROM_EMAIL",
        text,
        "zcparks@localhost",
        "sender of notifications (default `zcparks@localhost`)",
    ),
    Variable(
        "ZCP_CACHE_URL",
        text,
        "",
        "Redis cache (API rate limit, login and API-token throttle); unset: in production "
        "the broker's Redis one database up (`/0` → `/1`), in development per process",
    ),
    Variable(
        "ZCP_EFFECT_RETRY_SECONDS",
        positive_number,
        300,
        "seconds after which a letter rendering or e-mail handed to the broker but not "
        "done is taken as lost and sent again by the sweep (default 300)",
    ),
    Variable(
        "ZCP_HEALTH_TIMEOUT_SECONDS",
        seconds,
        3.0,
        "seconds Redis and a Celery worker's ping have to answer `/health/` (default 3)",
    ),
    Variable(
        "ZCP_HEALTH_PENDING_MINUTES",
        positive_number,
        15,
        "`/health/` fails when letters, e-mails or recalculations have waited longer than "
        "this (default 15)",
    ),
    Variable(
        "ZCP_METRICS_ALLOWED_IPS",
        address_list,
        ["127.0.0.1", "::1"],
        "addresses (or networks) that may read `/metrics`, comma-separated; any other gets "
        "a 404 (default `127.0.0.1,::1`)",
    ),
    Variable(
        "PROMETHEUS_MULTIPROC_DIR",
        text,
        "",
        "folder where each gunicorn and Celery process writes its metrics for `/metrics` "
        "to add up (set by the web and worker units: `/run/zcparks-metrics`); unset: each "
        "process answers for itself",
    ),
    Variable(
        "ZCP_PRIVATE_STORAGE_ROOT",
        text,
        None,
        "folder of evidence, imports, letters and dossiers, served only through "
        "access-checked views (default `var/private`)",
    ),
    Variable(
        "ZCP_S3_BUCKET",
        text,
        "",
        "bucket of an S3-compatible object store that then holds evidence, imports, letters "
        "and dossiers instead of `ZCP_PRIVATE_STORAGE_ROOT`, so that every node serves every "
        "file (default none: the local folder)",
    ),
    Variable(
        "ZCP_S3_ENDPOINT_URL",
        text,
        "",
        "address of the S3-compatible store, e.g. `https://s3.example.internal:9000` "
        "(default none: the AWS endpoint of `ZCP_S3_REGION`)",
    ),
    Variable(
        "ZCP_S3_REGION",
        text,
        "",
        "region of the bucket, e.g. `cn-north-1` (default none: the store's own)",
    ),
    Variable(
        "ZCP_S3_ACCESS_KEY_ID",
        text,
        "",
        "access key of the object store (default none: the machine's own credentials)",
    ),
    Variable(
        "ZCP_S3_SECRET_ACCESS_KEY", text, "", "secret key that goes with `ZCP_S3_ACCESS_KEY_ID`"
    ),
    Variable(
        "ZCP_TWO_FACTOR_REQUIRED",
        boolean,
        False,
        "national reviewers, experts and administrators must sign in with a second factor "
        "(TOTP app or recovery code); always on in production, whatever this says; in "
        "development off unless set (default off), so the demo logins need a password only",
    ),
    Variable(
        "ZCP_MAX_ATTACHMENT_BYTES",
        positive_number,
        20 * MIB,
        "largest evidence attachment in bytes (default 20971520, 20 MiB)",
    ),
    Variable(
        "ZCP_MAX_IMPORT_BYTES",
        positive_number,
        20 * MIB,
        "largest energy-data import file (XLSX, CSV ZIP, zcp-case/1) in bytes (default "
        "20971520, 20 MiB); what the file unpacks to is bounded separately "
        "(`zcparks/untrusted.py`)",
    ),
    Variable(
        "ZCP_MAX_REQUEST_BYTES",
        positive_number,
        lambda v: max(v["ZCP_MAX_ATTACHMENT_BYTES"], v["ZCP_MAX_IMPORT_BYTES"]) + MIB,
        "largest request body in bytes; a request declaring more (Content-Length) is "
        "answered 413 before it is read (default: the larger of `ZCP_MAX_ATTACHMENT_BYTES` "
        "and `ZCP_MAX_IMPORT_BYTES`, 20 MiB each, plus 1 MiB for the form)",
    ),
    Variable(
        "ZCP_MAP_TILE_URL",
        text,
        "",
        "map tiles under the boundary map, e.g. `https://tiles.example/{z}/{x}/{y}.png` "
        "(its host must be allowed in the CSP's img-src); default none: the offline "
        "province, city and county outlines and a graticule only",
    ),
    Variable(
        "ZCP_SIGNING_DIR",
        text,
        None,
        "folder of the issuing bodies' signing keys and certificates (`ndrc.key`/`.crt`, "
        "`drc-<province code>.key`/`.crt`, trust root `ca.crt`) that seal every letter; "
        "default `var/signing` in development (filled by `manage.py make_demo_seals`, which "
        "`load_demo` runs), none in production, where a body without its key gets no letter "
        "(生成失败, retry once the key is there)",
    ),
    Variable(
        "ZCP_LOG_JSON",
        boolean,
        _production,
        "log lines as JSON objects with `request_id`, `user_id` and `task_id` (default on "
        "in production, off in development)",
    ),
    Variable("ZCP_LOG_LEVEL", log_level, "WARNING", "lowest level logged (default `WARNING`)"),
    Variable(
        "ZCP_TRUSTED_PROXY_COUNT",
        whole_number,
        0,
        "reverse proxies in front of the application that append to `X-Forwarded-For`; "
        "the login and token throttle then takes the client's address from that header "
        "(default 0: `REMOTE_ADDR`, header ignored)",
    ),
    Variable(
        "ZCP_API_RATE",
        rate,
        "120/min",
        "API requests per token (or signed-in person) and period, e.g. `5000/hour` "
        "(default `120/min`)",
    ),
    Variable(
        "ZCP_API_IDEMPOTENCY_HOURS",
        positive_number,
        24,
        "hours an `Idempotency-Key`'s stored answer is replayed (default 24)",
    ),
    Variable(
        "ZCP_SSL_REDIRECT",
        boolean,
        True,
        "production redirects plain-http requests to https (default on)",
    ),
    Variable(
        "ZCP_HSTS_SECONDS",
        whole_number,
        31_536_000,
        "production's HSTS max-age in seconds (default 31536000, a year)",
    ),
    Variable(
        "ZCP_TEST_TASK_DELAY_SECONDS",
        seconds,
        0.0,
        "test only: seconds the recalculation task waits before storing a run, so that a "
        "test can kill the worker mid-run (always 0 in production)",
    ),
)

# Read by dev.py and the test suite themselves, not by the settings.
TOOLING: tuple[Variable, ...] = (
    Variable("PORT", positive_number, 8000, "port for `dev.py run` (default 8000)"),
    Variable(
        "ZCP_REQUIRE_SERVICES",
        boolean,
        False,
        "`dev.py test` and the suite fail instead of skipping when PostgreSQL, Redis or "
        "chromium is missing (`1`)",
    ),
    Variable(
        "ZCP_REQUIRE_AUDIT",
        boolean,
        False,
        "`dev.py test` fails when pip-audit cannot reach its vulnerability service (`1`)",
    ),
    Variable(
        "ZCP_SERVICES_AVAILABLE",
        comma_list,
        [],
        "the services the tests may use, e.g. `postgres,redis` (set by `dev.py test` from "
        "what answers)",
    ),
    Variable(
        "ZCP_TEST_REDIS_URL",
        text,
        "",
        "Redis for the tests that start their own Celery worker (set by `dev.py test`: "
        "`redis://127.0.0.1:6379/15`)",
    ),
    Variable(
        "ZCP_CHROMIUM",
        text,
        "",
        "the chromium the browser tests drive (set by `dev.py test` when Playwright can "
        "drive `/usr/bin/chromium`)",
    ),
)

DECLARED: dict[str, Variable] = {v.name: v for v in (*VARIABLES, *TOOLING)}


def read_all(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every application variable, parsed; ImproperlyConfigured names the first bad one."""
    values: dict[str, Any] = {}
    for variable in VARIABLES:
        raw = environ.get(variable.name, "")
        if raw.strip() == "":
            default = variable.default
            values[variable.name] = default(values) if callable(default) else default
            continue
        try:
            values[variable.name] = variable.parse(raw)
        except Invalid as problem:
            raise ImproperlyConfigured(f"{variable.name}={raw!r}: {problem}") from None
    return values
