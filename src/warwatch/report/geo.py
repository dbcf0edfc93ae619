"""Boundaries, projection and ring clipping for the report's map, in pure Python.

Two sources of outlines, both shipped in the package (no tile server, no network):

* ``report/data/admin0.geojson`` — every country, Natural Earth 1:110m (see data/SOURCES.md);
* ``serve/web/static/boundaries/XX_admin1.geojson`` — first-level regions of country XX (ISO2)
  plus its own, more detailed outline; every file of that name in the folder is picked up, so
  shipping another country's file there gives the report its provinces too.

The map is small (a few hundred km across at most, usually), so an equirectangular projection
whose x is shrunk by cos(mid-latitude) keeps shapes and distances right to a few per cent; the
antimeridian is not handled (no conflict map of ours spans it).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

Ring = tuple[tuple[float, float], ...]  # (lon, lat) or (x, y) pairs, first == last not required
Polygon = tuple[Ring, ...]  # outer ring, then holes

ADMIN1_NAME = re.compile(r"^([A-Z]{2})_admin1\.geojson$")


@dataclass(frozen=True)
class Area:
    """A country (level 0) or first-level region (level 1) with its polygons in lon/lat."""

    name: str
    iso2: str | None
    level: int
    polygons: tuple[Polygon, ...]
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        return any(_inside_polygon(lon, lat, polygon) for polygon in self.polygons)


def _polygons(geometry: dict[str, Any]) -> tuple[Polygon, ...]:
    coords = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return tuple(tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in poly) for poly in coords)


def _area(name: str, iso2: str | None, level: int, geometry: dict[str, Any]) -> Area:
    polygons = _polygons(geometry)
    lons = [p[0] for poly in polygons for p in poly[0]]
    lats = [p[1] for poly in polygons for p in poly[0]]
    return Area(name, iso2, level, polygons, (min(lons), min(lats), max(lons), max(lats)))


@cache
def countries() -> tuple[Area, ...]:
    """All countries of Natural Earth 1:110m."""
    text = resources.files("warwatch.report").joinpath("data", "admin0.geojson").read_text("utf-8")
    return tuple(_area(f["properties"]["name"], f["properties"].get("iso_a2"), 0, f["geometry"])
                 for f in json.loads(text)["features"])


def _admin1_folder() -> Any:
    # the dashboard's own copy: one file serves both, so a new country is added in one place
    return resources.files("warwatch").joinpath("serve", "web", "static", "boundaries")


@cache
def admin1_files() -> dict[str, str]:
    """ISO2 → file name of every ``XX_admin1.geojson`` shipped with the dashboard."""
    folder = _admin1_folder()
    if not folder.is_dir():
        return {}
    return {m.group(1): entry.name for entry in folder.iterdir() if (m := ADMIN1_NAME.match(entry.name))}


@cache
def admin1(iso2: str) -> tuple[Area | None, tuple[Area, ...]]:
    """(the file's own country outline or None, its regions) for a country; (None, ()) without a file."""
    name = admin1_files().get(iso2)
    if name is None:
        return None, ()
    data = json.loads(_admin1_folder().joinpath(name).read_text("utf-8"))
    outline: Area | None = None
    regions: list[Area] = []
    for feature in data["features"]:
        props = feature["properties"]
        label = str(props.get("label") or props.get("name") or "")
        if props.get("placetype") == "country":
            outline = _area(label, iso2, 0, feature["geometry"])
        else:
            regions.append(_area(label, iso2, 1, feature["geometry"]))
    return outline, tuple(regions)


def country_area(iso2: str) -> Area | None:
    """The most detailed outline shipped for a country: its admin1 file's, else Natural Earth's."""
    outline, _ = admin1(iso2)
    return outline or next((c for c in countries() if c.iso2 == iso2), None)


def country_at(lon: float, lat: float) -> str | None:
    """ISO2 of the country a point lies in; the detailed admin1 outlines are asked first, and a point
    just off a coarse 1:110m coast (a port, a beach) goes to the nearest country within ~30 km."""
    for iso2 in admin1_files():
        outline, regions = admin1(iso2)
        if (outline and outline.contains(lon, lat)) or any(r.contains(lon, lat) for r in regions):
            return iso2
    for country in countries():
        if country.contains(lon, lat):
            return country.iso2
    best: tuple[float, str | None] = (0.3**2, None)
    for country in countries():
        x0, y0, x1, y1 = country.bbox
        if x0 - 0.3 <= lon <= x1 + 0.3 and y0 - 0.3 <= lat <= y1 + 0.3:
            for poly in country.polygons:
                for px, py in poly[0]:
                    d = (px - lon) ** 2 + (py - lat) ** 2
                    if d < best[0]:
                        best = (d, country.iso2)
    return best[1]


def _inside_ring(x: float, y: float, ring: Sequence[tuple[float, float]]) -> bool:
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _inside_polygon(x: float, y: float, polygon: Polygon) -> bool:
    return _inside_ring(x, y, polygon[0]) and not any(_inside_ring(x, y, hole) for hole in polygon[1:])


@dataclass(frozen=True)
class Projection:
    """lon/lat → pixels of a frame: x = (lon - lon0)·cos(mid-lat)·k + left, y = (lat_top - lat)·k + top."""

    lon0: float
    lat_top: float
    k: float  # pixels per degree of latitude
    coslat: float
    left: float
    top: float
    width: float
    height: float

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.lon0) * self.coslat * self.k + self.left, (self.lat_top - lat) * self.k + self.top)

    def extent(self) -> tuple[float, float, float, float]:
        """min lon, min lat, max lon, max lat of the frame."""
        lon1 = self.lon0 + self.width / (self.k * self.coslat)
        return self.lon0, self.lat_top - self.height / self.k, lon1, self.lat_top

    @property
    def km_per_px(self) -> float:
        return 111.32 / self.k


