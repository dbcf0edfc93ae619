"""The situation report's two figures as self-contained SVG: a map of the events and a daily chart.

Both are drawn from data in the package (boundaries: :mod:`warwatch.report.geo`), with no tile
server, network or script, so one SVG string serves the HTML report (inline) and the PDF, where
fpdf2 2.8.9 turns it into vector paths (``FPDF.image(io.BytesIO(svg.encode()), x=..., w=...)``).

Only what fpdf2 2.8.9 draws like a browser is used (checked by rendering both, see
tests/test_report_figures.py): ``path``, ``circle``, ``rect``, ``line``, ``polyline``, ``g``
(with ``transform``), ``text`` (``text-anchor``, ``font-weight``, ``font-style``, rotation),
``fill-opacity``, ``stroke-dasharray`` and presentation attributes. fpdf2 skips ``<a>`` and
``<title>`` (drawing the ``<a>``'s children but logging a warning for each), ignores
``paint-order``, honours ``clip-path`` on single shapes only (not on a ``<g>``), and its
Helvetica knows Latin-1 only (any other letter raises KeyError). Hence:

* boundaries are cut to the map frame in Python (Sutherland–Hodgman), not by a clip path;
* the white halo under a label is a second, stroked ``<text>`` below it, not ``paint-order``;
* ``for_pdf=True`` leaves out ``<a>`` links and ``<title>`` tooltips (no warnings, no bytes the
  PDF cannot use) and folds the text to Latin-1 ("Maʿarrat" → "Ma'arrat"; other scripts → "?").

Text is in "Helvetica, Arial, sans-serif", which fpdf2 maps to its built-in Helvetica; widths
for label placement come from Helvetica's metrics, so what fits in a browser fits in the PDF.
Colours are the Okabe–Ito palette (safe for colour-blind readers), and each event type has its
own shape too, so the map reads in greyscale; the chart's stacks keep the legend's order.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from warwatch.report import geo

FONT = "Helvetica, Arial, sans-serif"
INK = "#222222"
MUTED = "#666666"


@dataclass(frozen=True)
class TypeStyle:
    """How one ACLED event type is drawn: fill colour, symbol shape (see SHAPES), legend label."""

    colour: str
    shape: str
    label: str


TYPE_STYLES: dict[str, TypeStyle] = {
    "Battles": TypeStyle("#D55E00", "circle", "Battles"),
    "Explosions/Remote violence": TypeStyle("#E69F00", "star", "Explosions / remote violence"),
    "Violence against civilians": TypeStyle("#CC79A7", "triangle", "Violence against civilians"),
    "Protests": TypeStyle("#009E73", "square", "Protests"),
    "Riots": TypeStyle("#0072B2", "diamond", "Riots"),
    "Strategic developments": TypeStyle("#56B4E9", "triangle_down", "Strategic developments"),
}
DEFAULT_STYLE = TypeStyle("#999999", "hexagon", "Other")


def type_style(event_type: str) -> TypeStyle:
    """The style of an event type; an unknown type is grey hexagons labelled with its own name."""
    style = TYPE_STYLES.get(event_type)
    return style or TypeStyle(DEFAULT_STYLE.colour, DEFAULT_STYLE.shape, event_type or DEFAULT_STYLE.label)


def _type_order(types: Iterable[str]) -> list[str]:
    known = list(TYPE_STYLES)
    return sorted(set(types), key=lambda t: (known.index(t) if t in known else len(known), t))


@dataclass(frozen=True)
class MapPoint:
    """One event on the map. ``precision`` is ACLED's geo_precision (3 = only the region is known,
    drawn with a dashed ring); ``fatalities`` None = no figure reported (a small hollow symbol).
    ``href`` (http(s) or relative) makes the symbol a link in the HTML figure."""

    lat: float
    lon: float
    event_type: str
    sub_event_type: str
    fatalities: int | None
    precision: int | None
    event_id: str
    title: str
    href: str | None = None


@dataclass(frozen=True)
class DayBar:
    """One day of the chart: events by type and the (conservative) fatalities reported that day."""

    day: date
    counts: dict[str, int] = field(default_factory=dict)
    fatalities: int = 0


# --- text ------------------------------------------------------------------------------------

# Helvetica's advance widths (1/1000 em) for ASCII 32..126, from the Adobe core font metrics
# that fpdf2 uses too; other letters are measured as their unaccented base letter.
_HELVETICA = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,
    722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278,
    278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PUNCT = str.maketrans({"‘": "'", "’": "'", "ʼ": "'", "ʿ": "'", "ʾ": "'", "“": '"', "”": '"', "–": "-",
                        "—": "-", "‐": "-", "…": "...", "\u00a0": " "})


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in px of ``text`` set in Helvetica at ``size`` px (bold about 6% wider)."""
    total = 0
    for ch in text:
        code = ord(ch)
        if not 32 <= code <= 126:
            base = unicodedata.normalize("NFKD", ch)[:1]
            code = ord(base) if base and 32 <= ord(base) <= 126 else 110  # "n" for the rest
        total += _HELVETICA[code - 32]
    return total * size / 1000 * (1.06 if bold else 1.0)


