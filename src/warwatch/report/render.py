"""One call from filters to a finished report in a format: what the CLI and the API both use."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from warwatch.errors import InputError
from warwatch.report.layout import Layout, lay_out
from warwatch.report.model import build
from warwatch.store import Store

FORMATS = ("html", "pdf", "md")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "md": "text/markdown; charset=utf-8"}


@dataclass
class Rendered:
    """A written report: its bytes and, for Markdown, the pictures to save beside it."""

    fmt: str
    body: bytes
    pictures: dict[str, bytes] = field(default_factory=dict)
    layout: Layout | None = None

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]


def describe(filters: dict[str, Any]) -> tuple[str | None, str]:
    """The area in words (the place as asked, or the box) and the other filters in a line."""
    scope = None
    if filters.get("where"):
        scope = str(filters["where"]).strip()
    elif filters.get("bbox"):
        west, south, east, north = filters["bbox"]
        scope = f"the area {_lon(west)}–{_lon(east)}, {_lat(south)}–{_lat(north)}"
    elif filters.get("admin1"):
        scope = ", ".join(filters["admin1"])
    elif filters.get("country"):
        scope = ", ".join(filters["country"])
    said = []
    kinds = [*filters.get("event_type", ()), *filters.get("sub_event_type", ())]
    if kinds:
        said.append(("type " if len(kinds) == 1 else "types ") + ", ".join(kinds))
    if filters.get("actor"):
        said.append(f"actor “{filters['actor']}”")
    if filters.get("min_fatalities"):
        said.append(f"at least {filters['min_fatalities']} killed")
    if filters.get("grade"):
        said.append("graded " + " or ".join(g.replace("_", " ") for g in filters["grade"]))
    if filters.get("text"):
        said.append(f"mentioning “{filters['text']}”")
    if scope and filters.get("bbox") and filters.get("where"):
        said.append("within the map's box")
    return scope, ", ".join(said)


def _lon(v: float) -> str:
    return f"{abs(v):.2f}°{'E' if v >= 0 else 'W'}"


def _lat(v: float) -> str:
    return f"{abs(v):.2f}°{'N' if v >= 0 else 'S'}"


def cli_filters(*, where: str | None = None, bbox: str | None = None, since: date | None = None,
                until: date | None = None, event_type: list[str] | None = None) -> dict[str, Any]:
    """The query filters of the command-line options, checked (InputError: one line)."""
    from warwatch.store import acled
    from warwatch.store.query import parse_bbox

    filters: dict[str, Any] = {"since": since, "until": until}
    if where and where.strip():
        filters["where"] = where.strip()
    if bbox:
        try:
            filters["bbox"] = parse_bbox(bbox)
        except ValueError as error:
            raise InputError(f"--bbox: {error}") from None
    for value in event_type or []:
        if acled.resolve_type(value) is None:
            raise InputError(f"--type: {acled.unknown_type_message(value)}")
    if event_type:
        filters["event_type"] = tuple(event_type)
    if since and until and since > until:
        raise InputError(f"--since ({since}) is after --until ({until})")
    return filters


def render(store: Store, filters: dict[str, Any], fmt: str, *, base_url: str | None = None,
           now: datetime | None = None, pictures: str = "report") -> Rendered:
    """The report over the events matching ``filters`` (EventQuery's keywords) in ``fmt``.

    InputError for an unknown format or bad filters; RendererMissing where the PDF renderer's
    package is not installed.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    scope, said = describe(filters)
    report = build(store, filters, scope=scope, filters_text=said, now=now)
    layout = lay_out(report)
    if fmt == "html":
        from warwatch.report.html import render_html

        return Rendered("html", render_html(layout, base_url=base_url).encode("utf-8"), layout=layout)
    if fmt == "md":
        from warwatch.report.markdown import render_markdown

        text, files = render_markdown(layout, base_url=base_url, pictures=pictures)
        return Rendered("md", text.encode("utf-8"), {k: v.encode("utf-8") for k, v in files.items()}, layout)
    from warwatch.report.pdf import render_pdf

    return Rendered("pdf", render_pdf(layout, base_url=base_url), layout=layout)


def write(rendered: Rendered, path: Path) -> list[Path]:
    """Write the report (and, for Markdown, its pictures beside it); the paths written.

    Each file is written beside under a temporary name, then renamed: an interrupted write leaves
    no half report under the name asked for. InputError (one line) where the folder cannot take it.
    """
    written = []
    try:
        for name, data in [*((path.with_name(n), d) for n, d in rendered.pictures.items()), (path, rendered.body)]:
            partial = name.with_name(f".{name.name}.partial")
            partial.write_bytes(data)
            os.replace(partial, name)
            written.append(name)
    except OSError as error:
        raise InputError(f"cannot write {error.filename or path}: {error.strerror or error}") from None
    return [written[-1], *written[:-1]]
