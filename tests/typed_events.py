"""A real SQLite store holding events of all six ACLED event types, written through the store's own
write path (Article and Mention objects, as the extractor hands them over), not through the
extractor: the tests of the exports, the CLI, the API and the dashboard read it.

Every sentence here was written for these tests; each event is in its own article, country and
week, so that nothing fuses. ``EXPECTED`` gives the ACLED columns each event must get.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from warwatch.models import Article, Evidence, Mention, Place, Toponym
from warwatch.store import Store


@dataclass(frozen=True)
class Typed:
    """One hand-made event and the ACLED columns it must come out with."""

    event_type: str
    sub_event_type: str
    sentence: str
    town: str
    lat: float
    lon: float
    country: str  # ISO alpha-2
    admin1: str
    actor1: str
    actor2: str | None
    flagged: bool  # what the extractor would say of civilian targeting
    disorder_type: str
    inter1: int
    inter2: int
    interaction: int
    civilian_targeting: str  # the CSV's text: "" or "Civilian targeting"


EVENTS = [
    Typed("Battles", "Armed clash",
          "Army units and fighters of the Rapid Support Forces fought for hours near the airport of Nyala.",
          "Nyala", 12.0489, 24.8807, "SD", "South Darfur", "Military Forces of Sudan (2019-)",
          "RSF: Rapid Support Forces", False, "Political violence", 1, 2, 12, ""),
    Typed("Explosions/Remote violence", "Shelling/artillery/missile attack",
          "Russian artillery shelled a residential district of Kharkiv, wounding four residents.",
          "Kharkiv", 49.9935, 36.2304, "UA", "Kharkiv", "Military Forces of Russia (2000-)",
          "Civilians (Ukraine)", False, "Political violence", 8, 7, 78, "Civilian targeting"),
    Typed("Violence against civilians", "Attack",
          "Gunmen on motorcycles opened fire on farmers outside Maiduguri, killing three of them.",
          "Maiduguri", 11.8464, 13.1571, "NG", "Borno", "Unidentified Armed Group (Nigeria)",
          "Civilians (Nigeria)", True, "Political violence", 3, 7, 37, "Civilian targeting"),
    Typed("Protests", "Peaceful protest",
          "Several hundred traders marched peacefully through Nairobi against a new market tax.",
          "Nairobi", -1.2833, 36.8167, "KE", "Nairobi", "Protesters (Kenya)", None, False,
          "Demonstrations", 6, 0, 60, ""),
    Typed("Protests", "Excessive force against protesters",
          "Police fired live rounds at a peaceful march in Omdurman, killing two demonstrators.",
          "Omdurman", 15.6445, 32.4777, "SD", "Khartoum", "Protesters (Sudan)", "Police Forces of Sudan (2019-)",
          False, "Political violence; Demonstrations", 6, 1, 16, "Civilian targeting"),
    Typed("Riots", "Violent demonstration",
          "Demonstrators threw stones at riot police and set a bus alight in Patna over exam results.",
          "Patna", 25.5941, 85.1376, "IN", "Bihar", "Rioters (India)", "Police Forces of India (2014-)", False,
          "Demonstrations", 5, 1, 15, ""),
    Typed("Riots", "Mob violence",
          "A mob beat a man to death in a village near Kolkata after accusing him of theft.",
          "Kolkata", 22.5726, 88.3639, "IN", "West Bengal", "Rioters (India)", "Civilians (India)", False,
          "Political violence", 5, 7, 57, "Civilian targeting"),
    Typed("Strategic developments", "Arrests",
          "Police detained eleven journalists and a lawyer at dawn raids in Istanbul.",
          "Istanbul", 41.0138, 28.9497, "TR", "Istanbul", "Police Forces of Turkey (2016-)",
          "Civilians (Turkey)", True, "Strategic developments", 1, 7, 17, ""),
    Typed("Strategic developments", "Agreement",
          "The government and M23 rebels agreed a ceasefire in Goma on Friday.",
          "Goma", -1.6792, 29.2228, "CD", "Nord-Kivu",
          "Military Forces of the Democratic Republic of Congo (2019-)", "M23: March 23 Movement", False,
          "Strategic developments", 1, 2, 12, ""),
    Typed("Strategic developments", "Headquarters or base established",
          "Islamic State fighters set up a new base in the desert south of Raqqa.",
          "Raqqa", 35.9528, 39.0079, "SY", "Ar-Raqqa", "Islamic State (Syria)", None, False,
          "Strategic developments", 2, 0, 20, ""),
]


def store_typed(path: Path) -> Path:
    """Write the events of ``EVENTS`` into a new SQLite file at ``path``; return the path."""
    with Store(path) as store:
        for i, e in enumerate(EVENTS):
            day = date(2022, 3, 1) + timedelta(days=9 * i)
            title = f"{e.sub_event_type} in {e.town}"
            text = f"{title}\n\n{e.sentence}\n"
            start = text.index(e.sentence)
            evidence = Evidence(start=start, end=start + len(e.sentence), text=e.sentence)
            at = text.index(e.town, start)
            place = Place(text=e.town, name=e.town, lat=e.lat, lon=e.lon, country=e.country, admin1=e.admin1,
                          geo_precision=1, gazetteer_id=f"test:{i}")
            mention = Mention(e.event_type, e.sub_event_type, evidence=evidence,
                              toponym=Toponym(text=e.town, start=at, end=at + len(e.town)), place=place,
                              event_date=day, actor1=e.actor1, actor2=e.actor2, civilian_targeting=e.flagged)
            article = Article(text=text, title=title, published=day, outlet=f"Test Wire {i}",
                              doc_id=f"typed_{i:02d}")
            store.add_article(article, [mention])
    return path