def pdf_text(text: str) -> str:
    """The text as fpdf2's built-in Helvetica can set it (Latin-1): quotes and dashes made plain,
    other letters stripped of their accents, what is left outside Latin-1 written "?"."""
    out = []
    for ch in text.translate(_PUNCT):
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


class Svg:
    """A list of SVG elements with the escaping, number format and PDF variant in one place."""

    def __init__(self, width: int, height: int, for_pdf: bool, label: str) -> None:
        self.width, self.height, self.for_pdf = width, height, for_pdf
        self.parts: list[str] = []
        self.label = label

    def text_value(self, text: str) -> str:
        text = _XML_BAD.sub("", str(text))
        return escape(pdf_text(text) if self.for_pdf else text, quote=True)

    def add(self, tag: str, body: str | None = None, **attrs: object) -> None:
        self.parts.append(element(tag, body, **attrs))

    def text(self, x: float, y: float, text: str, *, size: float = 9, halo: bool = False, **attrs: object) -> None:
        """A text line; ``halo`` puts a white stroked copy below it (fpdf2 has no paint-order)."""
        value = self.text_value(text)
        if halo:
            under = {**attrs, "fill": "#ffffff", "stroke": "#ffffff", "stroke_width": 2.6, "stroke_linejoin": "round",
                     "class_": "halo"}
            self.parts.append(element("text", value, x=x, y=y, font_size=size, **under))
        attrs.setdefault("fill", INK)
        self.parts.append(element("text", value, x=x, y=y, font_size=size, **attrs))

    def title(self, text: str) -> str:
        return "" if self.for_pdf else f"<title>{self.text_value(text)}</title>"

    def render(self) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
                f'width="{self.width}" height="{self.height}" font-family="{FONT}" role="img" '
                f'aria-label="{self.text_value(self.label)}">')
        return head + self.title(self.label) + "".join(self.parts) + "</svg>"


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def element(tag: str, body: str | None = None, **attrs: object) -> str:
    """``<tag a="v">body</tag>``; attribute names take '-' for '_'; values are escaped; None skipped.
    ``body`` must already be markup (escaped text or child elements)."""
    rendered = []
    for key, value in attrs.items():
        if value is None:
            continue
        text = num(value) if isinstance(value, float) else str(value)
        rendered.append(f' {key.rstrip("_").replace("_", "-")}="{escape(_XML_BAD.sub("", text), quote=True)}"')
    attr_text = "".join(rendered)
    return f"<{tag}{attr_text}/>" if body is None else f"<{tag}{attr_text}>{body}</{tag}>"


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking on spaces, for a legend column."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word, size) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


# --- symbols ---------------------------------------------------------------------------------


