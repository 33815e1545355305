"""The nav badge's unread count is cached per person: a page costs no query for it, and it is
right at once after an item is owed or read; an act that rolls back leaves it as it was."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import inbox, reviews, workflow
from applications.models import InboxItem
from tests.applications.builders import complete_application, drive_to, open_batch

pytestmark = pytest.mark.django_db


def _items(user, count: int) -> list[InboxItem]:
    return InboxItem.objects.bulk_create(
        InboxItem(recipient=user, title=f"通知{n:02d}", body="内容", link="/applications/")
        for n in range(count)
    )


def _badge(client) -> str | None:
    page = client.get(reverse("home")).content.decode()
    marker = 'data-testid="inbox-unread">'
    return page.split(marker)[1].split("<")[0] if marker in page else None


def _inbox_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return [q["sql"] for q in captured if "applications_inboxitem" in q["sql"]]


def test_a_page_costs_no_query_for_the_badge_once_it_is_counted(client, cast):
    _items(cast.provincial_a, 2)
    client.force_login(cast.provincial_a)
    assert len(_inbox_queries(client)) == 1
    assert _inbox_queries(client) == []
    assert _badge(client) == "2"


def test_each_person_has_their_own_count(client, cast):
    _items(cast.provincial_a, 2)
    _items(cast.provincial_other, 1)
    assert inbox.unread_count(cast.provincial_a) == 2
    assert inbox.unread_count(cast.provincial_other) == 1


def test_the_badge_counts_an_item_owed_to_the_person_at_once(
    client, cast, django_capture_on_commit_callbacks
):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    client.force_login(cast.expert)
    assert _badge(client) is None  # counted (none unread) and kept
    with django_capture_on_commit_callbacks(execute=True):
        reviews.assign(cast.national, application, cast.expert)
    assert _badge(client) == "1"


def test_the_badge_drops_at_once_when_items_are_read(
    client, cast, django_capture_on_commit_callbacks
):
    first, second, _third = _items(cast.provincial_a, 3)
    client.force_login(cast.provincial_a)
    assert _badge(client) == "3"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("inbox_open", args=[first.pk]))
    assert _badge(client) == "2"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inbox_mark_read", args=[second.pk]))
    assert _badge(client) == "1"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inbox_mark_all_read"))
    assert _badge(client) is None
    assert inbox.unread_count(cast.provincial_a) == 0


def owned_by_page_cache(callback) -> bool:
    owner = getattr(callback, "__module__", None) or type(callback).__module__
    return owner == "zcparks.page_cache"


def test_an_act_that_rolls_back_leaves_the_count_as_it_was(
    cast, django_capture_on_commit_callbacks, django_assert_num_queries
):
    submitted = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )
    assert inbox.unread_count(cast.applicant_a) == 0
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.return_for_revision(cast.provincial_a, submitted, "请修改")
        assert InboxItem.objects.filter(recipient=cast.applicant_a).exists()
        raise RuntimeError("the act fails after its notices were written")
    # Nothing of the inbox's is left to run (the page cache's generation, D42, is raised by the
    # enclosing transaction's own commit, whatever rolled back inside it).
    assert [c for c in callbacks if not owned_by_page_cache(c)] == []
    with django_assert_num_queries(0):  # still the count kept before the act
        assert inbox.unread_count(cast.applicant_a) == 0
    assert not InboxItem.objects.filter(recipient=cast.applicant_a).exists()
