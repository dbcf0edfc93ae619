"""Rich renderings of stored events for the terminal (the CLI only prints what these build)."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from warwatch.models import Candidate
from warwatch.store import EventDetail, EventRecord
from warwatch.store.article_view import ArticleRow
from warwatch.store.records import ArticleInfo, MentionRecord

GRADE_STYLES = {"corroborated": "green", "contested": "red", "single_source": "yellow"}


def _fatalities(e: EventRecord) -> str:
    if e.fatalities is None:
        return "-"
    spread = (e.fatalities_low, e.fatalities_best, e.fatalities_high)
    if None in spread or spread[0] == spread[2]:
        return str(e.fatalities)
    return f"{e.fatalities} (ACLED, conservative); low/best/high {spread[0]}/{spread[1]}/{spread[2]}"


def _place(e: EventRecord) -> str:
    where = e.location or e.place_text or "?"
    if e.admin1:
        where += f", {e.admin1}"
    if not e.located:
        where += " (unlocated)"
    elif e.geo_precision and e.geo_precision > 1:
        where += f" (gp{e.geo_precision})"
    return where


def copies_note(e: EventRecord) -> str:
    """" (+2 copies)": reprints listed apart, since they corroborate nothing."""
    if not e.copies:
        return ""
    return f" (+{len(e.copies)} cop{'y' if len(e.copies) == 1 else 'ies'})"


def events_table(rows: list[EventRecord]) -> Table:
    """One line per event: date, type, actor, place, fatalities, sources."""
    table = Table(title=f"{len(rows)} event(s)", show_lines=False)
    for name, style in (
        ("id", "cyan"),
        ("date", ""),
        ("type", ""),
        ("actor", ""),
        ("place", ""),
        ("fatalities", "bold"),
        ("grade", ""),
        ("sources", "dim"),
    ):
        table.add_column(
            name, style=style or None, overflow="fold", justify="right" if name == "fatalities" else "left",
            no_wrap=name in ("id", "date"),
        )
    for e in rows:
        actor = e.actor1 or "-"
        if e.actor_attributed:
            actor += " (attributed)"
        kind = e.sub_event_type or e.event_type  # a sub-event type names its event type
        table.add_row(
            e.event_id_cnty,
            str(e.event_date or "?"),
            kind,
            actor,
            _place(e),
            "" if e.fatalities is None else str(e.fatalities),
            Text((e.grade or "-").replace("_", " "), style=GRADE_STYLES.get(e.grade or "", "")),
            "; ".join(e.sources) + copies_note(e),
        )
    return table


def articles_table(rows: list[ArticleRow], rejected: bool = False) -> Table:
    """One line per stored article: id, date, outlet, title, and the events it is a source of or, for an
    article the relevance gate kept out, why."""
    label = "rejected article(s)" if rejected else "article(s)"
    table = Table(title=f"{len(rows)} {label}", show_lines=False)
    table.add_column("id", style="cyan", justify="right", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("outlet", overflow="fold")
    table.add_column("title", overflow="fold")
    table.add_column("events / why rejected", overflow="fold")
    for r in rows:
        table.add_row(str(r.id), str(r.published or "?"), r.outlet or "-", r.title or r.name or "-",
                      Text(r.rejected, style="yellow") if r.rejected is not None else str(r.events))
    return table


#: ACLED's actor categories, the inter1/inter2 codes of the exports
INTER = {1: "state forces", 2: "rebel group", 3: "political militia", 4: "identity militia", 5: "rioters",
         6: "protesters", 7: "civilians", 8: "external/other forces"}


def _inter(code: int | None) -> str:
    return f" [inter {code}: {INTER.get(code, '?')}]" if code else ""


def event_panel(detail: EventDetail) -> Group:
    """Every field of an event, then each source's claims with the sentence they rest on."""
    from warwatch.serve.export import acled_fields

    columns = acled_fields(detail)  # the derived ACLED columns exactly as the exports write them
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    fields = [
        ("event", detail.event_id_cnty),
        ("date", f"{detail.event_date} (time_precision {detail.time_precision})"),
        ("type", f"{detail.event_type} / {detail.sub_event_type} ({columns['disorder_type']})"),
        ("actor1", (detail.actor1 or "-") + (" (attributed, not confirmed)" if detail.actor_attributed else "")
         + _inter(columns["inter1"])),
        ("assoc_actor_1", detail.assoc_actor_1 or "-"),
        ("actor2", (detail.actor2 or "-") + (_inter(columns["inter2"]) if detail.actor2 else "")),
        ("place", _place(detail)),
        ("admin1 / admin2", f"{detail.admin1 or '-'} / {detail.admin2 or '-'}"),
        (
            "coordinates",
            f"{detail.latitude}, {detail.longitude} (geo_precision {detail.geo_precision})"
            if detail.located
            else "not located",
        ),
        ("fatalities", _fatalities(detail)),
        ("injuries", "-" if detail.injuries is None else str(detail.injuries)),
        ("weapon / target", f"{detail.weapon or '-'} / {detail.target or '-'}"),
        ("civilian targeting", "yes" if columns["civilian_targeting"] else "no"),
        ("grade", f"{(detail.grade or '-').replace('_', ' ')} ({detail.n_independent or 0} independent source(s))"),
        ("confidence", f"{detail.confidence:.2f}"),
    ]
    if detail.flags:
        fields.append(("flags", ", ".join(detail.flags)))
    if detail.copies:
        fields.append(("copies (no corroboration)", "; ".join(detail.copies)))
    if detail.ambiguous and detail.runner_up:
        fields.append(("runner-up place", f"{detail.runner_up.get('name')} ({detail.runner_up.get('admin1')})"))
    for name, value in fields:
        head.add_row(name, Text(str(value)))
    parts: list = [Panel(head, title=f"{detail.event_id_cnty}: {detail.location or detail.place_text}")]
    for article, found in detail.by_source:
        for mention in found:
            parts.append(_mention_panel(article, mention))
    return Group(*parts)