def symbol(shape: str, x: float, y: float, r: float, **attrs: object) -> str:
    """One symbol (a shape of geo.SHAPES, else a circle) of the area of a circle of radius ``r``."""
    outline = geo.shape_outline(shape, x, y, r)
    if outline is None:
        return element("circle", cx=float(x), cy=float(y), r=float(r), **attrs)
    return element("path", d="M" + " ".join(f"{num(px)},{num(py)}" for px, py in outline) + "Z", **attrs)


def safe_href(href: str | None) -> str | None:
    """Only web and relative links: a ``javascript:`` URL in an inline SVG would run when clicked
    (browsers drop tabs, newlines and spaces inside a scheme, so the check does too)."""
    if not href:
        return None
    scheme = re.match(r"^([^/?#]*?):", re.sub(r"[\x00-\x20\x7f]", "", href))
    return href if scheme is None or scheme.group(1).lower() in ("http", "https") else None


# --- the map ---------------------------------------------------------------------------------

SEA = "#e3edf3"
LAND = "#f6f5f1"  # neighbours, lighter
FOCUS = "#ebe6d8"  # the countries of the events
LEGEND_W = 150
R_MIN, R_MAX, R_UNKNOWN = 3.5, 15.0, 3.5


def _radius(fatalities: int | None, reference: float) -> float:
    """Symbol area grows linearly with deaths, from R_MIN (none) to R_MAX (``reference`` deaths)."""
    if fatalities is None:
        return R_UNKNOWN
    share = min(max(fatalities, 0) / reference, 1.0)
    return math.sqrt(R_MIN**2 + (R_MAX**2 - R_MIN**2) * share)


def event_map_svg(points: Sequence[MapPoint], *, labels: Sequence[tuple[str, float, float]] = (),
                  country: str | None = None, width: int = 680, height: int = 420, for_pdf: bool = False) -> str:
    """The map of ``points`` as an SVG document (a string).

    ``labels``: (name, lat, lon) of the places to name, most important first; a name that finds
    no free spot beside its place is left out. ``country``: ISO2 of a country of the report, framed
    when no point has a location (with a "No located events" note), drawn as one of the events'
    countries otherwise. The extent is the points' bounding box padded, at least 0.6° across,
    widened to the frame's aspect ratio; the legend takes the right 150 px.
    ``for_pdf``: no links and tooltips, Latin-1 text (see the module's docstring).
    """
    svg = Svg(width, height, for_pdf, "Map of located events")
    located = [p for p in points if geo.valid_lonlat(p.lon, p.lat)]
    map_w = width - LEGEND_W
    frame = (0.0, 0.0, float(map_w), float(height))
    focus = {country.upper()} if country else set()
    focus |= {iso for p in located if (iso := geo.country_at(p.lon, p.lat))}
    if located:
        lons, lats = [p.lon for p in located], [p.lat for p in located]
        proj = geo.fit((min(lons), min(lats), max(lons), max(lats)), frame)
    elif country and (area := geo.country_area(country.upper())) is not None:
        proj = geo.fit(area.bbox, frame, margin=12)
    else:
        svg.add("rect", x=0.5, y=0.5, width=width - 1.0, height=height - 1.0, fill="#f7f7f7", stroke="#999999")
        svg.text(width / 2, height / 2, "No located events", size=14, text_anchor="middle", fill=MUTED)
        return svg.render()

    svg.add("rect", x=0.0, y=0.0, width=float(map_w), height=float(height), fill=SEA)
    name_spots = _draw_boundaries(svg, proj, frame, focus)
    reference = float(max([10] + [p.fatalities or 0 for p in located]))
    radii = [_radius(p.fatalities, reference) for p in located]
    centres = geo.fan_out([(*proj(p.lon, p.lat), r) for p, r in zip(located, radii, strict=True)])
    placed = [(p, x, y, r) for p, (x, y), r in zip(located, centres, radii, strict=True)]
    symbols, taken = geo.Boxes(), geo.Boxes()
    for _p, x, y, r in placed:
        symbols.add((x - r, y - r, x + r, y + r))
    # the scale bar and the north arrow are taken from the start: no name runs under them
    taken.add((0, height - 34, 150, height))
    taken.add((map_w - 30, 0, map_w, 44))
    if not located:
        taken.add((map_w / 2 - 90, height / 2 - 16, map_w / 2 + 90, height / 2 + 12))
    _draw_events(svg, placed)
    _draw_place_labels(svg, proj, labels, placed, taken, symbols, (2.0, 2.0, map_w - 2.0, height - 2.0))
    for name, x, y, size, colour, style in name_spots:
        w = text_width(name, size)
        box = (x - w / 2 - 2, y - size * 0.8, x + w / 2 + 2, y + size * 0.3)
        if box[0] < 2 or box[2] > map_w - 2 or taken.hits(box) or symbols.hits(box):
            continue
        taken.add(box)
        svg.text(x, y, name, size=size, text_anchor="middle", fill=colour, font_style=style, halo=True)
    if not located:
        svg.add("rect", x=map_w / 2 - 90, y=height / 2 - 16, width=180.0, height=28.0, fill="#ffffff",
                fill_opacity=0.85, stroke="#999999", stroke_width=0.6)
        svg.text(map_w / 2, height / 2 + 3, "No located events", size=12, text_anchor="middle", fill=MUTED)
    _draw_scale(svg, proj, height)
    _draw_north(svg, map_w)
    svg.add("rect", x=0.5, y=0.5, width=map_w - 1.0, height=height - 1.0, fill="none", stroke="#555555",
            stroke_width=1.0)
    provinces = any(geo.admin1(iso)[1] for iso in focus)
    _draw_map_legend(svg, located, reference, map_w + 10, width - map_w - 14, height, provinces)
    return svg.render()


