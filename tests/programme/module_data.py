"""Data built once per test module: the cast and what a module adds to it, made inside one
transaction that stays open for the module's tests (each test runs in a savepoint of it, as
pytest-django's `db` does) and is rolled back after the last one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from tests.conftest import make_cast


@contextmanager
def built_once(django_db_blocker, build: Callable[[Any], Any]) -> Iterator[tuple[Any, Any]]:
    """(cast, what `build(cast)` returned), valid until the module ends."""
    with django_db_blocker.unblock():
        from applications.models import Province
        from applications.models.people import read_provinces

        with transaction.atomic():
            if not Province.objects.exists():
                Province.objects.bulk_create(Province(**row) for row in read_provinces())
            cast = make_cast()
            yield cast, build(cast)
            transaction.set_rollback(True)
