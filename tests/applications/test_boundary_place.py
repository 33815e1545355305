"""A park's boundary lies where the park is (D29): in its province, and in the city or county it
names; an area far from the declared one is questioned until the park confirms it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from applications import geo, services
from applications.demo import DEMO_PARKS
from applications.demo_applications import DEMO_POLYGONS
from applications.models import Application

from .builders import SQUARE, open_batch

# 17,645 km² drawn in Gansu (the polygon was of that size): far from any Jiangsu park.
GANSU = {
    "type": "Polygon",
    "coordinates": [[[103.5, 35.9], [104.9, 35.9], [104.9, 37.1], [103.5, 37.1], [103.5, 35.9]]],
}
# Straddles the Jiangsu–Anhui border near Nanjing (about 10 km into Anhui's 马鞍山).
ACROSS_THE_BORDER = {
    "type": "Polygon",
    "coordinates": [
        [[118.40, 31.50], [118.80, 31.50], [118.80, 31.80], [118.40, 31.80], [118.40, 31.50]]
    ],
}


def _rectangle(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_a_boundary_in_gansu_is_refused_for_a_jiangsu_park_naming_both_provinces() -> None:
    with pytest.raises(geo.BoundaryError) as refused:
        geo.check_place(geo.parse_boundary(GANSU), "32")
    assert "边界超出江苏省范围" in str(refused.value)
    assert "甘肃省" in str(refused.value)


def test_the_refusal_speaks_english_to_an_english_user() -> None:
    with translation.override("en"), pytest.raises(geo.BoundaryError) as refused:
        geo.check_place(geo.parse_boundary(GANSU), "32")
    assert "outside Jiangsu" in str(refused.value) and "Gansu" in str(refused.value)


def test_a_boundary_across_the_provincial_border_is_refused_but_one_inside_is_accepted() -> None:
    with pytest.raises(geo.BoundaryError, match="江苏省"):
        geo.check_place(geo.parse_boundary(ACROSS_THE_BORDER), "32")
    geo.check_place(geo.parse_boundary(SQUARE), "32")  # Nanjing
    geo.check_place(geo.parse_boundary(GANSU), "62")


def test_a_boundary_outside_the_county_the_park_names_is_refused() -> None:
    nanjing = geo.parse_boundary(SQUARE)
    geo.check_place(nanjing, "32", "320100")
    with pytest.raises(geo.BoundaryError, match="边界超出苏州市范围"):
        geo.check_place(nanjing, "32", "320500")


@pytest.mark.parametrize("park", DEMO_PARKS, ids=lambda park: park.key)
def test_every_demo_parks_boundary_lies_in_its_province(park) -> None:
    geo.check_place(geo.parse_boundary(_rectangle(*DEMO_POLYGONS[park.key])), park.province_code)


def test_an_area_far_from_the_declared_one_is_questioned_and_a_close_one_is_not() -> None:
    with pytest.raises(geo.AreaQuestion) as questioned:
        geo.question_area(Decimal("17645.1"), Decimal("20"))
    assert "20 平方公里" in str(questioned.value) and "17645.1" in str(questioned.value)
    geo.question_area(Decimal("21.5"), Decimal("20"))
    geo.question_area(Decimal("21.5"), None)


@pytest.mark.django_db
class TestTheBoundaryPage:
    @pytest.fixture
    def application(self, cast) -> Application:
        return services.start_application(cast.applicant_a, open_batch())

    def post(self, client, application, **fields):
        url = reverse("application_boundary", args=[application.pk])
        return client.post(url, {"scope": "whole", "boundary_east": "东环路", **fields})

    def test_a_polygon_in_gansu_is_refused_on_its_field_and_nothing_is_saved(
        self, client, cast, application
    ) -> None:
        client.force_login(cast.applicant_a)
        response = self.post(client, application, boundary_geojson=json.dumps(GANSU))
        assert response.status_code == 200
        [message] = response.context["form"].errors["boundary_geojson"]
        assert "边界超出江苏省范围" in message and "甘肃省" in message
        application.refresh_from_db()
        assert application.boundary_geojson is None and application.boundary_east == ""

    def test_an_uploaded_file_in_gansu_is_refused_on_the_file_field(
        self, client, cast, application
    ) -> None:
        client.force_login(cast.applicant_a)
        upload = SimpleUploadedFile("gansu.geojson", json.dumps(GANSU).encode(), "application/json")
        response = self.post(client, application, geojson_file=upload)
        assert response.status_code == 200
        [message] = response.context["form"].errors["geojson_file"]
        assert "边界超出江苏省范围" in message
        application.refresh_from_db()
        assert application.boundary_geojson is None

    def test_a_polygon_inside_is_saved_with_its_area(self, client, cast, application) -> None:
        client.force_login(cast.applicant_a)
        response = self.post(client, application, boundary_geojson=json.dumps(SQUARE))
        assert response.status_code == 302
        application.refresh_from_db()
        assert application.boundary_geojson is not None
        assert Decimal("20") < application.boundary_area_km2 < Decimal("22")

    def test_an_area_far_from_the_declared_one_is_saved_only_once_confirmed(
        self, client, cast, application
    ) -> None:
        client.force_login(cast.applicant_a)
        fields = {"boundary_geojson": json.dumps(SQUARE), "declared_area_km2": "100"}
        response = self.post(client, application, **fields)
        assert response.status_code == 200
        [message] = response.context["form"].errors["declared_area_km2"]
        assert "100 平方公里" in message and "确认面积差异" in message
        application.refresh_from_db()
        assert application.boundary_geojson is None and application.declared_area_km2 is None

        response = self.post(client, application, area_difference_confirmed="on", **fields)
        assert response.status_code == 302
        application.refresh_from_db()
        assert application.declared_area_km2 == Decimal("100")
        assert application.boundary_geojson is not None


@pytest.mark.django_db
class TestTheParksCityOrCounty:
    """The park names its city or county on the boundary page, from its own province's list
    (D47); the boundary check then uses it."""

    @pytest.fixture
    def application(self, cast) -> Application:
        return services.start_application(cast.applicant_a, open_batch())

    def post(self, client, application, **fields):
        url = reverse("application_boundary", args=[application.pk])
        return client.post(url, {"scope": "whole", "boundary_east": "东环路", **fields})

    def test_the_picker_offers_the_cities_and_counties_of_the_parks_province_only(
        self, client, cast, application
    ) -> None:
        client.force_login(cast.applicant_a)
        page = client.get(reverse("application_boundary", args=[application.pk]))
        form = page.context["form"]
        choices = dict(form.fields["division_code"].widget.choices)
        assert choices["320100"] == "南京市" and choices["320115"] == "南京市 / 江宁区"
        assert "620100" not in choices and all(c[:2] == "32" for c in choices if c)
        html = page.content.decode()
        assert "南京市 / 江宁区" in html and "兰州市" not in html
        assert "未选择市、县，边界按省份检查" in html

    def test_a_city_of_another_province_is_refused_naming_the_field_and_nothing_is_saved(
        self, client, cast, application
    ) -> None:
        client.force_login(cast.applicant_a)
        response = self.post(
            client, application, division_code="620100", boundary_geojson=json.dumps(SQUARE)
        )
        assert response.status_code == 200
        [message] = response.context["form"].errors["division_code"]
        assert message.startswith("所在市、县：")
        assert "甘肃省 兰州市" in message and "江苏省" in message
        application.refresh_from_db()
        application.park.refresh_from_db()
        assert application.park.division_code == ""
        assert application.boundary_geojson is None and application.boundary_east == ""

    def test_the_service_refuses_it_too(self, cast, application) -> None:
        with pytest.raises(geo.DivisionError, match="所在市、县"):
            services.save_boundary(application, {"division_code": "620100"})
        application.park.refresh_from_db()
        assert application.park.division_code == ""

    def test_the_boundary_must_lie_in_the_chosen_city_or_county(
        self, client, cast, application
    ) -> None:
        client.force_login(cast.applicant_a)
        square = json.dumps(SQUARE)  # in 南京市, across several of its districts
        response = self.post(client, application, division_code="320500", boundary_geojson=square)
        assert response.status_code == 200
        [message] = response.context["form"].errors["boundary_geojson"]
        assert "边界超出苏州市范围" in message
        response = self.post(client, application, division_code="320115", boundary_geojson=square)
        [message] = response.context["form"].errors["boundary_geojson"]
        assert "边界超出江宁区范围" in message
        application.refresh_from_db()
        application.park.refresh_from_db()
        assert application.park.division_code == "" and application.boundary_geojson is None

        response = self.post(client, application, division_code="320100", boundary_geojson=square)
        assert response.status_code == 302
        application.refresh_from_db()
        application.park.refresh_from_db()
        assert application.park.division_code == "320100"
        assert application.boundary_geojson is not None
        # The chosen place is shown on the boundary page and the park's page.
        page = client.get(reverse("application_boundary", args=[application.pk])).content
        assert "所在地：江苏省 南京市" in page.decode()
        detail = client.get(reverse("park_detail", args=[application.park.pk])).content
        assert "南京市" in detail.decode()
        # Cleared again: the check falls back to the province.
        response = self.post(client, application, division_code="", boundary_geojson=square)
        assert response.status_code == 302
        application.park.refresh_from_db()
        assert application.park.division_code == ""
