"""How pages and messages name a moment: one format, in the site's time zone."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _


def label(value: datetime.datetime | None) -> str:
    """A date as the pages and messages name it: 2026年8月22日 24:00 reads 2026年8月23日 00:00."""
    if value is None:
        return _("未设定")
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