def _draw_boundaries(svg: Svg, proj: geo.Projection, rect: tuple[float, float, float, float],
                     focus: set[str]) -> list[tuple[str, float, float, float, str, str]]:
    """Countries (the events' darker), then the shipped regions of those countries; returns the
    spots for their names (name, x, y, size, colour, font-style), largest areas first."""
    spots: list[tuple[float, tuple[str, float, float, float, str, str]]] = []
    ext = proj.extent()
    detailed = [iso for iso in sorted(focus) if iso in geo.admin1_files()]
    erase = []
    for c in geo.countries():
        if not geo.overlaps(c.bbox, ext) or not (rings := geo.project_area(c, proj, rect)):
            continue
        if c.iso2 in detailed:
            # 1:110m borders are km off the detailed ones: this country's coarse shape is painted
            # over its neighbours' borders in their colour, and its detailed regions go on top
            erase.append(geo.path_data(rings))
            continue
        inside = c.iso2 in focus
        svg.add("path", d=geo.path_data(rings), fill=FOCUS if inside else LAND, fill_rule="evenodd",
                stroke="#8c8c8c", stroke_width=0.7, stroke_linejoin="round", class_="country", data_iso2=c.iso2)
        if spot := geo.label_point(rings):
            spots.append((spot[0], (c.name.upper(), *spot[1], 10.0, "#555555" if inside else "#8a8a8a", "normal")))
    for d in erase:
        svg.add("path", d=d, fill=LAND, fill_rule="evenodd", stroke=LAND, stroke_width=1.6)
    for iso2 in detailed:
        outline, regions = geo.admin1(iso2)
        for region in regions:
            if geo.overlaps(region.bbox, ext) and (rings := geo.project_area(region, proj, rect)):
                svg.add("path", d=geo.path_data(rings), fill=FOCUS, fill_rule="evenodd", stroke="#a3a3a3",
                        stroke_width=0.6, stroke_linejoin="round", class_="province", data_name=region.name)
                if (spot := geo.label_point(rings)) and spot[0] > 2500:  # px²: room for a name
                    spots.append((spot[0] / 10, (region.name, *spot[1], 8.0, "#7a7a7a", "italic")))
        if outline is not None and geo.overlaps(outline.bbox, ext) and (rings := geo.project_area(outline, proj, rect)):
            svg.add("path", d=geo.path_data(rings), fill="none", stroke="#6e6e6e", stroke_width=1.1,
                    stroke_linejoin="round", class_="country", data_iso2=iso2)
            if spot := geo.label_point(rings):
                spots.append((spot[0], (outline.name.upper(), *spot[1], 10.0, "#555555", "normal")))
    spots.sort(key=lambda s: -s[0])
    return [s[1] for s in spots]


