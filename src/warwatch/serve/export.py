"""Exports of the event table: ACLED-style CSV, JSON with everything behind each row, GeoJSON.

The ACLED ``source`` column names the independent sources only (a copy counts as its original);
the JSON lists every article, each source's claims side by side (``by_source``), the grade, the
flags and the UCDP-style fatality estimates; ``export_timeline`` writes the day-by-day grouping.

Each function writes to an open text stream and returns the number of events written. Events
come in ACLED's order: by event_date (undated last), then by event id. The ACLED CSV leaves out
events that no source dates (ACLED requires a date); JSON and GeoJSON carry them with a null date.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from typing import Any, TextIO

from warwatch.store import EventDetail, EventRecord, Store, acled

#: ACLED's column names, in ACLED's order
ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
]


def _unix(moment: datetime) -> int:
    """Unix seconds of a stored (naive, UTC) time."""
    return int(moment.replace(tzinfo=UTC).timestamp()) if moment.tzinfo is None else int(moment.timestamp())


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def acled_fields(r: EventRecord) -> dict[str, Any]:
    """The ACLED columns of one event as Python values (None where ACLED leaves a blank)."""
    country = acled.country(r.country)
    inter1 = acled.inter_code(r.actor1, r.country)
    # ACLED writes 0 for "no second actor" (as the 2022 sample does), a blank only for an unknown one
    inter2 = acled.inter_code(r.actor2, r.country) if r.actor2 else 0
    return {
        "event_id_cnty": r.event_id_cnty,
        "event_date": r.event_date.isoformat() if r.event_date else None,
        "year": r.event_date.year if r.event_date else None,
        "time_precision": r.time_precision,
        "disorder_type": acled.disorder_type(r.event_type, r.sub_event_type),
        "event_type": r.event_type,
        "sub_event_type": r.sub_event_type,
        "actor1": r.actor1,
        "assoc_actor_1": r.assoc_actor_1,
        "inter1": inter1,
        "actor2": r.actor2,
        "assoc_actor_2": r.assoc_actor_2,
        "inter2": inter2,
        "interaction": acled.interaction(inter1, inter2),
        "civilian_targeting": acled.civilian_targeting(r.event_type, r.sub_event_type, r.civilian_targeting,
                                                       inter2),
        "iso": country.numeric if country else None,
        "region": country.region if country else None,
        "country": country.name if country else None,
        "admin1": r.admin1,
        "admin2": r.admin2,
        "admin3": None,
        "location": r.location,
        "latitude": r.latitude if r.located else None,
        "longitude": r.longitude if r.located else None,
        "geo_precision": r.geo_precision if r.located else None,
        "source": "; ".join(r.sources) or None,
        "source_scale": None,
        "notes": r.notes,
        # ACLED has no blank fatalities: no reported figure is coded 0
        "fatalities": r.fatalities or 0,
        "tags": None,
        "timestamp": _unix(r.updated_at),
    }


def acled_row(r: EventRecord) -> dict[str, str]:
    """One ACLED CSV row: every column as text, coordinates with 4 decimals, blanks for unknowns."""
    row = {k: _text(v) for k, v in acled_fields(r).items()}
    if r.located:
        row["latitude"], row["longitude"] = f"{r.latitude:.4f}", f"{r.longitude:.4f}"
    return row


def export_acled(store: Store, out: TextIO, *, records: list[EventRecord] | None = None) -> int:
    """Write the events (default: all) as ACLED CSV with ACLED's columns; return rows written.

    An event that no source dates is not an ACLED row (ACLED requires a date): it stays in the
    store (``warwatch events --undated``) and in the JSON export, with a null date.
    """
    records = store.events() if records is None else records
    dated = [r for r in records if r.event_date is not None]
    writer = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in dated:
        writer.writerow(acled_row(r))
    return len(dated)


def _article(detail: EventDetail, article_id: int) -> dict[str, Any]:
    info = next(a for a in detail.articles if a.id == article_id)
    return {"id": info.id, "source": info.source, "title": info.title, "outlet": info.outlet, "url": info.url,
            "published": info.published.isoformat() if info.published else None, "path": info.path,
            "doc_id": info.doc_id, "copy_of": info.copy_of, "independent": not info.is_copy}


def _figures(detail: EventDetail, field: str) -> list[dict[str, Any]]:
    """Each article's figure for ``field`` (its highest), with the sentence it rests on."""
    per_source: dict[int, dict[str, Any]] = {}
    for m in detail.mentions:
        for c in m.claims:
            if c.field != field or c.value is None:
                continue
            figure = int(c.value)
            seen = per_source.get(c.article_id)
            if seen is None or figure > seen["figure"]:
                per_source[c.article_id] = {
                    "figure": figure, "source": m.article.source, "article_id": c.article_id,
                    "claimant": c.claimant, "quote": c.quote, "copy_of": m.article.copy_of,
                    "sentence": m.sentence.text, "start": c.sentence_start, "end": c.sentence_end}
    return list(per_source.values())


