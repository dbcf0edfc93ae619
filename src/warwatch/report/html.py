"""The report as one self-contained HTML page: styles inline, pictures as inline SVG, no script and
nothing fetched from the network (a report is forwarded, archived and opened offline).

Every figure is a link: to the dashboard's page of its event when a base URL is given and the
figure counts one event, else to its note at the end of the report, which lists its events; each
event id there leads to the event's row in the report (or its dashboard page)."""

from __future__ import annotations

from importlib import resources

from jinja2 import Environment, select_autoescape
from markupsafe import Markup, escape

from warwatch.report import layout as lay
from warwatch.report.layout import Layout
from warwatch.report.summary import PHRASES, Fig, Sentence

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
                   lstrip_blocks=True)


def _template() -> str:
    return resources.files("warwatch.report").joinpath("templates/report.html").read_text("utf-8")


class Links:
    """Where ids and figures lead: the dashboard at ``base_url``, else anchors inside the report."""

    def __init__(self, base_url: str | None) -> None:
        self.base = base_url.rstrip("/") if base_url is not None else None

    def event(self, event_id: str) -> str:
        return lay.dashboard_url(self.base, event_id) or f"#ev-{event_id}"

    def figure(self, fig: Fig) -> str:
        if self.base is not None and len(fig.ref.event_ids) == 1:
            return self.event(fig.ref.event_ids[0])
        return f"#ref-{fig.ref.n}"

    def sentence(self, runs: Sentence) -> Markup:
        out = []
        for run in runs:
            if isinstance(run, Fig):
                label = escape(f"{run.ref.label}: {', '.join(run.ref.event_ids[:12])}"
                               f"{' …' if len(run.ref.event_ids) > 12 else ''}")
                out.append(Markup('<a class="fig" href="{}" title="{}">{}</a>').format(
                    self.figure(run), label, run.text))
            else:
                out.append(escape(run))
        return Markup("").join(out)

    def ids(self, event_ids: tuple[str, ...] | list[str]) -> Markup:
        # plain joins, not Markup.format per id: a country-year report lists tens of thousands
        return Markup(", ".join(f'<a href="{escape(self.event(i))}">{escape(i)}</a>' for i in event_ids))


def render_html(layout: Layout, *, base_url: str | None = None) -> str:
    """The report as an HTML document (a string)."""
    links = Links(base_url)
    report = layout.report
    template = _ENV.from_string(_template())
    return template.render(
        layout=layout, report=report, links=links,
        map_svg=Markup(layout.map_svg(href=links.event)) if report.events else None,
        chart_svg=Markup(layout.chart_svg()) if report.events else None,
        generated=lay.generated_text(report), toll_text=lay.toll_text, grade_text=lay.grade_text,
        place_text=lay.place_text, type_text=lay.type_text, actors_text=lay.actors_text, date_text=lay.date_text,
        cells=lay.event_cells, columns=lay.EVENT_COLUMNS, base_url=links.base,
        method=PHRASES["method"]["text"],
    )
