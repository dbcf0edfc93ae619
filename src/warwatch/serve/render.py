"""Rich renderings of stored events for the terminal (the CLI only prints what these build)."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from warwatch.models import Candidate
from warwatch.store import EventDetail, EventRecord


def _place(e: EventRecord) -> str:
    where = e.location or e.place_text or "?"
    if e.admin1:
        where += f", {e.admin1}"
    if not e.located:
        where += " (unlocated)"
    elif e.geo_precision and e.geo_precision > 1:
        where += f" (gp{e.geo_precision})"
    return where


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
        ("sources", "dim"),
    ):
        table.add_column(
            name, style=style or None, overflow="fold", justify="right" if name == "fatalities" else "left"
        )
    for e in rows:
        actor = e.actor1 or "-"
        if e.actor_attributed:
            actor += " (attributed)"
        kind = f"{e.event_type}: {e.sub_event_type}" if e.sub_event_type else e.event_type
        table.add_row(
            e.event_id_cnty,
            str(e.event_date or "?"),
            kind,
            actor,
            _place(e),
            "" if e.fatalities is None else str(e.fatalities),
            "; ".join(e.sources),
        )
    return table


def event_panel(detail: EventDetail) -> Group:
    """Every field of an event, then each source's claims with the sentence they rest on."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    fields = [
        ("event", detail.event_id_cnty),
        ("date", f"{detail.event_date} (time_precision {detail.time_precision})"),
        ("type", f"{detail.event_type} / {detail.sub_event_type}"),
        ("actor1", (detail.actor1 or "-") + (" (attributed, not confirmed)" if detail.actor_attributed else "")),
        ("assoc_actor_1", detail.assoc_actor_1 or "-"),
        ("actor2", detail.actor2 or "-"),
        ("place", _place(detail)),
        ("admin1 / admin2", f"{detail.admin1 or '-'} / {detail.admin2 or '-'}"),
        (
            "coordinates",
            f"{detail.latitude}, {detail.longitude} (geo_precision {detail.geo_precision})"
            if detail.located
            else "not located",
        ),
        ("fatalities", "-" if detail.fatalities is None else str(detail.fatalities)),
        ("injuries", "-" if detail.injuries is None else str(detail.injuries)),
        ("weapon / target", f"{detail.weapon or '-'} / {detail.target or '-'}"),
        ("civilian targeting", "yes" if detail.civilian_targeting else "no"),
        ("confidence", f"{detail.confidence:.2f}"),
    ]
    if detail.ambiguous and detail.runner_up:
        fields.append(("runner-up place", f"{detail.runner_up.get('name')} ({detail.runner_up.get('admin1')})"))
    for name, value in fields:
        head.add_row(name, Text(str(value)))
    parts: list = [Panel(head, title=f"{detail.event_id_cnty}: {detail.location or detail.place_text}")]
    for mention in detail.mentions:
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
        article = mention.article
        source = f"{article.source} — {article.title}" + (f" ({article.published})" if article.published else "")
        parts.append(Panel(body, title=Text(source), subtitle=Text(article.url or article.path or "")))
    return Group(*parts)


def candidates_table(name: str, candidates: list[Candidate]) -> Group:
    """Gazetteer candidates for a name, best first, with the reasons for each score."""
    table = Table(title=f"candidates for {name!r}")
    for column in ("#", "name", "country", "admin1", "admin2", "lat, lon", "population", "score", "why"):
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
            f"{c.score:.2f}",
            "; ".join(c.why),
        )
    best = candidates[0]
    verdict = Text(f"{best.name} wins: " + ("; ".join(best.why) or "highest score"))
    return Group(table, verdict)
