"""Checks of the settings that a production start-up refuses to run without.

Pure functions of the values read from the environment: each failure is an ImproperlyConfigured
that names the variable to set, so the operator reading gunicorn's or Celery's first lines of
output knows what to change.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host

PUBLIC_URL_EXAMPLE = "https://zcparks.example.cn"


def public_base_url(value: str, *, production: bool) -> str:
    """ZCP_PUBLIC_BASE_URL without its trailing slash: scheme and host only.

    Letters' QR codes and the links in e-mail are this value followed by the page's path
    (`/verify/<code>/`), so a path, query or fragment here would break every one of them, and in
    production a QR code that is not https would send readers to an unprotected address.
    """
    name = "ZCP_PUBLIC_BASE_URL"
    if not value.strip():
        raise ImproperlyConfigured(
            f"ZCP_PRODUCTION=1 needs {name}, the site's public address used in letters' QR "
            f"codes and in e-mail links, e.g. {PUBLIC_URL_EXAMPLE}"
        )
    parts = urlsplit(value.strip())
    allowed_schemes = {"https"} if production else {"http", "https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        wanted = "https://" if production else "http:// or https://"
        raise ImproperlyConfigured(
            f"{name} must be a {wanted} address with a host name, e.g. {PUBLIC_URL_EXAMPLE} "
            f"(got {value!r})"
        )
    if parts.username or parts.password:
        raise ImproperlyConfigured(f"{name} must not carry a user name or password")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name} must be the scheme and host only, without a path, query or fragment: "
            f"page paths such as /verify/… are added to it (got {value!r})"
        )
    return f"{parts.scheme}://{parts.netloc}"


def check_production(
    *, secret_key: str, debug: bool, allowed_hosts: list[str], public_base_url: str
) -> None:
    """Refuse the settings that are unsafe in production, naming the variable."""
    if not secret_key.strip():
        raise ImproperlyConfigured(
            "ZCP_PRODUCTION=1 needs DJANGO_SECRET_KEY: a long random value kept secret "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    if debug:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG must be off when ZCP_PRODUCTION=1: debug pages show settings and code"
        )
    if not allowed_hosts:
        raise ImproperlyConfigured(
            "ZCP_PRODUCTION=1 needs DJANGO_ALLOWED_HOSTS: the host names the site answers to, "
            "comma-separated, e.g. zcparks.example.cn"
        )
    if "*" in allowed_hosts:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must name the site's hosts when ZCP_PRODUCTION=1, not '*'"
        )
    host = urlsplit(public_base_url).hostname or ""
    if not validate_host(host, allowed_hosts):
        raise ImproperlyConfigured(
            f"The host of ZCP_PUBLIC_BASE_URL ({host}) is not in DJANGO_ALLOWED_HOSTS: "
            "the links in letters and e-mail would be refused by the site itself"
        )
