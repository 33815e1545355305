"""The site's icon: every page links the SVG, and /favicon.ico (asked for by browsers on their
own) leads to the same static file instead of a 404."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def _icon_links(html: str) -> list[str]:
    return re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)


def test_the_base_page_links_the_svg_icon(client, cast):
    assert _icon_links(client.get("/accounts/login/").content.decode()) == [
        static("img/favicon.svg")
    ]
    client.force_login(cast.applicant_a)
    assert _icon_links(client.get("/").content.decode()) == [static("img/favicon.svg")]


def test_favicon_ico_redirects_anyone_to_the_static_svg_that_exists(client, cast):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("img/favicon.svg")
    path = finders.find("img/favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        svg = handle.read()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">')
    assert svg.rstrip().endswith("</svg>")
