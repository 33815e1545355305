"""The API documentation page: Swagger UI, vendored, started by static/js/api-docs.js (no inline
script), on the schema in the page's language. ``?lang=en`` (or ``zh-hans``) picks the language
for this page; otherwise it follows the language switch."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from zcparks.params import choice_param


def api_docs(request: HttpRequest) -> HttpResponse:
    wanted = choice_param(request.GET, "lang", dict(settings.LANGUAGES))
    if wanted:
        translation.activate(wanted)
        request.LANGUAGE_CODE = wanted
    language = translation.get_language()
    schema_url = f"{reverse('api:schema')}?{urlencode({'lang': language})}"
    return render(request, "api/docs.html", {"schema_url": schema_url, "language": language})