def _draw_events(svg: Svg, placed: list[tuple[MapPoint, float, float, float]]) -> None:
    # big symbols first so that small ones stay visible on top of them
    for point, x, y, r in sorted(placed, key=lambda item: -item[3]):
        style = type_style(point.event_type)
        inner = []
        if not svg.for_pdf:
            toll = "no figure" if point.fatalities is None else str(point.fatalities)
            where = " (region only)" if point.precision == 3 else ""
            inner.append(svg.title(f"{point.title}\n{point.event_id} · {point.sub_event_type or point.event_type}"
                                   f" · fatalities: {toll}{where}"))
        if point.precision == 3:
            inner.append(element("circle", cx=x, cy=y, r=r + 3.5, fill="none", stroke=style.colour,
                                 stroke_width=1.3, stroke_dasharray="2.5 2", class_="region-ring"))
        if point.fatalities is None:
            inner.append(symbol(style.shape, x, y, r, fill="#ffffff", fill_opacity=0.7, stroke=style.colour,
                                stroke_width=1.5))
        else:
            inner.append(symbol(style.shape, x, y, r, fill=style.colour, fill_opacity=0.88, stroke="#333333",
                                stroke_width=0.5))
        group = element("g", "".join(inner), class_="event", data_type=point.event_type,
                        data_precision=point.precision, data_fatalities=point.fatalities)
        href = None if svg.for_pdf else safe_href(point.href)
        svg.parts.append(element("a", group, href=href) if href else group)


def _draw_place_labels(svg: Svg, proj: geo.Projection, labels: Sequence[tuple[str, float, float]],
                       placed: list[tuple[MapPoint, float, float, float]], taken: geo.Boxes, symbols: geo.Boxes,
                       bounds: geo.Box) -> None:
    """Names of the most affected places, each beside a dot on its exact spot (the symbols may be
    fanned out around it); a name that fits nowhere free is left out."""
    size = 9.5
    for name, lat, lon in labels:
        if not name or not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        x, y = proj(lon, lat)
        if not (bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3]):
            continue
        near = [r + math.hypot(px - x, py - y) for _p, px, py, r in placed if math.hypot(px - x, py - y) < 3 * r]
        spot = geo.place_label(x, y, text_width(name, size, bold=True), size, min(max(near, default=2.0), 30) + 3,
                               bounds, taken, symbols)
        if spot is None:
            continue
        taken.add(spot[2])
        svg.add("circle", cx=x, cy=y, r=1.8, fill=INK, stroke="#ffffff", stroke_width=0.8)
        svg.text(spot[0], spot[1], name, size=size, font_weight="bold", halo=True, class_="place-label")


def _draw_scale(svg: Svg, proj: geo.Projection, height: float) -> None:
    """A scale bar of a round number of km, about a fifth of the map's width."""
    km = geo.nice_below(proj.width / 5 * proj.km_per_px)
    length = km / proj.km_per_px
    x0, y0 = 12.0, height - 14.0
    svg.add("rect", x=x0 - 6, y=y0 - 16, width=length + text_width(f"{km} km", 8) + 10, height=24.0, fill="#ffffff",
            fill_opacity=0.75)
    svg.add("rect", x=x0, y=y0 - 3, width=length / 2, height=4.0, fill=INK, stroke=INK, stroke_width=0.6)
    svg.add("rect", x=x0 + length / 2, y=y0 - 3, width=length / 2, height=4.0, fill="#ffffff", stroke=INK,
            stroke_width=0.6)
    svg.text(x0, y0 - 6, "0", size=8, text_anchor="middle")
    svg.text(x0 + length, y0 - 6, f"{km} km", size=8, text_anchor="start", dx=-4.0)