def fatality_estimates(detail: EventDetail) -> dict[str, Any]:
    """UCDP-style estimates: each source's figure (its highest, with its sentence), low, best and high.

    Fused events carry the estimates fusion made (docs/fusion.md); ``fatalities`` is the low one.
    """
    reported = _figures(detail, "fatalities")
    figures = [r["figure"] for r in reported]
    if detail.fatalities_low is not None or detail.grade is not None:
        return {"reported": reported, "low": detail.fatalities_low, "best": detail.fatalities_best,
                "high": detail.fatalities_high}
    return {"reported": reported, "low": min(figures) if figures else None,
            "best": detail.fatalities, "high": max(figures) if figures else None}


def source_claims(detail: EventDetail) -> list[dict[str, Any]]:
    """Every source's claims side by side: per article, what it says of each field and where."""
    out = []
    for info, found in detail.by_source:
        claims: dict[str, list[dict[str, Any]]] = {}
        for m in found:
            for c in m.claims:
                claims.setdefault(c.field, []).append({
                    "value": c.value, "quote": c.quote, "claimant": c.claimant, "attributed": c.attributed,
                    "sentence": m.sentence.text, "start": c.sentence_start, "end": c.sentence_end})
        out.append({"article_id": info.id, "source": info.source, "copy_of": info.copy_of,
                    "independent": not info.is_copy,
                    "published": info.published.isoformat() if info.published else None,
                    "denials": [{"text": d.text, "start": d.start, "end": d.end}
                                for d in {(d.start, d.end): d for m in found for d in m.denials}.values()],
                    "claims": claims})
    return out


def event_json(detail: EventDetail) -> dict[str, Any]:
    """Every column of one event plus what ACLED has no column for, with the evidence behind it."""
    item = acled_fields(detail)
    item["sources"] = [_article(detail, a.id) for a in detail.articles]
    item["n_sources"] = detail.n_sources
    item["independent_sources"] = list(detail.sources)
    item["copies"] = list(detail.copies)
    item["n_articles"] = detail.n_articles
    item["grade"] = detail.grade
    item["flags"] = list(detail.flags)
    item["day"] = detail.event_date.isoformat() if detail.event_date else None
    item["by_source"] = source_claims(detail)
    item["country_code"] = detail.country
    item["fatalities"] = fatality_estimates(detail)
    sentences: dict[tuple[int, int], dict[str, Any]] = {}
    denials: dict[tuple[int, int], dict[str, Any]] = {}
    for m in detail.mentions:
        key = (m.article.id, m.sentence.start)
        sentences.setdefault(key, {"article_id": m.article.id, "source": m.article.source,
                                   "start": m.sentence.start, "end": m.sentence.end, "text": m.sentence.text})
        for d in m.denials:
            denials.setdefault((m.article.id, d.start), {
                "article_id": m.article.id, "source": m.article.source, "start": d.start, "end": d.end,
                "text": d.text})
    texts = {(m.article.id, m.sentence.start): m.sentence.text for m in detail.mentions}
    item.update({
        "injuries": detail.injuries,
        "injuries_reported": _figures(detail, "injuries"),
        "weapon": detail.weapon,
        "target": detail.target,
        "actor_attributed": detail.actor_attributed,
        "confidence": detail.confidence,
        "gazetteer_id": detail.gazetteer_id,
        "place_text": detail.place_text,
        "ambiguous": detail.ambiguous,
        "runner_up": detail.runner_up,
        "denials": list(denials.values()),
        "evidence": list(sentences.values()),
        "claims": [{"field": c.field, "value": c.value, "claimant": c.claimant, "quote": c.quote,
                    "attributed": c.attributed, "article_id": c.article_id,
                    "source": _article(detail, c.article_id)["source"],
                    "sentence": texts.get((c.article_id, c.sentence_start)),
                    "start": c.sentence_start, "end": c.sentence_end} for c in detail.claims],
        "created_at": detail.created_at.isoformat(timespec="seconds") + "Z",
        "updated_at": detail.updated_at.isoformat(timespec="seconds") + "Z",
    })
    return item


