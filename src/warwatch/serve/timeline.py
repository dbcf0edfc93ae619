"""Timelines: what happened, day by day, with how many independent sources report each event.

:func:`timeline` groups stored events by day (undated ones last, in a day of their own);
:func:`timeline_renderable` draws it for the terminal with Rich; :func:`timeline_json` gives the
same grouping as plain data; the JSON export gives every event its ``timeline`` position
(:func:`positions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from warwatch.fuse.group import format_date
from warwatch.serve.render import GRADE_STYLES, copies_note
from warwatch.store import EventRecord, Store


@dataclass
class Day:
    """The events of one day (``day`` None: the undated ones), most-reported first."""

    day: date | None
    events: list[EventRecord] = field(default_factory=list)

    @property
    def label(self) -> str:
        """"Sunday 9 September 2018", or "undated"."""
        if self.day is None:
            return "undated"
        return f"{self.day.strftime('%A')} {format_date(self.day)[3:]}"


def day_order(e: EventRecord) -> tuple:
    """Where an event stands among the events of its day: most independent sources first, then by
    place and type (never by id, so the order does not depend on the order of storing)."""
    return (-e.n_sources, e.admin1 or "", e.location or e.place_text or "", e.event_type, e.sub_event_type,
            e.event_id_cnty)


def timeline(store: Store, where: str | None = None, since: date | None = None, until: date | None = None,
             *, grade: str | None = None, event_type: str | None = None) -> list[Day]:
    """Stored events grouped by day, oldest day first; ``where``, ``since``, ``until``, ``grade``
    and ``event_type`` filter as :meth:`Store.events` does (with since/until undated events drop out)."""
    days: dict[date | None, Day] = {}
    for event in store.events(where=where, since=since, until=until, grade=grade, event_type=event_type):
        days.setdefault(event.event_date, Day(event.event_date)).events.append(event)
    for day in days.values():
        day.events.sort(key=day_order)
    return sorted(days.values(), key=lambda d: (d.day is None, d.day or date.min))


def _figure(e: EventRecord) -> str:
    if e.fatalities_low is None:
        return "" if e.fatalities is None else str(e.fatalities)
    if e.fatalities_high is not None and e.fatalities_high != e.fatalities_low:
        return f"{e.fatalities_low}–{e.fatalities_high}"
    return str(e.fatalities_low)


def _what(e: EventRecord) -> str:
    kind = e.sub_event_type or e.event_type
    actor = e.actor1 or "unknown actor"
    if e.actor_attributed:
        actor += " (attributed)"
    place = e.location or e.place_text or "?"
    if e.admin1:
        place += f", {e.admin1}"
    if e.time_precision == 2:
        place += " (week of)"
    elif e.time_precision >= 3:
        place += " (month of)"
    return f"{kind} by {actor} in {place}"


def timeline_renderable(days: list[Day]) -> Group:
    """A Rich renderable: one table per day; each event with its sources, grade and death toll."""
    parts: list[Any] = []
    if not days:
        parts.append(Text("no events", style="dim"))
    for day in days:
        count = len(day.events)
        table = Table(title=f"{day.label} — {count} event{'s' if count != 1 else ''}", title_justify="left",
                      show_header=True, expand=False)
        for name, justify in (("id", "left"), ("what", "left"), ("killed", "right"), ("sources", "right"),
                              ("grade", "left"), ("reported by", "left")):
            table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for e in day.events:
            grade = (e.grade or "").replace("_", " ")
            names = "; ".join(e.sources) + copies_note(e)
            table.add_row(e.event_id_cnty, _what(e), _figure(e), str(e.n_sources),
                          Text(grade, style=GRADE_STYLES.get(e.grade or "", "")), names)
        parts.append(table)
    return Group(*parts)


def event_summary(e: EventRecord) -> dict[str, Any]:
    """One event as a timeline lists it."""
    return {
        "event_id": e.event_id_cnty, "event_date": e.event_date.isoformat() if e.event_date else None,
        "time_precision": e.time_precision, "event_type": e.event_type, "sub_event_type": e.sub_event_type,
        "actor1": e.actor1, "actor2": e.actor2, "location": e.location, "admin1": e.admin1,
        "latitude": e.latitude, "longitude": e.longitude,
        "fatalities": {"low": e.fatalities_low, "best": e.fatalities_best, "high": e.fatalities_high},
        "n_sources": e.n_sources, "sources": list(e.sources), "copies": list(e.copies), "grade": e.grade,
        "flags": list(e.flags), "confidence": e.confidence, "notes": e.notes,
    }


def positions(records: list[EventRecord]) -> dict[int, dict[str, Any]]:
    """Each event's place in the timeline, by event id: {"day", "position" (1 = most reported),
    "events_that_day"}; the JSON export gives every event this member."""
    days: dict[date | None, list[EventRecord]] = {}
    for e in records:
        days.setdefault(e.event_date, []).append(e)
    out: dict[int, dict[str, Any]] = {}
    for day, events in days.items():
        for k, e in enumerate(sorted(events, key=day_order), start=1):
            out[e.id] = {"day": day.isoformat() if day else None, "position": k, "events_that_day": len(events)}
    return out


def timeline_json(days: list[Day]) -> list[dict[str, Any]]:
    """The timeline as plain data: [{"date": "2018-09-09", "events": [...]}, ...]."""
    return [{"date": d.day.isoformat() if d.day else None, "n_events": len(d.events),
             "events": [event_summary(e) for e in d.events]} for d in days]
