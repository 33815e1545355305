"""Boundary geometry: parse and validate a GeoJSON polygon, and measure it on the ellipsoid. Pure.

Accepted: a Polygon geometry, a Feature holding one, or a FeatureCollection with exactly one
polygon Feature. Holes are allowed. Each ring must be closed (first position equal to the last),
the polygon must not intersect itself, and every position must lie within China's extent.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from pyproj import Geod
from shapely.geometry import Polygon, shape
from shapely.validation import explain_validity

from zcparks import untrusted

# Longitude and latitude extent of China (with a little margin): lon 73–135.1, lat 18–53.6.
CHINA_EXTENT = (Decimal("73"), Decimal("18"), Decimal("135.1"), Decimal("53.6"))
AREA_PLACES = Decimal("0.0001")
_GEOD = Geod(ellps="WGS84")
# Arrays a GeoJSON text may hold beyond one per vertex (rings, coordinates, a bbox, properties).
VERTEX_MARGIN = 1000


class BoundaryError(ValueError):
    """The GeoJSON is not an acceptable boundary; the message says why."""


class DivisionError(BoundaryError):
    """The city or county named is not one of the park's province; the message names the field."""


@dataclass(frozen=True)
class Boundary:
    geojson: dict[str, Any]  # a GeoJSON Polygon geometry
    area_km2: Decimal
    perimeter_km: Decimal