def fit(bbox: tuple[float, float, float, float], frame: tuple[float, float, float, float],
        *, margin: float = 28.0, min_span: float = 0.6) -> Projection:
    """The projection that shows ``bbox`` (lon/lat) centred in ``frame`` (x, y, w, h px), at least
    ``margin`` px inside each edge (room for symbols), and at least ``min_span`` degrees across so
    that one village is not drawn at street scale; the frame's aspect ratio decides the rest."""
    lon0, lat0, lon1, lat1 = bbox
    lat0, lat1 = max(lat0, -85.0), min(lat1, 85.0)
    mid_lat = (lat0 + lat1) / 2
    coslat = max(math.cos(math.radians(mid_lat)), 0.05)
    span_x = max((lon1 - lon0) * coslat, min_span)  # in latitude degrees, i.e. true proportions
    span_y = max(lat1 - lat0, min_span)
    x, y, w, h = frame
    inner_w, inner_h = max(w - 2 * margin, w * 0.3), max(h - 2 * margin, h * 0.3)
    k = min(inner_w / span_x, inner_h / span_y)
    centre_lon, centre_lat = (lon0 + lon1) / 2, mid_lat
    return Projection(lon0=centre_lon - w / 2 / (k * coslat), lat_top=centre_lat + h / 2 / k, k=k, coslat=coslat,
                      left=x, top=y, width=w, height=h)


def overlaps(bbox: tuple[float, float, float, float], other: tuple[float, float, float, float]) -> bool:
    return not (bbox[2] < other[0] or bbox[0] > other[2] or bbox[3] < other[1] or bbox[1] > other[3])


def clip_ring(ring: Sequence[tuple[float, float]], rect: tuple[float, float, float, float],
              ) -> list[tuple[float, float]]:
    """Sutherland–Hodgman: the ring cut to the rectangle (x0, y0, x1, y1). A concave ring may come
    back with edges running along the rectangle's sides; filled and under the map frame they do not show."""
    x0, y0, x1, y1 = rect
    points = list(ring)
    edges = (
        (lambda p: p[0] >= x0, lambda a, b: _cross_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _cross_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _cross_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _cross_y(a, b, y1)),
    )
    for inside, cross in edges:
        if not points:
            break
        out: list[tuple[float, float]] = []
        prev = points[-1]
        for cur in points:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
        points = out
    return points


def _cross_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return x, a[1] + t * (b[1] - a[1])


def _cross_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return a[0] + t * (b[0] - a[0]), y


