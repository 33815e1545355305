"""Malformed, self-intersecting and hostile GeoJSON boundaries: always a clear BoundaryError,
never another exception (which a view would turn into a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.geo import BoundaryError, parse_boundary

BOUNDED = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SQUARE = [[120.0, 31.0], [120.1, 31.0], [120.1, 31.1], [120.0, 31.1], [120.0, 31.0]]


def polygon(*rings: list) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def _parse_or_refuse(source: Any) -> BoundaryError | None:
    try:
        boundary = parse_boundary(source)
    except BoundaryError as error:
        assert str(error)
        return error
    assert boundary.area_km2 > 0
    json.dumps(boundary.geojson, allow_nan=False)  # what is stored is strict JSON
    return None


def test_a_valid_square_is_measured() -> None:
    boundary = parse_boundary(polygon(SQUARE))

    assert 100 < boundary.area_km2 < 130  # 0.1° × 0.1° at 31° N ≈ 112 km²


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("", "JSON"),
        ("{", "JSON"),
        (b"\xff\xfe\x00", "JSON"),
        ("[]", "GeoJSON"),
        ('"Polygon"', "GeoJSON"),
        ("null", "GeoJSON"),
        ({"type": "Point", "coordinates": [120, 31]}, "Point"),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE]]}, "MultiPolygon"),
        ({"type": "Polygon"}, "coordinates"),
        (polygon(), "coordinates"),
        (polygon(SQUARE[:3]), "4"),
        (polygon(SQUARE[:-1] + [[120.05, 31.05]]), "闭合"),
        (polygon([[120, 31], [120, 31], [120, 31], [120, 31]]), "多边形"),
        (polygon([[-74.0, 40.7], [-74.1, 40.7], [-74.1, 40.8], [-74.0, 40.7]]), "中国范围"),
        (polygon([[31.0, 120.0], [31.1, 120.0], [31.1, 120.1], [31.0, 120.0]]), "经度, 纬度"),
        (polygon([[120, 31], [120.1, 31.1], [120.1, 31], [120, 31.1], [120, 31]]), "自相交"),
        (polygon([[120, 31], ["120.1", 31], [120.1, 31.1], [120, 31]]), "无效的坐标点"),
        (polygon([[120, 31], [True, 31], [120.1, 31.1], [120, 31]]), "无效的坐标点"),
        ({"type": "FeatureCollection", "features": []}, "恰好包含一个"),
        ({"type": "Feature", "geometry": None}, "geometry"),
    ],
)
def test_broken_boundaries_get_a_message_saying_what_is_wrong(source, words) -> None:
    error = _parse_or_refuse(source)

    assert error is not None
    assert words in str(error)


def test_a_hole_that_crosses_the_outer_ring_is_refused() -> None:
    hole = [[120.05, 31.05], [120.2, 31.05], [120.2, 31.06], [120.05, 31.05]]

    assert "自相交或内环越界" in str(_parse_or_refuse(polygon(SQUARE, hole)))


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"Polygon","coordinates":[[[120,31],[NaN,31],[120.1,31.1],[120,31]]]}',
        '{"type":"Polygon","coordinates":[[[120,31],[Infinity,31],[120.1,31.1],[120,31]]]}',
        '{"type":"Polygon","coordinates":[[[120,31],[120.1,-Infinity],[120.1,31.1],[120,31]]]}',
        '{"type":"Polygon","coordinates":[[[1e400,31],[120.1,31],[120.1,31.1],[1e400,31]]]}',
        '{"type":"Polygon","coordinates":[[[' + "9" * 5000 + ",31],[120.1,31],[120,31]]]}",
    ],
)
def test_non_finite_and_enormous_coordinates_are_refused(text) -> None:
    assert _parse_or_refuse(text) is not None


def test_a_deeply_nested_document_is_refused_not_crashed() -> None:
    assert _parse_or_refuse("[" * 100_000 + "]" * 100_000) is not None
    assert _parse_or_refuse('{"type":' * 50_000 + "1" + "}" * 50_000) is not None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["Polygon", "Feature", "FeatureCollection"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["type", "coordinates", "geometry", "features", "x"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=30,
)


@BOUNDED
@given(value=json_values)
def test_any_json_value_is_parsed_or_refused_cleanly(value) -> None:
    _parse_or_refuse(value if isinstance(value, dict) else json.dumps(value))


coordinate = st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.floats(73, 135)
positions = st.lists(
    st.tuples(st.floats(119.9, 120.2) | coordinate, st.floats(30.9, 31.2) | coordinate).map(list),
    min_size=0,
    max_size=12,
)


@BOUNDED
@given(ring=positions, close=st.booleans(), holes=st.lists(positions, max_size=2))
def test_any_ring_of_positions_is_parsed_or_refused_cleanly(ring, close, holes) -> None:
    # Random rings are mostly self-intersecting, unclosed, out of range or NaN: all refused.
    if close and ring:
        ring = [*ring, ring[0]]

    _parse_or_refuse(polygon(ring, *holes))
    _parse_or_refuse(json.dumps({"type": "Feature", "geometry": polygon(ring, *holes)}))


@BOUNDED
@given(text=st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_or_text_are_parsed_or_refused_cleanly(text) -> None:
    _parse_or_refuse(text)
