"""The WSGI application for gunicorn (deploy/gunicorn.conf.py), its heap settled once loaded."""

import gc
import os

from django.core.wsgi import get_wsgi_application


def settle_heap() -> None:
    """Load every view module, then move what the process holds so far (Django, the
    application's modules, URL patterns: about 200,000 objects) out of the cyclic garbage
    collector's reach. Otherwise every full collection walks them all again: in the entry-page
    benchmark such a collection added 150-400 ms to one request in ten. Objects made by requests
    are collected as before. With gunicorn's `--preload` the frozen pages are also shared by the
    forked workers instead of being copied when the collector touches them."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- imports every view module now, not at the first request
    gc.collect()
    gc.freeze()


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zcparks.settings")
application = get_wsgi_application()
settle_heap()
