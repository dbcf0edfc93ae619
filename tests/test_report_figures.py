"""The situation report's map and chart (warwatch.report.figures): valid SVG, what each draws, and
the same SVG rendered into a real PDF by fpdf2 (then rasterised with pdftoppm and looked at)."""

from __future__ import annotations

import io
import json
import logging
import math
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest

from warwatch.report import figures, geo
from warwatch.report.figures import TYPE_STYLES, DayBar, MapPoint, daily_chart_svg, event_map_svg

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & Sons \"quoted\""


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("viewBox")
    return root


def by_class(root: ET.Element, name: str, tag: str = "*") -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}" if tag != "*" else tag) if name in (e.get("class") or "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def point(lat: float, lon: float, event_type: str = "Battles", fatalities: int | None = 1, precision: int = 1,
          n: int = 0, href: str | None = None) -> MapPoint:
    return MapPoint(lat, lon, event_type, "Armed clash", fatalities, precision, f"SY-{n}", f"Event {n}", href)


IDLIB = [
    point(35.93, 36.63, "Battles", 3, n=1, href="https://example.org/events/1"),
    point(35.65, 36.67, "Explosions/Remote violence", 12, n=2),
    point(36.20, 36.55, "Violence against civilians", None, n=3),
    point(35.80, 36.30, "Battles", 0, precision=3, n=4),
]


def symbol_size(group: ET.Element) -> float:
    """Radius of a circle, or half the width of a path's points, of the event's own symbol."""
    shape = next(e for e in group if e.tag in (f"{NS}circle", f"{NS}path") and e.get("class") != "region-ring")
    if shape.tag == f"{NS}circle":
        return float(shape.get("r"))
    xs = [float(x) for x in re.findall(r"(-?[\d.]+),", shape.get("d"))]
    return (max(xs) - min(xs)) / 2


# --- the map ---------------------------------------------------------------------------------


def test_map_of_idlib_draws_syrias_provinces_turkey_and_one_symbol_per_event() -> None:
    root = parse(event_map_svg(IDLIB, labels=[("Idlib", 35.93, 36.63)]))
    provinces = {e.get("data-name") for e in by_class(root, "province")}
    assert {"Idlib", "Aleppo", "Hama", "Latakia"} <= provinces
    countries = {e.get("data-iso2") for e in by_class(root, "country")}
    assert {"SY", "TR"} <= countries
    assert "TURKEY" in texts(root)  # a neighbour named
    events = by_class(root, "event", "g")
    assert len(events) == len(IDLIB)
    assert [e.get("data-type") for e in events].count("Battles") == 2
    assert "Idlib" in texts(root)
    assert "Who's On First" in " ".join(texts(root))  # the regions' licence asks for the credit


def test_symbol_area_grows_with_fatalities_and_unknown_toll_is_small_and_hollow() -> None:
    pts = [point(35.0 + i * 0.3, 37.0, "Battles", f, n=i) for i, f in enumerate([0, 5, 50, 200])]
    pts.append(point(36.5, 37.5, "Battles", None, n=9))
    events = {e.get("data-fatalities"): e for e in by_class(parse(event_map_svg(pts)), "event", "g")}
    sizes = [symbol_size(events[str(f)]) for f in (0, 5, 50, 200)]
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    unknown = events[None]
    assert symbol_size(unknown) <= sizes[0]
    shape = next(e for e in unknown if e.tag == f"{NS}circle")
    assert shape.get("fill") == "#ffffff" and shape.get("stroke") == TYPE_STYLES["Battles"].colour


def test_shapes_differ_by_type_and_have_the_area_of_the_circle() -> None:
    shapes = {s.shape for s in TYPE_STYLES.values()}
    colours = {s.colour for s in TYPE_STYLES.values()}
    assert len(shapes) == len(TYPE_STYLES) == len(colours)
    for shape in geo.SHAPES:
        outline = geo.shape_outline(shape, 0, 0, 10)
        assert abs(abs(geo.ring_area(outline)) - math.pi * 100) < 1e-6


def test_region_level_events_have_a_dashed_ring_and_a_legend_entry() -> None:
    root = parse(event_map_svg(IDLIB))
    for group in by_class(root, "event", "g"):
        rings = by_class(group, "region-ring")
        assert len(rings) == (1 if group.get("data-precision") == "3" else 0)
        if rings:
            assert rings[0].get("stroke-dasharray")
    assert any("Only the region is known" in t for t in texts(root))
    assert not any("Only the region" in t for t in texts(parse(event_map_svg(IDLIB[:2]))))