def _load(source: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(source, dict):
        return source
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    try:
        _values, arrays = untrusted.check_json(data)
        # Each vertex is an array: far more arrays than vertices allowed is refused before
        # millions of them are built (the exact count follows in _rings).
        limit = untrusted.MAX_BOUNDARY_VERTICES + VERTEX_MARGIN
        if arrays > limit and untrusted.count_arrays(data) > limit:
            raise untrusted.Refused("MAX_BOUNDARY_VERTICES")
    except untrusted.Refused as exc:
        raise BoundaryError(str(exc)) from None
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurd nesting
        raise BoundaryError(_("边界文件不是有效的 GeoJSON（JSON 格式错误）。")) from None
    if not isinstance(value, dict):
        raise BoundaryError(_("边界文件不是有效的 GeoJSON 对象。"))
    return value


def _polygon_geometry(value: dict[str, Any]) -> dict[str, Any]:
    kind = value.get("type")
    if kind == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise BoundaryError(_("GeoJSON 要素集合须恰好包含一个多边形要素。"))
        return _polygon_geometry(features[0] if isinstance(features[0], dict) else {})
    if kind == "Feature":
        geometry = value.get("geometry")
        if not isinstance(geometry, dict):
            raise BoundaryError(_("GeoJSON 要素缺少几何图形（geometry）。"))
        return _polygon_geometry(geometry)
    if kind == "Polygon":
        return value
    raise BoundaryError(
        _("边界须为多边形（Polygon），收到的是：%(kind)s。") % {"kind": kind or "?"}
    )


def _rings(geometry: dict[str, Any]) -> list[list[tuple[Decimal, Decimal]]]:
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryError(_("多边形缺少坐标（coordinates）。"))
    if sum(len(ring) if isinstance(ring, list) else 0 for ring in coordinates) > (
        untrusted.MAX_BOUNDARY_VERTICES
    ):
        raise BoundaryError(str(untrusted.Refused("MAX_BOUNDARY_VERTICES")))
    rings = []
    for index, ring in enumerate(coordinates):
        which = _("外边界") if index == 0 else _("第%(n)s个内环") % {"n": index}
        if not isinstance(ring, list) or len(ring) < 4:
            raise BoundaryError(
                _("%(which)s至少需要4个坐标点（含与起点相同的终点）。") % {"which": which}
            )
        points = []
        for position in ring:
            if (
                not isinstance(position, list)
                or len(position) < 2
                or not all(
                    isinstance(c, int | float)
                    and not isinstance(c, bool)
                    and (not isinstance(c, float) or math.isfinite(c))  # NaN, ±inf
                    for c in position[:2]
                )
            ):
                raise BoundaryError(
                    _("%(which)s含有无效的坐标点：%(p)s。") % {"which": which, "p": position}
                )
            points.append((Decimal(str(position[0])), Decimal(str(position[1]))))
        if points[0] != points[-1]:
            raise BoundaryError(_("%(which)s未闭合：首尾坐标点必须相同。") % {"which": which})
        west, south, east, north = CHINA_EXTENT
        for lon, lat in points:
            if not (west <= lon <= east and south <= lat <= north):
                raise BoundaryError(
                    _(
                        "坐标点（经度 %(lon)s，纬度 %(lat)s）超出中国范围"
                        "（经度 73–135.1，纬度 18–53.6）；请确认坐标顺序为[经度, 纬度]。"
                    )
                    % {"lon": lon, "lat": lat}
                )
        rings.append(points)
    return rings


def parse_boundary(source: str | bytes | dict[str, Any]) -> Boundary:
    """Validate a boundary and measure it; raises BoundaryError with a clear message."""
    rings = _rings(_polygon_geometry(_load(source)))
    polygon = Polygon(
        [(float(x), float(y)) for x, y in rings[0]],
        [[(float(x), float(y)) for x, y in ring] for ring in rings[1:]],
    )
    if not polygon.is_valid:
        raise BoundaryError(
            _("边界多边形无效（边线自相交或内环越界）：%(why)s。")
            % {"why": explain_validity(polygon)}
        )
    if polygon.area == 0:
        raise BoundaryError(_("边界多边形面积为零。"))
    area, perimeter = _GEOD.geometry_area_perimeter(polygon)
    area_km2 = (Decimal(str(abs(area))) / Decimal(1_000_000)).quantize(AREA_PLACES, ROUND_HALF_UP)
    perimeter_km = (Decimal(str(perimeter)) / Decimal(1000)).quantize(AREA_PLACES, ROUND_HALF_UP)
    geojson = {
        "type": "Polygon",
        "coordinates": [[[float(x), float(y)] for x, y in ring] for ring in rings],
    }
    return Boundary(geojson=geojson, area_km2=area_km2, perimeter_km=perimeter_km)


def check_place(boundary: Boundary, province_code: str, division_code: str = "") -> None:
    """The boundary must lie within its province (and the city or county named, if any).

    Raises BoundaryError naming the place, and the province where the part outside it lies."""
    from . import admin_areas  # the outlines are read on the first check only

    polygon = shape(boundary.geojson)
    codes = [province_code]
    if division_code and division_code[:2] == province_code:
        codes.append(division_code)
    for code in codes:
        widened = admin_areas.widened(code)
        if widened is None or widened.contains(polygon):
            continue
        division = admin_areas.division(code)
        assert division is not None
        place = admin_areas.place_name(code)
        elsewhere = admin_areas.province_at(polygon.difference(division.outline))
        if elsewhere and elsewhere != province_code:
            raise BoundaryError(
                _("边界超出%(place)s范围：超出部分位于%(other)s，请检查坐标。")
                % {"place": place, "other": admin_areas.place_name(elsewhere)}
            )
        raise BoundaryError(
            _("边界超出%(place)s范围（允许误差约 2 公里），请检查坐标。") % {"place": place}
        )


# A drawn area that differs from the declared one by more than this share of it is questioned.
AREA_QUESTION_SHARE = Decimal("0.2")


class AreaQuestion(BoundaryError):
    """The drawn area is far from the declared one: saved only once the park confirms it."""


def question_area(area_km2: Decimal, declared_km2: Decimal | None) -> None:
    """Raise AreaQuestion when the boundary's area is far from the declared area (D29)."""
    if not declared_km2 or abs(area_km2 - declared_km2) <= AREA_QUESTION_SHARE * declared_km2:
        return
    share = (abs(area_km2 - declared_km2) / declared_km2 * 100).quantize(Decimal("1"))
    raise AreaQuestion(
        _(
            "按边界计算的面积为 %(area)s 平方公里，与填报的规划面积 %(declared)s 平方公里"
            "相差 %(share)s%%。请核对边界或规划面积；确认无误请勾选“确认面积差异”后再保存。"
        )
        % {"area": area_km2, "declared": format(declared_km2.normalize(), "f"), "share": share}
    )
