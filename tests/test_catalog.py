"""The English catalog (locale/en) answers every text it holds: an entry makemessages marked fuzzy
(its Chinese source changed) or left empty is not used, and the English interface would show the
Chinese text there."""

from __future__ import annotations

from pathlib import Path

import polib

CATALOG = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_no_entry_of_the_english_catalog_is_fuzzy_or_untranslated():
    catalog = polib.pofile(str(CATALOG))
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries() if not entry.obsolete]
    empty = [entry.msgid for entry in catalog.untranslated_entries() if not entry.obsolete]
    assert fuzzy == [], f"fuzzy entries (source changed, translation unused): {fuzzy}"
    assert empty == [], f"untranslated entries: {empty}"