def export_json(store: Store, out: TextIO, *, records: list[EventRecord] | None = None) -> int:
    """Write the events (default: all) as a JSON list, each with its claims and evidence."""
    from warwatch.serve.timeline import positions

    records = store.events() if records is None else records
    where = positions(records)
    items = []
    for d in store.event_details(records):
        item = event_json(d)
        item["timeline"] = where.get(d.id)
        items.append(item)
    json.dump(items, out, ensure_ascii=False, indent=1)
    out.write("\n")
    return len(items)


GEOJSON_PROPERTIES = ("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type",
                      "actor1", "actor2", "location", "admin1", "admin2", "geo_precision", "fatalities",
                      "injuries", "weapon", "target", "civilian_targeting", "actor_attributed", "confidence",
                      "n_sources", "sources", "grade", "notes")

#: ACLED's derived columns, as the CSV writes them, in each feature's properties
GEOJSON_ACLED = ("disorder_type", "inter1", "inter2", "interaction", "civilian_targeting")


def export_geojson(store: Store, out: TextIO, *, records: list[EventRecord] | None = None) -> int:
    """Write the located events as a GeoJSON FeatureCollection of Points ([lon, lat]).

    Unlocated events have no geometry and are left out; the top-level "unlocated" member counts
    them. Returns the number of features written.
    """
    records = store.events() if records is None else records
    features = []
    for r in records:
        if not r.located:
            continue
        props: dict[str, Any] = {k: getattr(r, k) for k in GEOJSON_PROPERTIES}
        props["event_date"] = r.event_date.isoformat() if r.event_date else None
        props["country"] = (acled.country(r.country).name if acled.country(r.country) else r.country)
        props["event_id"] = r.event_id_cnty
        acled_columns = acled_fields(r)
        for key in GEOJSON_ACLED:
            props[key] = acled_columns[key]
        features.append({
            "type": "Feature", "id": r.event_id_cnty,
            "geometry": {"type": "Point",
                         "coordinates": [round(r.longitude or 0.0, 6), round(r.latitude or 0.0, 6)]},
            "properties": props,
        })
    collection = {"type": "FeatureCollection", "unlocated": len(records) - len(features),
                  "features": features}
    json.dump(collection, out, ensure_ascii=False, indent=1)
    out.write("\n")
    return len(features)


def export_timeline(store: Store, out: TextIO, *, where: str | None = None, since: date | None = None,
                    until: date | None = None, grade: str | None = None) -> int:
    """Write the day-by-day timeline (see :mod:`warwatch.serve.timeline`) as JSON; return days written."""
    from warwatch.serve.timeline import timeline, timeline_json

    days = timeline_json(timeline(store, where=where, since=since, until=until, grade=grade))
    json.dump(days, out, ensure_ascii=False, indent=1)
    out.write("\n")
    return len(days)
