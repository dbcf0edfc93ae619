"""The report's sentences, written from the data with templates: no invented prose, no model.

A sentence is a list of runs: plain text, or a :class:`Fig`, a figure that knows the events it was
counted from (its :class:`Ref`). The renderers turn a figure into a link (HTML), a reference by
event id (PDF) or a numbered note (Markdown), so every number can be followed to its events and
from them to the sentences of the articles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from warwatch.report.model import Report, Tally, Toll
from warwatch.store.records import EventRecord

PHRASES: dict[str, Any] = json.loads(resources.files("warwatch.report").joinpath("phrases.json").read_text("utf-8"))
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: the changes by type the summary spells out, largest first
TYPE_CHANGES = 3
PLACES = 3
ACTORS = 3


@dataclass(frozen=True)
class Ref:
    """What a figure counts: a label ("air and drone strikes, 7-13 May 2024") and the events."""

    n: int
    label: str
    event_ids: tuple[str, ...]


@dataclass(frozen=True)
class Fig:
    text: str
    ref: Ref


Run = str | Fig
Sentence = list[Run]


@dataclass
class RefBook:
    """The numbered references of one report, one per distinct (label, events)."""

    refs: list[Ref] = field(default_factory=list)

    def fig(self, text: str | int, label: str, events: list[EventRecord] | tuple[str, ...]) -> Fig:
        ids = tuple(e if isinstance(e, str) else e.event_id for e in events)
        for ref in self.refs:
            if ref.label == label and ref.event_ids == ids:
                return Fig(str(text), ref)
        ref = Ref(len(self.refs) + 1, label, ids)
        self.refs.append(ref)
        return Fig(str(text), ref)


def day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def span_text(start: date, end: date) -> str:
    if start == end:
        return day_text(start)
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {day_text(end)}"
    return f"{day_text(start)} – {day_text(end)}"


def count_word(n: int) -> str:
    """Small counts in words, as an editor writes them inside a sentence ("three hit ...")."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def plural(n: int, one: str, many: str | None = None) -> str:
    return one if n == 1 else (many or one + "s")


def type_plural(name: str) -> str:
    return PHRASES["sub_event_plural"].get(name) or name.lower() + ("" if name.endswith("s") else "s")


def listing(parts: list[Sentence]) -> Sentence:
    """Runs joined as "a, b and c"."""
    out: Sentence = []
    for i, part in enumerate(parts):
        if i:
            out.append(" and " if i == len(parts) - 1 else ", ")
        out.extend(part)
    return out


def summary(report: Report, book: RefBook) -> list[Sentence]:
    """The headline paragraph: events, deaths, places, actors, the change against the period before,
    and how sure it is. Empty events give the one honest sentence."""
    period = report.period
    where = f" in {report.scope}" if report.scope else ""
    if not report.events:
        when = f" from {day_text(period.start)} to {day_text(period.end)}" if period else ""
        said = [f"No events were recorded{where}{when}{_filters(report)}."]
        if report.undated:
            said.append(f"{len(report.undated)} undated {plural(len(report.undated), 'report')} of events"
                        f"{where} could not be placed in time (see what is uncertain).")
        return [said]
    assert period is not None
    span = span_text(period.start, period.end)
    rows = report.events
    out: list[Sentence] = [[book.fig(len(rows), f"events, {span}", rows),
                            f" {plural(len(rows), 'event was', 'events were')} recorded{where} from "
                            f"{day_text(period.start)} to {day_text(period.end)}{_filters(report)}."]]
    out.append(_toll_sentence(report.toll, span, book))
    places = [t for t in report.places() if t.name != "unlocated"][:PLACES]
    if places:
        out.append(["The most affected " + ("place was " if len(places) == 1 else "places were "),
                    *listing([_tally(t, book, span) for t in places]), "."])
    actors = report.actors()[:ACTORS]
    if actors:
        out.append([("The side named as carrying them out was " if len(actors) == 1
                     else "The sides most often named as carrying them out were "),
                    *listing([[t.name, " (", book.fig(t.n, f"events by {t.name}, {span}", t.events), ")"]
                              for t in actors]), "."])
    if report.previous and report.previous_events:
        out.extend(_comparison(report, book))
    else:
        hits = _hits(rows, book, span)
        if hits:
            out.append(["Of these, ", *hits, "."])
    out.append(_sureness(report, book, span))
    return out


def _filters(report: Report) -> str:
    return f" ({report.filters_text})" if report.filters_text else ""


def _capital(runs: Sentence) -> Sentence:
    first = runs[0]
    if isinstance(first, str):
        return [first[:1].upper() + first[1:], *runs[1:]]
    return [Fig(first.text[:1].upper() + first.text[1:], first.ref), *runs[1:]]