def _draw_north(svg: Svg, map_w: float) -> None:
    x, y = map_w - 16, 12.0
    svg.add("path", d=f"M{num(x)},{num(y)} L{num(x + 6)},{num(y + 16)} L{num(x)},{num(y + 12)} "
            f"L{num(x - 6)},{num(y + 16)}Z", fill=INK, stroke="#ffffff", stroke_width=0.8)
    svg.text(x, y + 28, "N", size=9, text_anchor="middle", font_weight="bold", halo=True)


def _draw_map_legend(svg: Svg, located: Sequence[MapPoint], reference: float, x0: float, w: float,
                     height: float, provinces: bool) -> None:
    """Only what the map shows: its event types, a size key up to its largest toll, the hollow
    and the dashed-ring symbols when some event needs them; the boundaries' sources at the foot."""
    source = "Boundaries: Natural Earth" + ("; regions: Who's On First (CC BY)" if provinces else "")
    lines = wrap(source, w, 7)
    for i, line in enumerate(lines):
        svg.text(x0, height - 6 - 9 * (len(lines) - 1 - i), line, size=7, fill=MUTED)
    if not located:
        return
    y = 16.0
    svg.text(x0, y, "Event type", size=10, font_weight="bold")
    y += 8
    for event_type in _type_order(p.event_type for p in located):
        style = type_style(event_type)
        lines = wrap(style.label, w - 20, 9)
        svg.parts.append(element("g", symbol(style.shape, x0 + 6, y + 6, 5.0, fill=style.colour, stroke="#333333",
                                             stroke_width=0.5), class_="legend-type", data_type=event_type))
        for i, line in enumerate(lines):
            svg.text(x0 + 17, y + 9.2 + 10.5 * i, line, size=9)
        y += 10.5 * len(lines) + 5
    y += 12
    svg.text(x0, y, "Fatalities", size=10, font_weight="bold")
    most = max(p.fatalities or 0 for p in located)
    keys = sorted({k for k in (1, geo.nice_below(most / 4) if most >= 8 else 0, most) if k > 0})
    cx, base = x0 + 4, y + 2 * R_MAX + 8
    for k in keys:  # circles on a common baseline, the figure below each
        r = _radius(k, reference)
        svg.add("circle", cx=cx + r, cy=base - r, r=r, fill="#bdbdbd", stroke="#333333", stroke_width=0.5)
        svg.text(cx + r, base + 10, str(k), size=8, text_anchor="middle")
        cx += 2 * r + 12
    if any(p.fatalities is None for p in located):
        svg.add("circle", cx=cx + 12, cy=base - R_UNKNOWN, r=R_UNKNOWN, fill="#ffffff", stroke="#555555",
                stroke_width=1.5)
        svg.text(cx + 12, base + 10, "no figure", size=8, text_anchor="middle")
    y = base + 28
    if any(p.precision == 3 for p in located):
        svg.add("circle", cx=x0 + 6, cy=y + 2, r=6.0, fill="none", stroke="#555555", stroke_width=1.3,
                stroke_dasharray="2.5 2")
        for i, line in enumerate(wrap("Only the region is known (approximate place)", w - 20, 8.5)):
            svg.text(x0 + 17, y + 5 + 10 * i, line, size=8.5)


# --- the chart -------------------------------------------------------------------------------

DAY, WEEK, MONTH = "day", "week", "month"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Bin:
    start: date
    days: int
    counts: dict[str, int] = field(default_factory=dict)
    fatalities: int = 0


