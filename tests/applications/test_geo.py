"""Boundary GeoJSON: validation with clear messages, and the area on the ellipsoid."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from applications.geo import BoundaryError, parse_boundary


def polygon(*ring):
    return {"type": "Polygon", "coordinates": [list(map(list, ring))]}


ONE_DEGREE_AT_EQUATOR_NORTH = polygon((100, 20), (101, 20), (101, 21), (100, 21), (100, 20))


def _quadrangle_km2(lat1: float, lat2: float, dlon: float) -> float:
    """The closed-form area of an ellipsoidal quadrangle on WGS84 (independent of pyproj)."""
    a, f = 6378137.0, 1 / 298.257223563
    b = a * (1 - f)
    e = math.sqrt(1 - (b / a) ** 2)

    def q(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return s / (1 - e * e * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return b * b * math.radians(dlon) / 2 * (q(lat2) - q(lat1)) / 1e6


def test_the_area_of_a_one_degree_cell_matches_the_ellipsoid():
    # 1°×1° between 20°N and 21°N: 11,548.38 km² in closed form. The polygon's edges are
    # geodesics, not parallels, so a tiny difference remains (well under 0.01%).
    boundary = parse_boundary(ONE_DEGREE_AT_EQUATOR_NORTH)
    assert isinstance(boundary.area_km2, Decimal)
    expected = Decimal(str(_quadrangle_km2(20, 21, 1)))
    assert abs(boundary.area_km2 - expected) / expected < Decimal("0.0001")
    # A sphere of radius 6371 km would give about 11,580.6 km², far outside that tolerance.
    assert abs(boundary.area_km2 - Decimal("11580.6")) > Decimal("20")


def test_a_small_square_near_nanjing_has_the_expected_area():
    # 0.05° × 0.04° at 32°N ≈ 4.72 km × 4.44 km ≈ 20.9 km².
    boundary = parse_boundary(
        polygon((118.70, 32.00), (118.75, 32.00), (118.75, 32.04), (118.70, 32.04), (118.70, 32.00))
    )
    assert Decimal("20.5") < boundary.area_km2 < Decimal("21.3")


def test_the_orientation_of_the_ring_does_not_change_the_area():
    clockwise = polygon((100, 20), (100, 21), (101, 21), (101, 20), (100, 20))
    assert (
        parse_boundary(clockwise).area_km2 == parse_boundary(ONE_DEGREE_AT_EQUATOR_NORTH).area_km2
    )


def test_a_feature_collection_with_one_polygon_is_accepted_as_text():
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {}, "geometry": ONE_DEGREE_AT_EQUATOR_NORTH}
            ],
        }
    )
    assert parse_boundary(text).geojson["type"] == "Polygon"


def test_a_ring_that_is_not_closed_is_refused():
    with pytest.raises(BoundaryError, match="未闭合"):
        parse_boundary(polygon((100, 20), (101, 20), (101, 21), (100, 21), (100, 20.5)))


def test_a_self_intersecting_bow_tie_is_refused():
    with pytest.raises(BoundaryError, match="自相交"):
        parse_boundary(polygon((100, 20), (101, 21), (101, 20), (100, 21), (100, 20)))


def test_a_polygon_outside_china_is_refused_with_the_extent():
    with pytest.raises(BoundaryError, match="超出中国范围"):
        parse_boundary(polygon((2, 48), (3, 48), (3, 49), (2, 49), (2, 48)))


def test_swapped_latitude_and_longitude_are_refused():
    with pytest.raises(BoundaryError, match="经度, 纬度"):
        parse_boundary(polygon((32, 118), (32.1, 118), (32.1, 118.1), (32, 118.1), (32, 118)))


@pytest.mark.parametrize(
    "source, message",
    [
        ("{not json", "JSON 格式错误"),
        ("[1, 2]", "GeoJSON 对象"),
        (json.dumps({"type": "Point", "coordinates": [100, 20]}), "多边形"),
        (json.dumps({"type": "Polygon"}), "缺少坐标"),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[100, 20], [101, 20], [100, 20]]]}),
            "至少需要4个",
        ),
        (
            json.dumps(
                {"type": "Polygon", "coordinates": [[[100, 20], ["a", 20], [101, 21], [100, 20]]]}
            ),
            "无效的坐标点",
        ),
        (json.dumps({"type": "FeatureCollection", "features": []}), "恰好包含一个"),
        (json.dumps({"type": "Feature", "geometry": None}), "缺少几何图形"),
    ],
)
def test_malformed_geojson_is_refused_with_a_clear_message(source, message):
    with pytest.raises(BoundaryError, match=message):
        parse_boundary(source)
