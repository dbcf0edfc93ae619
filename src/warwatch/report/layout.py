"""What every format of the report shows the same way: the rows of its tables, its captions and
the two pictures. The renderers only lay these out, so the HTML, the PDF and the Markdown carry
the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import quote

from warwatch.report import figures
from warwatch.report.model import REGION_LEVEL, Contested, Incident, Report, actor_name
from warwatch.report.summary import RefBook, Sentence, day_text, span_text, summary
from warwatch.store.records import ArticleInfo, EventRecord

GRADE_WORDS = {"single_source": "single source", "corroborated": "corroborated", "contested": "contested"}
#: the events listed at the end of a PDF at most (the HTML and Markdown list them all)
PDF_EVENT_ROWS = 400


def toll_text(e: EventRecord) -> str:
    """The reported deaths of one event: "4", "4-10" (the sources' range), or "not reported"."""
    if e.fatalities is None:
        return "not reported"
    high = max(e.fatalities, e.fatalities_high or 0)
    return str(e.fatalities) if high == e.fatalities else f"{e.fatalities}–{high}"


def grade_text(e: EventRecord) -> str:
    n = e.n_independent or len(e.sources) or 1
    word = GRADE_WORDS.get(e.grade or "", e.grade or "single source")
    return f"{word} ({n} {'source' if n == 1 else 'sources'})" if e.grade != "single_source" else word


def place_text(e: EventRecord) -> str:
    if not e.location and not e.admin1:
        return "unlocated"
    parts = [p for p in (e.location, e.admin1) if p]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    text = ", ".join(parts)
    if (e.geo_precision or 0) >= REGION_LEVEL:
        text += " (region level)"
    return text


def type_text(e: EventRecord) -> str:
    return e.sub_event_type or e.event_type


def actors_text(e: EventRecord) -> str:
    one = actor_name(e.actor1) if e.actor1 else "unknown"
    if e.actor_attributed and e.actor1:
        one += " (attributed)"
    return f"{one} against {actor_name(e.actor2)}" if e.actor2 else one


def date_text(e: EventRecord) -> str:
    return e.event_date.isoformat() if e.event_date else "undated"


#: the columns every format's event tables share, after the event id
EVENT_COLUMNS = ("Date", "Place", "Type", "Actors", "Killed", "Grade")


def event_cells(e: EventRecord) -> list[str]:
    """An event's cells under :data:`EVENT_COLUMNS`, the same words in every format."""
    return [date_text(e), place_text(e), type_text(e), actors_text(e), toll_text(e), grade_text(e)]


def dashboard_url(base: str | None, event_id: str) -> str | None:
    """The event's page on the dashboard at ``base`` ("" for this server's own paths), or None."""
    return None if base is None else f"{base.rstrip('/')}/events/{quote(event_id, safe='')}"


@dataclass
class Layout:
    """A report ready to write: title, sentences, references, pictures and table rows."""

    report: Report
    title: str
    subtitle: str
    summary: list[Sentence]
    book: RefBook
    map_points: list[figures.MapPoint] = field(default_factory=list)
    labels: list[tuple[str, float, float]] = field(default_factory=list)
    day_bars: list[figures.DayBar] = field(default_factory=list)

    @property
    def incidents(self) -> list[Incident]:
        return self.report.incidents

    @property
    def contested(self) -> list[Contested]:
        return self.report.contested

    def map_svg(self, *, href: object = None, for_pdf: bool = False) -> str:
        points = self.map_points
        if href is not None and not for_pdf:
            points = [replace(p, href=href(p.event_id)) for p in points]  # type: ignore[operator]
        return figures.event_map_svg(points, labels=self.labels, for_pdf=for_pdf, country=self._country())

    def chart_svg(self, *, for_pdf: bool = False) -> str:
        return figures.daily_chart_svg(self.day_bars, for_pdf=for_pdf)

    def map_caption(self) -> str:
        n = len(self.report.unlocated)
        unlocated = f" {n} unlocated {'event is' if n == 1 else 'events are'} not shown." if n else ""
        return ("Events of the period by type; symbol area grows with the reported deaths (hollow: no toll reported; "
                f"ringed: placed at region level).{unlocated} Boundaries: Natural Earth; provinces: Who's On First.")

    def chart_caption(self) -> str:
        """What the chart shows, in the unit its bars are counted by (day, week or month)."""
        unit = figures.bins(self.day_bars)[0] if self.day_bars else "day"
        return (f"Events per {unit} by type (bars) and reported deaths per {unit} (conservative figures, dots); "
                f"{unit}s with no event show as zero.")

    def _country(self) -> str | None:
        countries = {e.country for e in self.report.events if e.country}
        return next(iter(countries)) if len(countries) == 1 else None

    def uncertain(self) -> list[tuple[str, list[EventRecord], str]]:
        """The kinds of doubt, each with its events and a line on what it means for the figures."""
        r = self.report
        out = []
        if r.contested:
            out.append(("contested", [c.event for c in r.contested],
                        "a party denies them, or the sources disagree on who did it or on the toll"))
        if r.single_source:
            out.append(("single source", r.single_source, "only one independent source reports them"))
        if r.region_level:
            out.append(("placed at region level", r.region_level,
                        "the sources name only a province or region: drawn at its centre, with a ring"))
        if r.unlocated:
            out.append(("unlocated", r.unlocated, "no place could be located: counted, not on the map"))
        if r.undated:
            out.append(("undated", r.undated, "no source dates them: not counted in the period"))
        untolled = r.toll.unreported
        if untolled:
            out.append(("no reported toll", untolled, "no source gives a death toll: they add none"))
        return out

    def event_lists(self) -> list[tuple[str, list[EventRecord], str]]:
        """The lists of events at the end of the report, each with its heading and anchor: every
        event a figure counts is in one of them (the previous period's too, for the comparison)."""
        r = self.report
        out = []
        if r.events:
            out.append(("All events of the period", r.events, "events"))
        if r.undated:
            out.append(("Undated reports (not counted in the period)", r.undated, "undated"))
        if r.previous and r.previous_events:
            out.append((f"Events of the previous period, {span_text(r.previous.start, r.previous.end)} (compared "
                        "with)", r.previous_events, "previous"))
        return out

    def outlet_rows(self) -> list[tuple[str, int, int, int, list[ArticleInfo]]]:
        """Per outlet: articles, copies among them, events they report, and the articles."""
        return [(o.name, len(o.articles), o.copies, len(o.events), sorted(o.articles.values(), key=_published))
                for o in self.report.outlets]


def _published(a: ArticleInfo) -> tuple:
    return (a.published or date.max, a.id)


def lay_out(report: Report) -> Layout:
    """The shared layout of a report: its title, summary with references, map and chart data."""
    book = RefBook()
    sentences = summary(report, book)
    scope = report.scope or "all recorded areas"
    period = report.period
    title = f"Situation report: {scope}"
    when = span_text(period.start, period.end) if period else "no dated events"
    subtitle = f"{when}{' · ' + report.filters_text if report.filters_text else ''}"
    points = [figures.MapPoint(lat=e.latitude, lon=e.longitude, event_type=e.event_type,  # type: ignore[arg-type]
                               sub_event_type=e.sub_event_type, fatalities=e.fatalities,
                               precision=e.geo_precision, event_id=e.event_id,
                               title=f"{e.event_id} · {date_text(e)} · {type_text(e)} · {place_text(e)} · "
                                     f"killed: {toll_text(e)}")
              for e in report.located]
    labels = []
    for tally in report.places()[:5]:
        located = [e for e in tally.events if e.located]
        if located and tally.name != "unlocated":
            labels.append((tally.name.split(",")[0], located[0].latitude, located[0].longitude))
    bars = [figures.DayBar(day=day, counts=dict(counts), fatalities=killed) for day, counts, killed in report.days()]
    return Layout(report, title, subtitle, sentences, book, points, labels, bars)  # type: ignore[arg-type]


def generated_text(report: Report) -> str:
    return f"{day_text(report.generated.date())} at {report.generated:%H:%M} UTC"
