"""The page cache (D42): the queue, review and result pages are served from the cache only while
no committed write happened since they were stored, never to another person, never with another
request's CSRF token, and never while messages wait to be shown."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounting.models import CalculationRun, ParkYear, RunStatus
from accounting.tasks import recalculate_park_year
from applications.models import Application, Park, Province, User
from tests.reviews import conftest as review_fixtures
from zcparks import page_cache

# The review tests' fixtures: an application with calculated data, its tasks run inline.
submitted_with_energy = review_fixtures.submitted_with_energy
_tasks_run_inline = review_fixtures._tasks_run_inline

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture(autouse=True)
def _page_cache(settings):
    settings.ZCP_PAGE_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "zcp-page-cache-test",
        }
    }
    from django.core.cache import cache

    cache.clear()


def settle() -> None:
    """What the test wrote so far counts as committed (a test runs inside one transaction that
    never commits): the writes after this raise the generation afresh at their own commit."""
    pending = getattr(connection, "_zcp_pending", None)
    if pending is not None:
        pending()


def get(client, url: str) -> tuple[str, int]:
    """The page without its CSRF tokens (each answer has its own), and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return TOKEN.sub("", response.content.decode()), len(queries.captured_queries)


@pytest.fixture
def queue(cast):
    from bench.generate import generate

    generate(3, batch_name="缓存批次", province_codes=["32"])
    return reverse("review_queue_national")


def test_the_queue_is_served_from_the_cache_until_a_queryset_update_commits(
    client, cast, queue, django_capture_on_commit_callbacks
):
    client.force_login(cast.national)
    first, fresh_queries = get(client, queue)
    again, cached_queries = get(client, queue)
    assert again == first
    assert cached_queries < fresh_queries and cached_queries <= 2  # the session and the user
    park = Application.objects.exclude(status="draft").order_by("-submitted_at").first().park
    assert park.name in first
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Park.objects.filter(pk=park.pk).update(name="改名后的园区")
    changed, _ = get(client, queue)
    assert "改名后的园区" in changed and park.name not in changed


def test_an_uncommitted_write_does_not_change_the_generation_but_its_commit_does(
    django_capture_on_commit_callbacks,
):
    before = page_cache.generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        Province.objects.filter(code="32").update(name_zh="江苏省")
        Province.objects.filter(code="34").update(name_zh="安徽省")
        assert page_cache.generation() == before  # not before the commit
    assert len([c for c in callbacks if isinstance(c, page_cache._Pending)]) == 1  # once
    for callback in callbacks:
        callback()
    assert page_cache.generation() == before + 1


def test_reads_and_session_writes_do_not_change_the_generation(client, cast):
    before = page_cache.generation()
    list(User.objects.all())
    client.force_login(cast.national)  # a session row, and last_login (a write)
    after_login = page_cache.generation()
    session = client.session
    session["anything"] = 1
    session.save()
    assert page_cache.generation() == after_login
    assert page_cache.writes('UPDATE "applications_user" SET "x" = 1')
    assert not page_cache.writes('UPDATE "django_session" SET "session_data" = %s')
    assert not page_cache.writes("SELECT 1") and not page_cache.writes("SAVEPOINT s1")
    assert before is not None


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_raises_the_generation_and_a_rollback_does_not():
    before = page_cache.generation()
    with transaction.atomic():
        Province.objects.create(code="99", name_zh="测试省", name_en="Test")
        assert page_cache.generation() == before
    assert page_cache.generation() == before + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        Province.objects.filter(code="99").update(name_zh="回滚")
        raise RuntimeError
    assert page_cache.generation() == before + 1
    Province.objects.filter(code="99").delete()  # autocommit: at once
    assert page_cache.generation() == before + 2


def test_a_write_through_a_service_shows_on_the_review_page_at_once(
    client, cast, submitted_with_energy, django_capture_on_commit_callbacks
):
    application = submitted_with_energy()
    url = reverse("review_detail", args=[application.pk])
    client.force_login(cast.national)
    first, fresh_queries = get(client, url)
    _, cached_queries = get(client, url)
    assert cached_queries < fresh_queries
    assert "缓存之后写下的意见" not in first
    settle()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("review_comment", args=[application.pk]),
            {"text": "缓存之后写下的意见", "visibility": "internal"},
        )
    page, _ = get(client, url)
    assert "缓存之后写下的意见" in page


def test_a_celery_task_shows_on_the_result_page_at_once(
    client, cast, submitted_with_energy, django_capture_on_commit_callbacks
):
    application = submitted_with_energy()
    park_year = ParkYear.objects.filter(park=application.park).first()
    url = reverse("accounting:result", args=[park_year.park_id, park_year.year])
    client.force_login(cast.applicant_a)
    first, _ = get(client, url)
    assert get(client, url)[0] == first
    settle()
    with django_capture_on_commit_callbacks(execute=True):
        recalculate_park_year.apply(args=[park_year.pk])
    newest = CalculationRun.objects.filter(park_year=park_year).order_by("-id").first()
    assert f"?run={newest.pk}" not in first
    assert f"?run={newest.pk}" in get(client, url)[0]


