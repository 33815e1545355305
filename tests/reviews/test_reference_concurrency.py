"""Reference numbers under concurrency: the counter row is locked, so no number is issued twice."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, transaction

from applications import letters


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_allocations_never_share_a_number():
    issued: list[int] = []
    errors: list[Exception] = []
    start = threading.Barrier(4)

    def allocate() -> None:
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    issued.append(letters.allocate_reference("ndrc", 2030)[0])
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(issued) == list(range(1, 41))
