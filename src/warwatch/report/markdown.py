"""The report in Markdown, for pasting into e-mail, wikis and tickets: the same sentences, tables
and numbers as the HTML, each figure a footnote naming its events (or, with a base URL, a link to
the event's dashboard page), and the two pictures as SVG files saved beside it."""

from __future__ import annotations

import re

from warwatch.report import layout as lay
from warwatch.report.layout import Layout
from warwatch.report.summary import PHRASES, Fig, Sentence

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def md(text: str) -> str:
    """Text from articles made inert in Markdown (no emphasis, link, HTML or table break)."""
    return _SPECIAL.sub(r"\\\1", text.replace("\n", " "))


class _Links:
    def __init__(self, base_url: str | None) -> None:
        self.base = base_url.rstrip("/") if base_url is not None else None

    def event(self, event_id: str) -> str:
        url = lay.dashboard_url(self.base, event_id)
        return f"[{event_id}]({url})" if url else event_id

    def sentence(self, runs: Sentence) -> str:
        out = []
        for run in runs:
            if isinstance(run, Fig):
                if self.base is not None and len(run.ref.event_ids) == 1:
                    out.append(f"**{self.event(run.ref.event_ids[0]).replace(run.ref.event_ids[0], run.text, 1)}**")
                else:
                    out.append(f"**{md(run.text)}**[^{run.ref.n}]")
            else:
                out.append(md(run))
        return "".join(out)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(layout: Layout, *, base_url: str | None = None,
                    pictures: str = "report") -> tuple[str, dict[str, str]]:
    """The report as Markdown, and the pictures it refers to: ``{file name: SVG}``, to be saved
    beside it (``pictures`` is the stem of their names)."""
    links = _Links(base_url)
    r = layout.report
    files: dict[str, str] = {}
    lines = [f"# {md(layout.title)}", "", f"*{md(layout.subtitle)} · made {lay.generated_text(r)} by warwatch from "
             f"{len(r.articles)} news {'article' if len(r.articles) == 1 else 'articles'}*", "", "## Summary", ""]
    for sentence in layout.summary:
        lines += [links.sentence(sentence), ""]
    if r.events:
        files[f"{pictures}-map.svg"] = layout.map_svg(href=None)
        files[f"{pictures}-chart.svg"] = layout.chart_svg()
        lines += ["## Where", "", f"![Map of the events by type, sized by reported deaths]({pictures}-map.svg)", "",
                  layout.map_caption(), "", "## When", "",
                  f"![Events by type, with reported deaths]({pictures}-chart.svg)", "", layout.chart_caption(), "",
                  "## Key incidents", "",
                  _row(["Event", *lay.EVENT_COLUMNS, "Sources"]), _row(["---"] * 8)]
        for incident in layout.incidents:
            e = incident.event
            sources = ", ".join(f"[{md(a.source)}]({a.url})" if a.url else md(a.source) for a in e.articles)
            lines.append(_row([links.event(e.event_id), *map(md, lay.event_cells(e)), sources]))
        lines.append("")
    lines += ["## What is uncertain", ""]
    doubts = layout.uncertain()
    if doubts:
        lines += [_row(["Kind", "Events", "What it means", "Event ids"]), _row(["---"] * 4)]
        for kind, rows, meaning in doubts:
            lines.append(_row([kind, str(len(rows)), meaning, ", ".join(links.event(e.event_id) for e in rows)]))
        lines.append("")
    else:
        lines += ["Nothing in this period is contested, single-sourced, undated or unlocated.", ""]
    for c in layout.contested:
        quotes = "".join(f" “{md(words)}” ({md(a.source)})" for a, words in c.denials)
        lines += [f"- {links.event(c.event.event_id)} ({md(lay.place_text(c.event))}, {lay.date_text(c.event)}): "
                  f"{'; '.join(c.reasons)}.{quotes}"]
    lines += ["", "## Sources and method", "",
              f"{len(r.articles)} articles from {len(r.outlets)} outlets report the events of the period; "
              f"{len(r.copies)} were recognised as copies of another article and do not count as independent.", ""]
    if r.outlets:
        lines += [_row(["Outlet", "Articles", "Copies", "Events"]), _row(["---"] * 4)]
        lines += [_row([md(name), str(n), str(copies), str(events)])
                  for name, n, copies, events, _ in layout.outlet_rows()]
        lines.append("")
    for text in PHRASES["method"]["text"]:
        lines += [text, ""]
    for heading, rows, _ in layout.event_lists():
        lines += [f"## {heading}", "", _row(["Event", *lay.EVENT_COLUMNS, "Sources"]), _row(["---"] * 8)]
        lines += [_row([links.event(e.event_id), *map(md, lay.event_cells(e)), md(", ".join(e.sources))])
                  for e in rows]
        lines.append("")
    for ref in layout.book.refs:
        lines.append(f"[^{ref.n}]: {md(ref.label)}: {', '.join(links.event(i) for i in ref.event_ids)}")
    return "\n".join(lines).rstrip() + "\n", files