def test_an_admins_change_shows_at_once(client, cast, queue, django_capture_on_commit_callbacks):
    client.force_login(cast.national)
    assert "改过名的国家级审核人" not in get(client, queue)[0]
    admin = Client()
    admin.force_login(cast.admin)
    national = User.objects.get(pk=cast.national.pk)
    settle()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:applications_user_change", args=[national.pk]),
            {
                "username": national.username,
                "email": national.email,
                "is_active": "on",
                "date_joined_0": national.date_joined.strftime("%Y-%m-%d"),
                "date_joined_1": national.date_joined.strftime("%H:%M:%S"),
                "initial-date_joined_0": national.date_joined.strftime("%Y-%m-%d"),
                "initial-date_joined_1": national.date_joined.strftime("%H:%M:%S"),
                "display_name": "改过名的国家级审核人",
                "role": national.role,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "改过名的国家级审核人" in get(client, queue)[0]


def test_two_people_of_different_scope_never_see_each_others_page(client, cast, queue):
    url = reverse("review_queue_provincial")
    from bench.generate import generate

    generate(3, batch_name="另一省批次", province_codes=["34"])
    client.force_login(cast.provincial_a)
    mine, _ = get(client, url)
    get(client, url)  # stored
    other = Client()
    other.force_login(cast.provincial_other)
    theirs, _ = get(other, url)
    theirs_again, _ = get(other, url)
    assert theirs == theirs_again != mine
    jiangsu = {a.park.name for a in Application.objects.filter(park__province__code="32")}
    anhui = {a.park.name for a in Application.objects.filter(park__province__code="34")}
    assert any(name in mine for name in jiangsu) and not any(name in mine for name in anhui)
    assert not any(name in theirs for name in jiangsu)


def test_a_cached_page_carries_the_requesting_sessions_csrf_token_and_no_nonce(
    cast, queue, settings
):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(cast.national)
    second.force_login(cast.national)  # the same person, another session: the same cache entry
    one = first.get(queue)
    two = second.get(queue)
    tokens_one, tokens_two = (
        TOKEN.findall(one.content.decode()),
        TOKEN.findall(two.content.decode()),
    )
    assert tokens_one and tokens_two and not set(tokens_one) & set(tokens_two)
    # the second session's token is its own: its language switch (a POST) is accepted
    switch = second.post(
        reverse("set_language"),
        {"csrfmiddlewaretoken": tokens_two[0], "language": "en", "next": "/"},
    )
    assert switch.status_code == 302
    # the policy has no nonce to reuse, and is sent with the cached answer as with the fresh one
    for response in (one, two):
        policy = response["Content-Security-Policy"]
        assert "nonce-" not in policy and "script-src 'self'" in policy


def test_no_page_is_cached_or_served_from_the_cache_while_messages_wait(client, cast, queue):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    client.force_login(cast.national)
    cached, _ = get(client, queue)
    assert get(client, queue)[0] == cached
    request = RequestFactory().get(queue)
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "刚才的操作已完成")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    shown, _ = get(client, queue)
    assert "刚才的操作已完成" in shown  # not the stored page
    assert get(client, queue)[0] == cached  # shown once; then the stored page again


def test_a_parks_home_is_kept_for_its_own_person_until_a_write_commits(
    client, cast, django_capture_on_commit_callbacks
):
    url = reverse("home")
    client.force_login(cast.applicant_a)
    first, fresh_queries = get(client, url)
    again, cached_queries = get(client, url)
    assert again == first
    assert cached_queries < fresh_queries and cached_queries <= 2  # the session and the user
    assert "甲园区" in first and "20 万—100 万吨标准煤" not in first
    other = Client()
    other.force_login(cast.applicant_b)
    theirs, _ = get(other, url)
    assert get(other, url)[0] == theirs != first  # park B's own page, kept apart from park A's
    assert "乙园区" in theirs and "甲园区" not in theirs
    settle()
    # A result written by the worker (not through a view): park A's home shows it at once.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        park_year = ParkYear.objects.create(park=cast.park_a, year=2024)
        now = timezone.now()
        CalculationRun.objects.create(
            park_year=park_year,
            status=RunStatus.SUCCEEDED,
            result={"tier": "200k_1m", "core_pass": True, "intensity": "0.15", "threshold": "0.2"},
            started_at=now,
            finished_at=now,
            duration_ms=1,
        )
    changed, _ = get(client, url)
    assert "20 万—100 万吨标准煤" in changed
    assert "20 万—100 万吨标准煤" not in get(other, url)[0]


def user_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    return status, sum('"applications_user"' in q["sql"] for q in queries.captured_queries)


def test_the_signed_in_person_is_kept_until_a_write_commits_and_deactivation_refuses_at_once(
    client, cast, django_capture_on_commit_callbacks
):
    url = reverse("home")
    client.force_login(cast.applicant_a)
    settle()
    assert user_queries(client, url) == (200, 1)  # read once
    assert user_queries(client, url) == (200, 0)  # then kept under the generation
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        User.objects.filter(pk=cast.applicant_a.pk).update(is_active=False)
    status, read = user_queries(client, url)
    assert status == 302 and read == 1  # read again, and refused
    assert client.get(reverse("park_list"))["Location"].startswith(reverse("login"))


def test_a_password_changed_elsewhere_signs_the_cached_session_out_at_the_next_request(
    client, cast, django_capture_on_commit_callbacks
):
    url = reverse("home")
    client.force_login(cast.applicant_a)
    settle()
    client.get(url)
    assert user_queries(client, url) == (200, 0)
    with django_capture_on_commit_callbacks(execute=True):
        user = User.objects.get(pk=cast.applicant_a.pk)
        user.set_password("另一个足够长的新口令-2026")
        user.save(update_fields=["password"])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_persons_cached_row_is_never_served(client, cast):
    client.force_login(cast.applicant_a)
    settle()
    assert "甲园区" in get(client, reverse("home"))[0]
    other = Client()
    other.force_login(cast.applicant_b)
    page, _ = get(other, reverse("home"))
    assert "乙园区" in page and "甲园区" not in page
