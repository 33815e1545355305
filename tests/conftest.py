"""The cast every test can use, built once per test: two parks in one province, a third province,
and one person for each role and scope."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.db.models.signals import post_migrate

from applications.models import Park, Role, User

from .factories import ParkFactory, UserFactory, province
from .ordering import longest_first


def _own_redis_database() -> None:
    """The whole suite runs on pytest-xdist workers (dev.py test), which may both start Celery
    workers at once: each takes its own Redis database (gw0 the one configured, gw1 the one below
    it, …), so that no worker of one test takes the tasks of another's. Their PostgreSQL test
    databases are apart already (pytest-django names them after the worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("ZCP_TEST_REDIS_URL", "")
    if not worker.startswith("gw") or not url:
        return
    base, _, database = url.rpartition("/")
    if not database.isdigit() or "//" not in base:
        return
    own = (int(database) - int(worker[2:])) % 16
    os.environ["ZCP_TEST_REDIS_URL"] = f"{base}/{own}"


_own_redis_database()

pytest_plugins = ["tests.browser", "tests.ordering"]


@dataclass
class Cast:
    park_a: Park
    park_b: Park
    park_c: Park  # another province
    applicant_a: User
    applicant_b: User
    applicant_c: User
    provincial_a: User  # province of parks A and B
    provincial_other: User
    national: User
    expert: User  # assigned to nothing until a test assigns them
    admin: User


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


def make_cast() -> Cast:
    """The cast itself (for data built once per module: tests/programme/module_data.py)."""
    jiangsu, anhui = province("32"), province("34")
    park_a = ParkFactory(name="甲园区", province=jiangsu)
    park_b = ParkFactory(name="乙园区", province=jiangsu)
    park_c = ParkFactory(name="丙园区", province=anhui)
    return Cast(
        park_a=park_a,
        park_b=park_b,
        park_c=park_c,
        applicant_a=UserFactory(username="applicant_a", role=Role.APPLICANT, park=park_a),
        applicant_b=UserFactory(username="applicant_b", role=Role.APPLICANT, park=park_b),
        applicant_c=UserFactory(username="applicant_c", role=Role.APPLICANT, park=park_c),
        provincial_a=UserFactory(username="prov_js", role=Role.PROVINCIAL, province=jiangsu),
        provincial_other=UserFactory(username="prov_ah", role=Role.PROVINCIAL, province=anhui),
        national=UserFactory(username="national", role=Role.NATIONAL),
        expert=UserFactory(username="expert_a", role=Role.EXPERT),
        admin=UserFactory(username="admin", role=Role.ADMIN),
    )


def _put_back_reference_data(sender, using="default", **kwargs) -> None:
    """Provinces come from a data migration, but the flush that ends a transactional test
    deletes them, for every test that follows on the worker, whatever kind it is: a plain test,
    a Django TestCase's setUpTestData, data built once for a module. Django's flush sends
    post_migrate when it is done (as it does to put content types back): the provinces are put
    back there, so no test ever finds them gone."""
    if sender.label != "applications":
        return
    from applications.models import Province
    from applications.models.people import read_provinces

    if not Province.objects.using(using).exists():
        Province.objects.using(using).bulk_create(Province(**row) for row in read_provinces())


post_migrate.connect(_put_back_reference_data, dispatch_uid="zcp-tests-reference-data")


def _cheap_flush() -> None:
    """A transactional test ends with Django's flush, which on PostgreSQL TRUNCATEs every table:
    a new file for each table and index, some seconds per test on a busy machine. The tables are
    nearly empty, so deleting their rows is far cheaper; with session_replication_role=replica
    (a superuser's setting, as the test database's owner is here) no trigger fires, neither the
    append-only guards nor the foreign keys, just as TRUNCATE fires none. Anything else (another
    user, sequences to reset, CASCADE) keeps Django's TRUNCATE."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no psycopg: the suite runs on SQLite
        return
    truncate = DatabaseOperations.sql_flush
    superuser: dict[str, bool] = {}

    def is_superuser(connection) -> bool:
        if connection.alias not in superuser:
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
            superuser[connection.alias] = bool(row and row[0])
        return superuser[connection.alias]

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade or not is_superuser(self.connection):
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # SET LOCAL: execute_sql_flush runs these in one transaction, and the setting ends with it.
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {self.quote_name(table)}" for table in tables),  # noqa: S608 - model tables
        ]

    DatabaseOperations.sql_flush = sql_flush


_cheap_flush()


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never into the working tree."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory):
    """A demo authority and a key for every issuing body, made once per test session."""
    from applications.demo_seals import make_demo_seals

    folder = tmp_path_factory.mktemp("signing")
    make_demo_seals(folder)
    return folder


@pytest.fixture(autouse=True)
def _signing_keys(settings, signing_dir):
    """Letters are sealed with the session's demo keys, never with a working tree's."""
    settings.ZCP_SIGNING_DIR = str(signing_dir)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the system's language, whatever language a test before it in the same
    worker left active."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and rate-limit counts live in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _celery_configuration():
    """Each test starts with the Celery configuration of the settings, whatever a test before it
    in the same worker set on the app. Celery reads Django's settings live, but a value set on
    `app.conf` stays for the process: a browser fixture once put back a propagating eager mode
    it had read while its own settings were in force, and every later task's retry was raised
    to the caller instead of run (tests/services/test_faults.py, after a browser file)."""
    from zcparks.celery import app

    # Reading a key finalises a configuration still pending (the first test of a worker, when
    # no task has run yet); before that, `app.conf` has no `changes` to read.
    app.conf["task_always_eager"]
    changes = dict(app.conf.changes)
    yield
    app.conf.changes.clear()
    app.conf.changes.update(changes)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; tests that are about hashing use their own settings.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Real services -------------------------------------------------------------------------------
# Tests marked `postgres` need the suite to run on PostgreSQL; tests marked `redis` need Redis (and
# start a real Celery worker on it). Where a service is missing they are skipped loudly, except
# when ZCP_REQUIRE_SERVICES=1 (CI), where a missing service fails them instead.

SERVICE_MARKERS = ("postgres", "redis")
_skipped_for_services: list[str] = []


def service_available(name: str) -> bool:
    from django.conf import settings

    if name == "postgres":
        return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if name == "redis":
        return bool(os.environ.get("ZCP_TEST_REDIS_URL") or settings.CELERY_BROKER_URL)
    return False


@pytest.hookimpl(trylast=True)  # after schemathesis has made its items
def pytest_collection_modifyitems(items):
    """Schemathesis makes one test per API operation, named after the operation, but pytest 9
    builds an item's id from its `originalname` and parametrisation only, and schemathesis
    (4.32) gives every operation the test function's name as `originalname`: all of them share
    one id, and pytest-xdist's `--dist loadfile` (which queues a file's tests by id) runs only
    the first. Each is made again through `from_parent`, pytest's public way to make an item,
    with its own name as `originalname`, so that pytest itself gives it its own id; pytest has
    no public way to rename an item, and neither schemathesis nor xdist has an option for it."""
    operations = [
        index
        for index, item in enumerate(items)
        if getattr(item, "operation_label", None) and not hasattr(item, "callspec")
    ]
    for index in operations:
        item = items[index]
        if item.originalname != item.name:
            items[index] = type(item).from_parent(
                item.parent,
                name=item.name,
                callobj=item.obj,
                originalname=item.name,
                test_func=item.test_function,
                test_name=item.test_name,
                operation_label=item.operation_label,
                operation_tags=item.operation_tags,
            )
    ids = [items[index].nodeid for index in operations]
    if len(set(ids)) != len(ids):
        raise pytest.UsageError(f"API operation tests share an id, xdist would run one: {ids}")
    longest_first(items)


def pytest_runtest_setup(item):
    for name in SERVICE_MARKERS:
        if item.get_closest_marker(name) and not service_available(name):
            message = f"needs {name}, which is not configured for this run"
            if os.environ.get("ZCP_REQUIRE_SERVICES") == "1":
                pytest.fail(f"{message} (ZCP_REQUIRE_SERVICES=1)", pytrace=False)
            _skipped_for_services.append(item.nodeid)
            pytest.skip(message)


def pytest_terminal_summary(terminalreporter):
    if _skipped_for_services:
        terminalreporter.section("SKIPPED: services missing", sep="!", red=True, bold=True)
        for nodeid in _skipped_for_services:
            terminalreporter.write_line(f"  {nodeid}")
