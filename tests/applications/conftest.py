"""Application tests assert on Chinese, the default language, whatever an earlier test activated."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    with translation.override("zh-hans"):
        yield