def bins(days: Sequence[DayBar]) -> tuple[str, list[Bin]]:
    """The chart's bins from the first to the last day, days without events included as zeros:
    by day up to 92 days, by week (Monday to Sunday) up to two years, by month beyond."""
    first, last = min(d.day for d in days), max(d.day for d in days)
    span = (last - first).days + 1
    unit = DAY if span <= 92 else WEEK if span <= 731 else MONTH
    out: list[Bin] = []
    start = _bin_start(first, unit)
    while start <= last:
        nxt = (start + timedelta(days=1 if unit == DAY else 7) if unit != MONTH
               else date(start.year + start.month // 12, start.month % 12 + 1, 1))
        out.append(Bin(start, (nxt - start).days))
        start = nxt
    index = {b.start: b for b in out}
    for d in days:
        b = index[_bin_start(d.day, unit)]
        for event_type, n in d.counts.items():
            b.counts[event_type] = b.counts.get(event_type, 0) + max(n, 0)
        b.fatalities += max(d.fatalities or 0, 0)
    return unit, out


def _bin_start(day: date, unit: str) -> date:
    return day if unit == DAY else day - timedelta(days=day.weekday()) if unit == WEEK else day.replace(day=1)


def nice_ticks(top: float, most: int = 5) -> list[int]:
    """0 and evenly spaced whole numbers (a step of 1, 2 or 5 × 10ⁿ) up to at least ``top``, in at
    most ``most`` intervals."""
    steps = (m * 10**e for e in range(9) for m in (1, 2, 5))
    step = next(s for s in steps if math.ceil(top / s) <= most)
    return [step * i for i in range(max(1, math.ceil(top / step)) + 1)]


def _matching_ticks(top: float, intervals: int) -> list[int]:
    """Right-axis ticks with as many intervals as the left axis, so both share its gridlines."""
    steps = (int(m * 10**e) for e in range(9) for m in (1, 2, 2.5, 5) if float(m * 10**e).is_integer())
    step = next(s for s in steps if s * intervals >= top)
    return [step * i for i in range(intervals + 1)]


def daily_chart_svg(days: Sequence[DayBar], *, width: int = 680, height: int = 220, for_pdf: bool = False) -> str:
    """Stacked bars of events per day by type (the map's colours) and the reported fatalities as
    a line on a right-hand axis. Long spans are binned by week or month (the axis titles say so);
    every day, week or month between the first and the last is drawn, empty ones as zero.
    ``for_pdf``: no tooltips, Latin-1 text (see the module's docstring)."""
    svg = Svg(width, height, for_pdf, "Events and reported fatalities over time")
    if not days:
        svg.add("rect", x=0.5, y=0.5, width=float(width - 1), height=float(height - 1), fill="#f7f7f7",
                stroke="#999999")
        svg.text(width / 2, height / 2, "No dated events", size=14, text_anchor="middle", fill=MUTED)
        return svg.render()
    unit, bars = bins(days)
    types = _type_order(t for b in bars for t, n in b.counts.items() if n > 0)

    # legend along the top, wrapped when the types do not fit on one line
    x, y = 48.0, 12.0
    items: list[tuple[str, str | None]] = [(type_style(t).label, type_style(t).colour) for t in types]
    items.append(("Reported fatalities (right axis)", None))
    for label, colour in items:
        w = 16 + text_width(label, 9) + 14
        if x + w > width - 8 and x > 48:
            x, y = 48.0, y + 14
        if colour is None:
            svg.add("line", x1=x, y1=y - 3, x2=x + 12, y2=y - 3, stroke=INK, stroke_width=1.4)
            svg.add("circle", cx=x + 6, cy=y - 3, r=2.2, fill="#ffffff", stroke=INK, stroke_width=1.2)
        else:
            svg.add("rect", x=x, y=y - 8, width=10.0, height=10.0, fill=colour, class_="legend-type")
        svg.text(x + 16, y, label, size=9)
        x += w

    left, right, top, bottom = 48.0, width - 52.0, y + 14, height - 34.0
    plot_w, plot_h = right - left, bottom - top
    counts_top = max(sum(b.counts.values()) for b in bars)
    left_ticks = nice_ticks(counts_top)
    intervals = len(left_ticks) - 1
    right_ticks = _matching_ticks(max(b.fatalities for b in bars), intervals)
    per = {DAY: "day", WEEK: "week (Mon–Sun)", MONTH: "month"}[unit]

    for i, tick in enumerate(left_ticks):
        ty = bottom - plot_h * i / intervals
        svg.add("line", x1=left, y1=ty, x2=right, y2=ty, stroke="#d9d9d9" if i else "#555555", stroke_width=0.6)
        svg.text(left - 5, ty + 3, str(tick), size=8.5, text_anchor="end")
        svg.text(right + 5, ty + 3, str(right_ticks[i]), size=8.5, text_anchor="start", fill=MUTED)
    mid = (top + bottom) / 2
    svg.text(12, mid, f"Events per {per}", size=9, text_anchor="middle", transform=f"rotate(-90 12 {num(mid)})")
    svg.text(width - 8, mid, f"Fatalities per {unit}", size=9, text_anchor="middle", fill=MUTED,
             transform=f"rotate(-90 {width - 8} {num(mid)})")

    slot = plot_w / len(bars)
    bar_w = min(slot * 0.8, 36.0) if slot >= 2.5 else slot  # hairline bins touch rather than vanish
    counts_scale = plot_h / left_ticks[-1]
    fatal_scale = plot_h / right_ticks[-1]
    line: list[tuple[float, float]] = []
    for i, b in enumerate(bars):
        cx = left + slot * (i + 0.5)
        inner = []
        if not for_pdf:
            total = sum(b.counts.values())
            what = ", ".join(f"{type_style(t).label} {b.counts[t]}" for t in types if b.counts.get(t))
            span = _date_text(b.start) + ("" if b.days == 1 else f" – {_date_text(b.start + timedelta(b.days - 1))}")
            inner.append(svg.title(f"{span}: {total} event{'s' if total != 1 else ''}"
                                   f"{' (' + what + ')' if what else ''}; {b.fatalities} reported fatalities"))
            # an invisible column so that the tooltip answers over an empty day too
            inner.append(element("rect", x=cx - slot / 2, y=top, width=slot, height=plot_h, fill="#000000",
                                 fill_opacity=0))
        base = bottom
        for t in types:
            n = b.counts.get(t, 0)
            if n <= 0:
                continue
            h = n * counts_scale
            inner.append(element("rect", x=cx - bar_w / 2, y=base - h, width=bar_w, height=h,
                                 fill=type_style(t).colour, stroke="#ffffff" if bar_w > 4 else None,
                                 stroke_width=0.5 if bar_w > 4 else None, data_type=t))
            base -= h
        svg.parts.append(element("g", "".join(inner), class_="bin", data_start=b.start.isoformat(), data_days=b.days))
        line.append((cx, bottom - b.fatalities * fatal_scale))

    if len(line) > 1:
        svg.add("polyline", points=" ".join(f"{num(px)},{num(py)}" for px, py in line), fill="none", stroke=INK,
                stroke_width=1.3, stroke_linejoin="round", class_="fatalities")
    if slot >= 10:  # dots only while they do not merge into a thick line
        for px, py in line:
            svg.add("circle", cx=px, cy=py, r=2.2, fill="#ffffff", stroke=INK, stroke_width=1.2)

    # date ticks: about one per 55 px, on whole steps of the unit; the year under the first and at each change
    need = math.ceil(55 / slot)
    every = next((s for s in {DAY: (1, 2, 3, 7, 14), WEEK: (1, 2, 4, 8, 13, 26), MONTH: (1, 2, 3, 6, 12)}[unit]
                  if s >= need), need)
    last_year = None
    for i in range(0, len(bars), every):
        b = bars[i]
        cx = left + slot * (i + 0.5)
        svg.add("line", x1=cx, y1=bottom, x2=cx, y2=bottom + 3, stroke="#555555", stroke_width=0.6)
        month = MONTHS[b.start.month - 1]
        svg.text(cx, bottom + 12, month if unit == MONTH else f"{b.start.day} {month}", size=8.5, text_anchor="middle")
        if b.start.year != last_year:
            svg.text(cx, bottom + 22, str(b.start.year), size=8.5, text_anchor="middle", fill=MUTED)
            last_year = b.start.year
    return svg.render()


def _date_text(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