def simplify(ring: Iterable[tuple[float, float]], tolerance: float = 0.5) -> list[tuple[float, float]]:
    """Drop points closer than ``tolerance`` px to the last kept one: the 1:110m outlines have
    hundreds of points per country that fall on one pixel of a wide map."""
    out: list[tuple[float, float]] = []
    for p in ring:
        if not out or abs(p[0] - out[-1][0]) >= tolerance or abs(p[1] - out[-1][1]) >= tolerance:
            out.append(p)
    if len(out) > 1 and abs(out[0][0] - out[-1][0]) < tolerance and abs(out[0][1] - out[-1][1]) < tolerance:
        out.pop()
    return out


def project_area(area: Area, proj: Projection, rect: tuple[float, float, float, float],
                 tolerance: float = 0.5) -> list[list[tuple[float, float]]]:
    """The area's rings in pixels, cut to ``rect`` and thinned; polygons off the map are skipped
    on their lon/lat bounds before any point is projected."""
    ext = proj.extent()
    rings: list[list[tuple[float, float]]] = []
    for polygon in area.polygons:
        outer = polygon[0]
        lons = [p[0] for p in outer]
        lats = [p[1] for p in outer]
        if not overlaps((min(lons), min(lats), max(lons), max(lats)), ext):
            continue
        for ring in polygon:
            px = clip_ring(simplify((proj(lon, lat) for lon, lat in ring), tolerance), rect)
            if len(px) >= 3 and abs(ring_area(px)) > tolerance:
                rings.append(px)
    return rings


def ring_area(ring: Sequence[tuple[float, float]]) -> float:
    """Signed area (shoelace), in the ring's units squared."""
    return sum(ring[i - 1][0] * p[1] - p[0] * ring[i - 1][1] for i, p in enumerate(ring)) / 2


def path_data(rings: Iterable[Sequence[tuple[float, float]]]) -> str:
    """SVG path ``d`` for rings (one subpath each, closed), one decimal: 0.1 px is below print detail."""
    parts = []
    for ring in rings:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in ring)
        parts.append(f"M{pts}Z")
    return "".join(parts)


def label_point(rings: Sequence[Sequence[tuple[float, float]]]) -> tuple[float, tuple[float, float]] | None:
    """(area, point) for labelling the largest ring: its centroid if inside, else the grid point
    inside it nearest the centroid (a crescent-shaped piece of a neighbour at the map edge)."""
    if not rings:
        return None
    ring = max(rings, key=lambda r: abs(ring_area(r)))
    a = ring_area(ring)
    if abs(a) < 1e-9:
        return None
    cx = sum((ring[i - 1][0] + p[0]) * (ring[i - 1][0] * p[1] - p[0] * ring[i - 1][1]) for i, p in enumerate(ring))
    cy = sum((ring[i - 1][1] + p[1]) * (ring[i - 1][0] * p[1] - p[0] * ring[i - 1][1]) for i, p in enumerate(ring))
    centroid = (cx / (6 * a), cy / (6 * a))
    if _inside_ring(*centroid, ring):
        return abs(a), centroid
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    step = max(max(xs) - min(xs), max(ys) - min(ys)) / 12
    candidates = [(min(xs) + i * step, min(ys) + j * step) for i in range(13) for j in range(13)]
    inside = [c for c in candidates if _inside_ring(*c, ring)]
    if not inside:
        return None
    return abs(a), min(inside, key=lambda c: (c[0] - centroid[0]) ** 2 + (c[1] - centroid[1]) ** 2)


# --- layout on the map: symbols that share a place, names that must not collide ---------------

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in px


class Boxes:
    """Rectangles already taken on the map, for cheap collision checks (a few hundred at most)."""

    def __init__(self) -> None:
        self.boxes: list[Box] = []

    def hits(self, box: Box) -> int:
        return sum(1 for b in self.boxes if overlaps(box, b))

    def add(self, box: Box) -> None:
        self.boxes.append(box)