def test_legend_lists_exactly_the_types_present() -> None:
    pts = [*IDLIB, point(35.7, 36.9, "A type nobody knows", 1, n=7)]
    legend = [e.get("data-type") for e in by_class(parse(event_map_svg(pts)), "legend-type")]
    assert legend == ["Battles", "Explosions/Remote violence", "Violence against civilians", "A type nobody knows"]
    assert figures.type_style("A type nobody knows").colour == figures.DEFAULT_STYLE.colour


def test_extent_is_at_least_the_minimum_span_and_fits_the_points() -> None:
    proj = geo.fit((36.6, 35.9, 36.6, 35.9), (0, 0, 530, 420))
    lon0, lat0, lon1, lat1 = proj.extent()
    assert lat1 - lat0 >= 0.6 and (lon1 - lon0) * proj.coslat >= 0.6
    assert abs((lon1 - lon0) * proj.coslat / (lat1 - lat0) - 530 / 420) < 1e-9  # the frame's aspect
    x, y = proj(36.6, 35.9)
    assert abs(x - 265) < 1e-6 and abs(y - 210) < 1e-6


def test_links_and_tooltips_only_in_the_html_figure() -> None:
    pts = [*IDLIB, point(36.0, 36.8, n=8, href="javascript:alert(1)")]
    html = parse(event_map_svg(pts))
    assert [a.get("href") for a in html.iter(f"{NS}a")] == ["https://example.org/events/1"]
    assert len([t for g in by_class(html, "event", "g") for t in g.iter(f"{NS}title")]) == len(pts)
    pdf = parse(event_map_svg(pts, for_pdf=True))
    assert not list(pdf.iter(f"{NS}a")) and not list(pdf.iter(f"{NS}title"))
    assert len(by_class(pdf, "event", "g")) == len(pts)


def test_text_from_articles_is_escaped() -> None:
    pts = [MapPoint(35.9, 36.6, "Battles", HOSTILE, 2, 1, "SY-1&2", HOSTILE, "https://x.org/?a=1&b=<2>")]
    svg = event_map_svg(pts, labels=[(HOSTILE, 35.9, 36.6)])
    root = parse(svg)
    assert not list(root.iter(f"{NS}script")) and "<script" not in svg
    assert HOSTILE in texts(root)
    assert HOSTILE in "".join(t.text or "" for t in root.iter(f"{NS}title"))
    assert next(root.iter(f"{NS}a")).get("href") == "https://x.org/?a=1&b=<2>"
    chart = parse(daily_chart_svg([DayBar(date(2025, 1, 1), {HOSTILE: 2}, 1)]))
    assert not list(chart.iter(f"{NS}script"))
    assert HOSTILE in texts(chart)
    assert parse(event_map_svg(pts, labels=[("Bad\x00\x1bname", 35.9, 36.6)]))  # control characters dropped


def test_pdf_text_is_latin1() -> None:
    assert figures.pdf_text("Maʿarrat al-Nuʿman – “Ḥamā”") == "Ma'arrat al-Nu'man - \"Hama\""
    assert figures.pdf_text("Kharkiv Харків") == "Kharkiv ??????"
    root = parse(event_map_svg(IDLIB, labels=[("Maʿarrat al-Nuʿman", 35.65, 36.67)], for_pdf=True))
    assert "Ma'arrat al-Nu'man" in texts(root)


def test_labels_do_not_overlap() -> None:
    names = [("Idlib city centre", 35.93, 36.63), ("Idlib city east", 35.931, 36.632), ("Binnish", 35.95, 36.71),
             ("Sarmin", 35.90, 36.72), ("Taftanaz", 35.99, 36.78), ("Saraqib", 35.86, 36.80)]
    pts = [point(lat, lon, n=i) for i, (_n, lat, lon) in enumerate(names)]
    root = parse(event_map_svg(pts, labels=names))
    placed = [t for t in by_class(root, "place-label", "text")]
    assert 4 <= len(placed) <= len(names)
    boxes = []
    for t in placed:
        x, y = float(t.get("x")), float(t.get("y"))
        boxes.append((x, y - 9.5 * 0.8, x + figures.text_width(t.text, 9.5, bold=True), y + 9.5 * 0.25))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not geo.overlaps(a, b), (a, b)


