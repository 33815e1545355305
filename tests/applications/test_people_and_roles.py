"""People, roles and scope, seen through the pages each role uses."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from applications.models import Province, Role, User

from ..factories import TEST_PASSWORD

NAV_BY_ROLE = {
    "applicant_a": {"home", "my_park"},
    "provincial_a": {"home", "parks"},
    "national": {"home", "parks"},
    "expert": {"home", "applications", "review_mine"},
    "admin": {"home", "parks"},
}


def nav_keys(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([a-z_]+)"', html))


def login(client, user) -> None:
    client.force_login(user)


def test_all_31_provinces_are_reference_data(db):
    assert Province.objects.count() == 31
    assert Province.objects.get(code="15").name_zh == "内蒙古自治区"
    assert Province.objects.get(code="65").name_en == "Xinjiang"


@pytest.mark.django_db(transaction=True)
def test_the_provinces_are_put_back_after_a_flush():
    """A transactional test ends with a flush; the tests after it still find the provinces."""
    call_command("flush", interactive=False, verbosity=0)
    assert Province.objects.count() == 31


@pytest.mark.parametrize("who", sorted(NAV_BY_ROLE))
def test_each_role_sees_its_own_navigation(client, cast, who):
    login(client, getattr(cast, who))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert nav_keys(response.content.decode()) >= NAV_BY_ROLE[who]
    # The work of other roles is not offered: an applicant has no park list, reviewers no "my park".
    if who == "applicant_a":
        assert "parks" not in nav_keys(response.content.decode())
    else:
        assert "my_park" not in nav_keys(response.content.decode())


def test_applicant_home_lists_only_their_park(client, cast):
    login(client, cast.applicant_a)
    html = client.get(reverse("home")).content.decode()
    assert "甲园区" in html
    assert "乙园区" not in html and "丙园区" not in html


def test_park_user_cannot_open_another_parks_page(client, cast):
    login(client, cast.applicant_a)
    assert client.get(reverse("park_detail", args=[cast.park_a.pk])).status_code == 200
    assert client.get(reverse("park_detail", args=[cast.park_b.pk])).status_code == 404


def test_provincial_reviewer_sees_only_parks_of_their_province(client, cast):
    login(client, cast.provincial_a)
    html = client.get(reverse("park_list")).content.decode()
    assert "甲园区" in html and "乙园区" in html
    assert "丙园区" not in html
    assert client.get(reverse("park_detail", args=[cast.park_c.pk])).status_code == 404
    login(client, cast.provincial_other)
    html = client.get(reverse("park_list")).content.decode()
    assert "丙园区" in html and "甲园区" not in html


def test_national_reviewer_sees_every_park(client, cast):
    login(client, cast.national)
    html = client.get(reverse("park_list")).content.decode()
    assert all(name in html for name in ("甲园区", "乙园区", "丙园区"))


def test_park_list_pins_its_query_count(client, cast, django_assert_max_num_queries):
    login(client, cast.national)
    with django_assert_max_num_queries(8):
        client.get(reverse("park_list"))


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["applicant_a", "provincial_a", "national"])
def test_admin_site_is_for_administrators_only(client, cast, who):
    login(client, getattr(cast, who))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_administrator_opens_the_admin_site(client, cast):
    login(client, cast.admin)
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_flag_follows_the_role(cast):
    user = cast.national
    assert not user.is_staff
    user.role = Role.ADMIN
    user.save(update_fields=["role"])
    user.refresh_from_db()
    assert user.is_staff


def test_login_and_logout_through_the_forms(client, cast):
    response = client.post(
        reverse("login"), {"username": "applicant_a", "password": TEST_PASSWORD}, follow=True
    )
    assert response.context["user"] == cast.applicant_a
    response = client.post(reverse("logout"), follow=True)
    assert not response.context["user"].is_authenticated


def test_wrong_password_is_refused_with_a_message(client, cast):
    response = client.post(reverse("login"), {"username": "applicant_a", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not response.context["user"].is_authenticated


def test_password_change_applies_the_validators(client, cast):
    login(client, cast.applicant_a)
    url = reverse("password_change")
    weak = {"old_password": TEST_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    response = client.post(url, weak)
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    strong = {
        "old_password": TEST_PASSWORD,
        "new_password1": "Green-Park-Tree-77",
        "new_password2": "Green-Park-Tree-77",
    }
    assert client.post(url, strong).status_code == 302
    cast.applicant_a.refresh_from_db()
    assert cast.applicant_a.check_password("Green-Park-Tree-77")


def test_password_reset_sends_a_link_by_email(client, cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post(reverse("password_reset"), {"email": cast.applicant_a.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]


def test_chinese_is_the_default_and_english_is_one_click_away(client, cast):
    login(client, cast.national)
    html = client.get(reverse("home")).content.decode()
    assert 'lang="zh-hans"' in html and "工作台" in html
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    html = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in html
    assert "Workbench" in html


def test_applicant_must_belong_to_a_park(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="orphan", role=Role.APPLICANT)


def test_demo_loads_twice_without_duplicates_and_prints_logins(db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "park_subei" in out and "prov_jiangsu" in out and "ndrc_reviewer" in out
    assert User.objects.filter(username="park_subei").count() == 1
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {Role.APPLICANT, Role.PROVINCIAL, Role.NATIONAL, Role.EXPERT, Role.ADMIN}
    assert User.objects.get(username="ndrc_expert").role == Role.EXPERT


def test_system_check_is_clean(db):
    call_command("check", fail_level="WARNING")


def test_park_page_lists_the_parks_applications_with_names_for_each_audience(client, cast):
    from tests.applications.builders import complete_application, drive_to

    application = drive_to(complete_application(cast.park_a, cast.applicant_a), "submitted", cast)
    client.force_login(cast.applicant_a)
    html = client.get(reverse("park_detail", args=[cast.park_a.pk])).content.decode()
    assert reverse("application_detail", args=[application.pk]) in html
    assert application.applicant_status_label in html
    client.force_login(cast.provincial_a)
    html = client.get(reverse("park_detail", args=[cast.park_a.pk])).content.decode()
    assert application.get_status_display() in html
    # National reviewers do not see an application the province has not recommended.
    client.force_login(cast.national)
    html = client.get(reverse("park_detail", args=[cast.park_a.pk])).content.decode()
    assert reverse("application_detail", args=[application.pk]) not in html