def fan_out(symbols: Sequence[tuple[float, float, float]]) -> list[tuple[float, float]]:
    """New centres for symbols (x, y, radius): those within 2 px of each other (events reported at
    one place) are spread in a small sunflower around the spot, largest in the middle, so that
    each stays countable; the others keep theirs."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (x, y, _r) in enumerate(symbols):
        groups.setdefault((round(x / 2), round(y / 2)), []).append(i)
    out = [(x, y) for x, y, _r in symbols]
    for members in groups.values():
        members.sort(key=lambda i: -symbols[i][2])
        step = 0.8 * sum(symbols[i][2] for i in members) / len(members) + 1.0
        x, y, _r = symbols[members[0]]
        for n, i in enumerate(members[1:], start=1):
            angle = n * 2.39996  # the golden angle: no two neighbours line up
            out[i] = (x + step * math.sqrt(n) * math.cos(angle), y + step * math.sqrt(n) * math.sin(angle))
    return out


def place_label(x: float, y: float, width: float, size: float, gap: float, bounds: Box,
                taken: Boxes, avoid: Boxes) -> tuple[float, float, Box] | None:
    """Where to write a name of ``width`` px beside (x, y): eight spots around it, ``gap`` px
    away, are tried; one that leaves ``bounds`` or overlaps a box of ``taken`` is out, and of the
    rest the one covering the fewest boxes of ``avoid`` (symbols) wins, right of the place first.
    Returns (x, y of the text's baseline start, its box) or None when no spot is free."""
    d = gap * 0.7
    up, mid, down, low = y - gap, y + size * 0.35, y + gap + size * 0.75, y + d + size * 0.7
    candidates = [(x + gap, mid), (x - gap - width, mid), (x - width / 2, up), (x - width / 2, down),
                  (x + d, y - d), (x + d, low), (x - d - width, y - d), (x - d - width, low)]
    best: tuple[int, int, float, float, Box] | None = None
    for rank, (tx, ty) in enumerate(candidates):
        box = (tx - 1, ty - size * 0.8, tx + width + 1, ty + size * 0.25)
        if box[0] < bounds[0] or box[1] < bounds[1] or box[2] > bounds[2] or box[3] > bounds[3] or taken.hits(box):
            continue
        score = avoid.hits(box)
        if best is None or (score, rank) < best[:2]:
            best = (score, rank, tx, ty, box)
    return None if best is None else best[2:]


def nice_below(value: float) -> int:
    """The largest of 1, 2, 5, 10, 20, 50, ... not above ``value`` (at least 1)."""
    steps = [m * 10**e for e in range(7) for m in (1, 2, 5)]
    return max([s for s in steps if s <= value] or [1])


def valid_lonlat(lon: object, lat: object) -> bool:
    """A real position: numbers, finite, within the globe's ranges."""
    return (isinstance(lon, (int, float)) and isinstance(lat, (int, float)) and math.isfinite(lon)
            and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90)


def _star(points: int, inner: float) -> list[tuple[float, float]]:
    return [((1 if i % 2 == 0 else inner) * math.sin(math.pi * i / points),
             -(1 if i % 2 == 0 else inner) * math.cos(math.pi * i / points)) for i in range(2 * points)]


def _regular(n: int, turn: float = 0.0) -> list[tuple[float, float]]:
    return [(math.sin(2 * math.pi * i / n + turn), -math.cos(2 * math.pi * i / n + turn)) for i in range(n)]


# Symbol outlines around (0, 0), y down; scaled when drawn to the area of a circle of the
# requested radius, so that a triangle for 10 deaths is as big on paper as a circle for 10.
SHAPES: dict[str, list[tuple[float, float]]] = {
    "star": _star(5, 0.5),
    "triangle": _regular(3),
    "triangle_down": _regular(3, math.pi),
    "square": _regular(4, math.pi / 4),
    "diamond": _regular(4),
    "hexagon": _regular(6, math.pi / 6),
}


def shape_outline(shape: str, x: float, y: float, r: float) -> list[tuple[float, float]] | None:
    """The points of a shape of SHAPES centred on (x, y) with the area of a circle of radius ``r``;
    None for "circle" or an unknown shape (drawn as a circle)."""
    unit = SHAPES.get(shape)
    if unit is None:
        return None
    scale = r * math.sqrt(math.pi / abs(ring_area(unit)))
    return [(x + px * scale, y + py * scale) for px, py in unit]