def test_no_located_events() -> None:
    framed = parse(event_map_svg([], country="SY"))
    assert "No located events" in texts(framed)
    assert len(by_class(framed, "province")) >= 14
    neutral = parse(event_map_svg([point(float("nan"), 36.0)]))
    assert "No located events" in texts(neutral) and not by_class(neutral, "country")


def test_every_admin1_file_in_the_dashboards_folder_is_picked_up(tmp_path: Path) -> None:
    square = {"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]]}
    features = [{"type": "Feature", "properties": {"placetype": "region", "name": "North", "label": "Northland"},
                 "geometry": square}]
    (tmp_path / "XY_admin1.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    (tmp_path / "notes.geojson").write_text("{}")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(geo, "_admin1_folder", lambda: tmp_path)
            geo.admin1_files.cache_clear()
            geo.admin1.cache_clear()
            assert geo.admin1_files() == {"XY": "XY_admin1.geojson"}
            root = parse(event_map_svg([point(10.5, 10.5)], country="XY"))
            assert [e.get("data-name") for e in by_class(root, "province")] == ["Northland"]
    finally:
        geo.admin1_files.cache_clear()
        geo.admin1.cache_clear()
    assert "SY" in geo.admin1_files()


def test_country_at_and_outline_data() -> None:
    assert geo.country_at(36.6, 35.9) == "SY"
    assert geo.country_at(32.85, 39.93) == "TR"
    iso2 = {c.iso2 for c in geo.countries()}
    assert {"FR", "NO", "XK", "SY", "UA", "SD"} <= iso2
    assert len(resources.files("warwatch.report").joinpath("data", "admin0.geojson").read_bytes()) < 400_000


def test_clip_and_simplify() -> None:
    ring = [(-10.0, 5.0), (5.0, 5.0), (5.0, 20.0), (-10.0, 20.0)]
    clipped = geo.clip_ring(ring, (0, 0, 10, 10))
    assert all(0 <= x <= 10 and 0 <= y <= 10 for x, y in clipped)
    assert abs(abs(geo.ring_area(clipped)) - 25) < 1e-9
    assert geo.clip_ring([(20, 20), (30, 20), (30, 30)], (0, 0, 10, 10)) == []
    assert len(geo.simplify([(0, 0), (0.1, 0.1), (0.2, 0.2), (5, 5), (5.2, 5.1)], 0.5)) == 2


# --- the chart -------------------------------------------------------------------------------


def bins_of(svg: str) -> list[ET.Element]:
    return by_class(parse(svg), "bin", "g")


def test_chart_has_one_bar_group_per_day_including_empty_days() -> None:
    days = [DayBar(date(2025, 3, 1), {"Battles": 2, "Protests": 1}, 4), DayBar(date(2025, 3, 5), {"Riots": 3}, 0)]
    svg = daily_chart_svg(days)
    groups = bins_of(svg)
    assert [g.get("data-start") for g in groups] == [f"2025-03-0{d}" for d in range(1, 6)]
    heights = [sum(float(r.get("height")) for r in g.iter(f"{NS}rect") if r.get("data-type")) for g in groups]
    assert heights[1:4] == [0, 0, 0] and heights[0] == pytest.approx(heights[4])
    root = parse(svg)
    assert "Events per day" in texts(root) and "Fatalities per day" in texts(root)
    assert [e.get("fill") for e in by_class(root, "legend-type")] == [
        TYPE_STYLES[t].colour for t in ("Battles", "Protests", "Riots")]
    line = by_class(root, "fatalities", "polyline")[0].get("points").split()
    assert len(line) == 5


def test_chart_with_one_day() -> None:
    groups = bins_of(daily_chart_svg([DayBar(date(2025, 3, 1), {"Battles": 1}, 0)]))
    assert len(groups) == 1
    bar = next(r for r in groups[0].iter(f"{NS}rect") if r.get("data-type"))
    assert 10 < float(bar.get("width")) <= 36  # a bar, not the whole width
    assert "No dated events" in texts(parse(daily_chart_svg([])))


def test_long_spans_are_binned_by_week_then_month() -> None:
    first = date(2024, 1, 3)  # a Wednesday
    days = [DayBar(first + timedelta(i), {"Battles": 1}, 1) for i in range(0, 400, 3)]
    root = parse(daily_chart_svg(days))
    groups = by_class(root, "bin", "g")
    assert groups[0].get("data-start") == "2024-01-01" and {g.get("data-days") for g in groups} == {"7"}
    assert len(groups) == 58
    assert any("per week" in t for t in texts(root))
    counts = [sum(float(r.get("height")) for r in g.iter(f"{NS}rect") if r.get("data-type")) for g in groups]
    assert all(c > 0 for c in counts)
    monthly = parse(daily_chart_svg([DayBar(first + timedelta(i), {"Battles": 1}, 0) for i in range(0, 1200, 10)]))
    groups = by_class(monthly, "bin", "g")
    assert groups[0].get("data-start") == "2024-01-01" and len(groups) == 40
    assert "Events per month" in texts(monthly)


def test_ticks() -> None:
    assert figures.nice_ticks(10) == [0, 2, 4, 6, 8, 10]
    assert figures.nice_ticks(0) == [0, 1]
    assert figures.nice_ticks(37) == [0, 10, 20, 30, 40]


# --- fpdf2 and the printed page --------------------------------------------------------------

OKABE = {name: tuple(int(s.colour[i:i + 2], 16) for i in (1, 3, 5)) for name, s in TYPE_STYLES.items()}


def _pdf(map_svg: str, chart_svg: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.add_page()
    pdf.image(io.BytesIO(map_svg.encode()), x=20, y=20, w=170)  # 105 mm high
    pdf.image(io.BytesIO(chart_svg.encode()), x=20, y=135, w=170)  # 55 mm high
    return bytes(pdf.output())


def test_the_pdf_variant_uses_nothing_fpdf2_skips(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("fpdf")
    days = [DayBar(date(2025, 3, 1), {"Battles": 2}, 4), DayBar(date(2025, 3, 3), {"Riots": 1}, 1)]
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        # fpdf2's Helvetica raises KeyError on a letter outside Latin-1: the PDF variant folds them
        labels = [("Idlib", 35.93, 36.63), ("Ḥamā “Харків” 中文 ’", 35.7, 36.45)]
        map_svg = event_map_svg(IDLIB, labels=labels, for_pdf=True)
        assert 'Hama "??????" ?? \'' in texts(parse(map_svg))
        _pdf(map_svg, daily_chart_svg(days, for_pdf=True))
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("fpdf")]


def test_pdf_rendering_shows_the_map_and_the_chart(tmp_path: Path) -> None:
    pytest.importorskip("fpdf")
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is needed to look at the rendered PDF")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pts = [point(35.93, 36.63, "Battles", 60, n=1), point(35.65, 36.67, "Explosions/Remote violence", 40, n=2),
           point(36.20, 36.55, "Protests", 30, n=3), point(35.80, 36.30, "Riots", 30, precision=3, n=4)]
    days = [DayBar(date(2025, 3, 1) + timedelta(i), {"Battles": 3, "Riots": 2}, 5 * i) for i in range(0, 20, 2)]
    (tmp_path / "r.pdf").write_bytes(_pdf(event_map_svg(pts, labels=[("Idlib", 35.93, 36.63)], for_pdf=True),
                                          daily_chart_svg(days, for_pdf=True)))
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(tmp_path / "r.pdf"), str(tmp_path / "r")],
                   check=True, timeout=60)
    page = Image.open(tmp_path / "r.png").convert("RGB")
    px_per_mm = page.width / 210

    def area(x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int, int]]:
        box = tuple(round(v * px_per_mm) for v in (x0, y0, x1, y1))
        raw = page.crop(box).tobytes()  # RGB triples (getdata() is deprecated in Pillow 13)
        return [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]

    def near(pixels: list[tuple[int, int, int]], colour: tuple[int, int, int], tolerance: int = 70) -> int:
        return sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, colour, strict=True)) <= tolerance)

    frame_w = 170 * (680 - figures.LEGEND_W) / 680  # the map's frame, left of its legend
    map_px, chart_px, blank = area(20, 20, 190, 125), area(20, 135, 190, 190), area(20, 200, 190, 280)
    assert sum(1 for p in area(21, 21, 19 + frame_w, 124) if sum(p) < 750) > 0.95 * len(area(21, 21, 19 + frame_w, 124))
    assert sum(1 for p in chart_px if sum(p) < 720) > 0.05 * len(chart_px)
    assert sum(1 for p in blank if sum(p) < 750) == 0
    for name in ("Battles", "Explosions/Remote violence", "Protests", "Riots"):
        assert near(map_px, OKABE[name]) >= 10, name
    for name in ("Battles", "Riots"):
        assert near(chart_px, OKABE[name]) >= 50, name
    assert near(chart_px, OKABE["Protests"]) == 0
