"""What a person reads on a page: its visible text, and the codes that must never be in it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from accounting import labels
from accounting.labels import FLAG_LABELS, GUIDING_LABELS
from accounting.models import FuelFactor
from applications import book
from applications.eligibility import OUTCOME_LABELS

_SKIPPED = {"script", "style", "title"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Text(HTMLParser):
    """Text outside <script>/<style> and outside elements marked data-verbatim (quoted sources
    of factors, in the language they were published in)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._stack: list[bool] = []  # per open element: is it hidden?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        hidden = tag in _SKIPPED or any(name == "data-verbatim" for name, _v in attrs)
        self._stack.append(hidden)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(self._stack):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def forbidden_codes() -> set[str]:
    """Every key of the book and every code of the factor sets, the method's labels, the
    eligibility outcomes, the guiding indicators and the result flags: generated, so a new key
    or code is covered as soon as it is declared."""
    fuels = {code: code for code in FuelFactor.objects.values_list("code", flat=True)}
    return (
        book.all_keys()
        | book.choice_codes()
        | labels.all_codes(fuels)
        | {str(o) for o in OUTCOME_LABELS}
        | set(GUIDING_LABELS)
        | set(FLAG_LABELS)
    )


def codes_shown(html: str, forbidden: set[str]) -> set[str]:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", visible_text(html)))
    return words & forbidden
