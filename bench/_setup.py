"""Shared start of the review benchmarks: Django with a throwaway test database.

The database is Django's test database of the configured one (SQLite in memory by default;
`test_<name>` on PostgreSQL with DATABASE_URL), created and migrated here and dropped by
`teardown()`, so the benchmarks never touch the dev data.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> object:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zcparks.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return old_name


def teardown(old_name) -> None:
    from django.db import connection
    from django.test.utils import teardown_test_environment

    connection.creation.destroy_test_db(old_name, verbosity=0)
    teardown_test_environment()


def median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def machine() -> str:
    import platform

    from django.db import connection

    if connection.vendor == "postgresql":
        database = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    return (
        f"Python {platform.python_version()}, {database}, nproc {os.cpu_count()}, "
        f"{platform.processor() or platform.machine()}"
    )