def _mention_panel(article: ArticleInfo, mention: MentionRecord) -> Panel:
    """One source's mention: its sentence, offsets, claims and denials."""
    body = Table.grid(padding=(0, 2))
    body.add_column(style="bold")
    body.add_column()
    sentence = Text(mention.sentence.text, style="italic")
    body.add_row("sentence", sentence)
    body.add_row("offsets", f"{mention.sentence.start}-{mention.sentence.end}")
    for claim in mention.claims:
        said = f"{claim.value}" + (f"  ← “{claim.quote}”" if claim.quote else "")
        if claim.claimant:
            said += f"  [{claim.claimant}]"
        if claim.attributed:
            said += "  (attributed)"
        body.add_row(claim.field, Text(said))
    for denial in mention.denials:
        body.add_row("denied", Text(denial.text, style="red"))
    source = f"{article.source} — {article.title}" + (f" ({article.published})" if article.published else "")
    if article.is_copy:
        source += " [copy: no independent corroboration]"
    return Panel(body, title=Text(source), subtitle=Text(article.url or article.path or ""))


def candidates_table(name: str, candidates: list[Candidate]) -> Group:
    """Gazetteer candidates for a name, best first, with the reasons for each score."""
    table = Table(title=f"candidates for {name!r}")
    # (source: the gazetteers that hold the place, "wof+ocha-syria", and its P-code when it has one)
    for column in ("#", "name", "country", "admin1", "admin2", "lat, lon", "population", "source", "score", "why"):
        table.add_column(column, overflow="fold")
    for i, c in enumerate(candidates, 1):
        table.add_row(
            str(i),
            c.name,
            c.country,
            c.admin1 or "-",
            c.admin2 or "-",
            f"{c.lat:.4f}, {c.lon:.4f}",
            str(c.population or "-"),
            (c.source or "-") + (f" {c.pcode}" if c.pcode else ""),
            f"{c.score:.2f}",
            "; ".join(c.why),
        )
    best = candidates[0]
    verdict = Text(f"{best.name} wins: " + ("; ".join(best.why) or "highest score"))
    return Group(table, verdict)