def _toll_sentence(toll: Toll, span: str, book: RefBook) -> Sentence:
    if not toll.counted:
        return ["No source reported a death toll for these events."]
    said: Sentence
    if toll.low == 0 and toll.high == 0:
        said = ["No deaths were reported"]
    else:
        said = ["At least ", book.fig(toll.low, f"reported deaths (conservative), {span}", toll.ids),
                f" {plural(toll.low, 'person was', 'people were')} reported killed"]
        if toll.high > toll.low:
            said += ["; the sources' highest figures add up to ",
                     book.fig(toll.high, f"reported deaths (highest figures), {span}", toll.ids)]
    if toll.unreported:
        n = len(toll.unreported)
        said += [" (", book.fig(n, f"events with no reported toll, {span}", toll.unreported),
                 f" {plural(n, 'event has', 'events have')} no reported toll)"]
    return [*said, "."]


def _tally(t: Tally, book: RefBook, span: str) -> Sentence:
    parts: Sentence = [t.name, " ("]
    if t.killed:
        parts += [book.fig(t.killed, f"reported deaths in {t.name}, {span}", t.killed_ids), " killed in "]
    parts += [book.fig(t.n, f"events in {t.name}, {span}", t.events), f" {plural(t.n, 'event')})"]
    return parts


def _hits(rows: list[EventRecord], book: RefBook, span: str) -> Sentence:
    """Which civilian objects were hit, most first: "three hit medical facilities and one a market"."""
    by_target: dict[str, list[EventRecord]] = {}
    for e in rows:
        phrase = PHRASES["target_phrase"].get(e.target or "")
        if phrase:
            by_target.setdefault(phrase, []).append(e)
    ranked = sorted(by_target.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    parts: list[Sentence] = []
    for i, (phrase, hit) in enumerate(ranked):
        verb = " hit " if i == 0 else " "
        parts.append([book.fig(count_word(len(hit)), f"events that hit {phrase}, {span}", hit), verb + phrase])
    return listing(parts)


def _change(before: int, after: int) -> str:
    if after > before:
        return "rose"
    return "fell" if after < before else "held"


def _comparison(report: Report, book: RefBook) -> list[Sentence]:
    assert report.period and report.previous
    now, then = report.period, report.previous
    span, was = span_text(now.start, now.end), span_text(then.start, then.end)
    rows, before = report.events, report.previous_events
    toll_now, toll_then = Toll.of(rows), Toll.of(before)
    verb = _change(len(before), len(rows))
    said: Sentence = [f"Against the previous {now.days} {plural(now.days, 'day')} ({was}), events {verb} "]
    said += (["at ", book.fig(len(rows), f"events, {span}", rows)] if verb == "held" else
             ["from ", _count(book, before, f"events, {was}"), " to ", _count(book, rows, f"events, {span}")])
    said += [" and reported deaths " + _change(toll_then.low, toll_now.low) + " "]
    said += (["at ", book.fig(toll_now.low, f"reported deaths (conservative), {span}", toll_now.ids)]
             if toll_now.low == toll_then.low else
             ["from ", book.fig(toll_then.low, f"reported deaths (conservative), {was}", toll_then.ids), " to ",
              book.fig(toll_now.low, f"reported deaths (conservative), {span}", toll_now.ids)])
    out: list[Sentence] = [[*said, "."]]
    now_types = {t.name: t for t in report.by_type()}
    then_types = {t.name: t for t in report.by_type(before)}
    names = sorted(set(now_types) | set(then_types),
                   key=lambda n: (-abs(len(_ev(now_types, n)) - len(_ev(then_types, n))), -len(_ev(now_types, n)), n))
    for name in names[:TYPE_CHANGES]:
        a, b = _ev(now_types, name), _ev(then_types, name)
        noun = type_plural(name)
        verb = _change(len(b), len(a))
        clause: Sentence = [noun[:1].upper() + noun[1:], f" {verb} "]
        clause += (["at ", book.fig(len(a), f"{noun}, {span}", a)] if verb == "held" else
                   ["from ", _count(book, b, f"{noun}, {was}"), " to ", _count(book, a, f"{noun}, {span}")])
        hits = _hits(a, book, span) if a else []
        out.append([*clause, *(["; ", *hits] if hits else []), "."])
    return out


def _count(book: RefBook, rows: list[EventRecord], label: str) -> Run:
    """A count as a figure, or "none" (there is no event to point to)."""
    return book.fig(len(rows), label, rows) if rows else "none"


def _ev(types: dict[str, Tally], name: str) -> list[EventRecord]:
    tally = types.get(name)
    return tally.events if tally else []


def _sureness(report: Report, book: RefBook, span: str) -> Sentence:
    contested = [c.event for c in report.contested]
    single = report.single_source
    parts: list[Sentence] = []
    if contested:
        parts.append([book.fig(len(contested), f"contested events, {span}", contested),
                      f" {plural(len(contested), 'is', 'are')} contested"])
    if single:
        parts.append([book.fig(len(single), f"single-source events, {span}", single),
                      f" {plural(len(single), 'rests', 'rest')} on a single source"])
    if not parts:
        return ["Every event is corroborated by more than one independent source."]
    return ["Of these events, ", *listing(parts), "."]
