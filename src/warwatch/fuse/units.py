"""What cross-article fusion compares: one :class:`Unit` per report, and when two may be one event.

A *report* is what in-article grouping (:mod:`warwatch.fuse.group`) makes of one article: the
mentions of one incident at one place on one day. Fusion turns reports of different articles
into events. This module holds the pure rules: :func:`compatible` (may two reports describe the
same incident?), :func:`affinity` (which of several candidate events fits best), :func:`priority`
(which report seeds an event: the most precise one), and the blocking keys that keep the number
of comparisons small (:func:`index_keys`, :func:`probe_keys`).

Every rule is symmetric and uses only what the reports say, never the order they were stored
in, so fusion gives the same events whatever order the articles arrive in.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from rapidfuzz import fuzz

#: two different gazetteer entries this close are one place (a duplicate entry, a town and its quarter)
SAME_SPOT_KM = 1.0
#: the reach of a less precise place ("near X", "the outskirts of X"), and of one name twice in the gazetteer
NEAR_KM = 5.0
#: blocking grid cell in degrees; probing the neighbouring cells covers NEAR_KM
CELL_DEG = 0.1
#: a week-precision date is the date ± this many days
WEEK_HALF_DAYS = 3
#: the longest date range a report can have (a month), for range queries in the store
MAX_SPAN_DAYS = 31
#: outlets date one incident up to a day apart (publication day against "on Wednesday",
#: "overnight", "late on Tuesday", local time): reports of different articles this far apart may
#: be one incident when the incident evidence agrees (:func:`adjacent_compatible`)
ADJACENT_DAYS = 1
#: an undated article's reports join a dated event of the same incident dated within this many
#: days before the article was first seen (:func:`undated_fit`)
UNDATED_WINDOW_DAYS = 7
#: rapidfuzz ratio (0-100) over name skeletons at which two spellings of an unlocated name are
#: one ("Mung Lai Hkyet" / "Mon Lai Hket"); only within one province of one country
FUZZY_NAME_RATIO = 85.0
#: shortest skeleton a fuzzy comparison trusts (short ones agree by chance)
FUZZY_MIN_LEN = 5

_ARTICLES = {"al", "el", "as", "ash", "ad", "an", "ar", "at", "az", "ez", "es", "the"}
_PUNCT = re.compile(r"[`'’‘ʿʾ\-_.,()]")


def fold_name(text: str | None) -> str:
    """A place name folded for comparison: ASCII, lower case, no punctuation, no article ("al-")."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = [w for w in _PUNCT.sub(" ", text.lower()).split() if w not in _ARTICLES]
    return " ".join(words).replace("kfr ", "kafr ")


def skeleton(text: str | None) -> str:
    """The consonant skeleton of a folded name: transliterations agree ("Abdeen", "Abdin", "`Abdan")."""
    folded = fold_name(text).replace(" ", "")
    if not folded:
        return ""
    rest = re.sub(r"[aeiouy]", "", folded[1:])
    return re.sub(r"(.)\1+", r"\1", folded[0] + rest)


#: words that name what stands at a place, written after its name ("Mon Lai Hket IDP camp",
#: "Qouro market"): the place is the name without them
_FACILITY = {"camp", "camps", "idp", "idps", "market", "village", "town", "city", "settlement", "refugee",
             "displacement", "site", "area", "neighbourhood", "neighborhood", "district"}


def name_keys(*names: str | None) -> frozenset[str]:
    """The skeletons a place goes by, with and without trailing facility words ("X camp" is also
    "X"); skeletons shorter than 3 letters say too little to match on, so a short name ("Laiza",
    skeleton "lz") goes by its letters instead ("=laiza"): the same spelling, not a similar one."""
    variants: list[str] = []
    for name in names:
        words = fold_name(name).split()
        variants.append(" ".join(words))
        while words and words[-1] in _FACILITY:
            words.pop()
            variants.append(" ".join(words))
    keys = {s for s in (skeleton(n) for n in variants) if len(s) >= 3}
    keys |= {"=" + n.replace(" ", "") for n in variants if len(skeleton(n)) < 3 and len(n.replace(" ", "")) >= 4}
    return frozenset(keys)


def date_range(day: date | None, precision: int) -> tuple[int | None, int | None]:
    """The days (as ordinals) a date of this ACLED time_precision may mean: a day, a week, a month."""
    if day is None:
        return None, None
    if precision <= 1:
        return day.toordinal(), day.toordinal()
    if precision == 2:
        return day.toordinal() - WEEK_HALF_DAYS, day.toordinal() + WEEK_HALF_DAYS
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first.toordinal(), last.toordinal()


@dataclass(slots=True, eq=False)
class Unit:
    """One report (an in-article group) as fusion sees it, or several when copies follow it."""

    #: the report's id (any unique int outside the store)
    rid: int
    #: intrinsic tie-break: the article's content hash and the report's place in the article
    order: tuple
    #: the articles behind it: its own, plus those of copies whose reports follow it
    articles: frozenset[int]
    event_type: str
    sub_event_type: str
    lo: int | None
    hi: int | None
    precision: int
    lat: float | None
    lon: float | None
    gp: int | None
    gid: str | None
    names: frozenset[str]
    #: skeleton of the admin1 name ("" unknown), and the ISO2 country ("" unknown)
    admin1: str
    country: str
    actor1: str | None
    actor2: str | None
    confidence: float
    #: what the report says about the incident (folded): weapons, target kinds, and the lowest and
    #: highest positive death toll; used to tell one incident dated a day apart from two
    weapons: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()
    tolls: tuple[int, int] | None = None
    #: name keys of the towns an unlocated place was said to lie near ("a camp in X near Laiza")
    landmarks: frozenset[str] = frozenset()
    #: for an undated report: the day (ordinal) its article was first seen; it may join a dated
    #: event of the same incident dated within UNDATED_WINDOW_DAYS before it
    seen: int | None = None
    #: the report names no place, only (at most) its country: like a province-level report, it is
    #: a vaguer report of the one event of its type and day in that country, or an event of its own
    country_only: bool = False

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def dated(self) -> bool:
        return self.lo is not None and self.hi is not None

    @property
    def region(self) -> bool:
        """A place no finer than a province (ACLED geo_precision 3)."""
        return self.located and (self.gp or 1) >= 3


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _same_area(a: Unit, b: Unit) -> bool:
    """Admin1 and country do not contradict each other (unknown agrees with anything)."""
    if a.country and b.country and a.country != b.country:
        return False
    return not (a.admin1 and b.admin1 and a.admin1 != b.admin1)


def place_compatible(a: Unit, b: Unit) -> bool:
    """The same place: the same gazetteer entry, or close enough for the precision, or the same name.

    Two towns (geo_precision 1) are one place only when they are the same entry, the same spot
    (SAME_SPOT_KM) or the same name within NEAR_KM: two strikes a village apart stay apart. A
    place "near X" (precision 2) reaches NEAR_KM. A province (precision 3) meets the same
    province and the located places in it; clustering lets it join a finer event only when that
    event is the one such event of its day (:mod:`warwatch.fuse.cluster`). An unlocated place
    meets a place of the same name in the same province.
    """
    if a.country_only or b.country_only:
        return bool(a.country) and a.country == b.country
    if a.located and b.located:
        if a.region or b.region:
            # a province meets the same province, and a place in it (see :func:`province_reach`)
            return a.country == b.country and bool(a.admin1) and a.admin1 == b.admin1
        if a.gid and a.gid == b.gid:
            return True
        d = km(a.lat, a.lon, b.lat, b.lon)  # type: ignore[arg-type]
        if (a.gp or 1) == 1 and (b.gp or 1) == 1:
            return d <= SAME_SPOT_KM or (d <= NEAR_KM and bool(a.names & b.names))
        return d <= NEAR_KM
    if a.region or b.region:
        return False
    # two unlocated reports also meet through one's landmark: "a camp in X near Laiza" and another
    # outlet's "the attack on Laiza camp" (located places are told apart by their coordinates)
    by_landmark = not a.located and not b.located and bool(a.names & b.landmarks or b.names & a.landmarks)
    if a.country != b.country or not (a.names & b.names or similar_names(a, b) or by_landmark):
        return False
    # unlocated mentions fuse by folded name and province; a province one outlet does not say
    # agrees with the one another says ("Mung Lai Hkyet camp" beside "Mon Lai Hket ... Kachin State")
    return _same_area(a, b)


def similar_names(a: Unit, b: Unit) -> bool:
    """Two spellings of one name, for a place at least one outlet left unlocated: skeletons (no
    spaces, no vowels) with a rapidfuzz ratio of at least FUZZY_NAME_RATIO, in one province of one
    country ("Munglai Hkyet" / "Mon Lai Hket"). Two located places are told apart by their
    coordinates instead, so the fuzzy match never applies to them."""
    if a.located and b.located:
        return False
    if not (a.country and a.country == b.country and (a.admin1 or b.admin1) and _same_area(a, b)):
        return False
    return any(fuzz.ratio(x, y) >= FUZZY_NAME_RATIO for x in a.names for y in b.names
               if min(len(x), len(y)) >= FUZZY_MIN_LEN)


def dates_compatible(a: Unit, b: Unit) -> bool:
    """Both dated, and their date ranges overlap (the same day when both are day-precise)."""
    if not (a.dated and b.dated):
        return False
    return a.lo <= b.hi and b.lo <= a.hi  # type: ignore[operator]


#: actors that name nobody in particular: they neither identify an incident nor tell two apart
GENERIC_ACTORS = ("Unidentified ", "Civilians", "Protesters", "Rioters")


def specific(actor: str | None) -> bool:
    """An actor that names a party ("Houthis", "Military Forces of Syria"), not "gunmen" or "civilians"."""
    return bool(actor) and not actor.startswith(GENERIC_ACTORS)  # type: ignore[union-attr]


def actors_compatible(a: Unit, b: Unit) -> bool:
    """Not two different incidents by their actors.

    Different perpetrators named for one incident are competing claims of responsibility (kept,
    and the event is contested), so a different actor1 alone does not split; nor does a
    different sub-event type ("shelling" in one report, "air strikes" in another). Two dyads of
    named parties with no party in common ("HTS against the army" and "ISIS against the SDF")
    are two incidents; "gunmen" or "civilians" on one side say nothing either way.
    """
    da = {x for x in (a.actor1, a.actor2) if specific(x)}
    db = {x for x in (b.actor1, b.actor2) if specific(x)}
    return not (len(da) == 2 and len(db) == 2 and not da & db)


#: event types that outlets (and the extractor) mix up for one incident: "shells hit the village"
#: is remote violence to one report, an attack on civilians to another, fighting to a third
TYPE_FAMILIES = ({"Battles", "Explosions/Remote violence", "Violence against civilians"}, {"Protests", "Riots"})


def types_compatible(a: Unit, b: Unit) -> bool:
    """The same ACLED event type, or two of one family (political violence; demonstrations).

    ACLED codes one event per place, day and type, but two reports of different articles that
    agree on place and day and differ only in type are, far more often, one incident typed two
    ways than two incidents. Within one article the extractor's grouping keeps types apart (two
    reports of one article never fuse), and among several candidate events a report prefers the
    one of its own type (:func:`affinity`). Strategic developments fuse only with their own type.
    """
    if a.event_type == b.event_type:
        return True
    return any(a.event_type in family and b.event_type in family for family in TYPE_FAMILIES)


def compatible(a: Unit, b: Unit) -> bool:
    """May two reports describe one incident? Compatible types, dates, place and actors.

    A province-level report meets a finer place only when both are dated to the day: "strikes
    in Idlib province on Saturday" may be Saturday's strike on a village of Idlib, "this month"
    says too little (and would tie a whole province's month into one component). Two event
    types of one family meet only on the same day at the very same place (:func:`same_site`):
    the same village, typed two ways, rather than a clash and a strike a few km apart.
    """
    day = a.lo == a.hi and b.lo == b.hi
    if (a.region != b.region or a.country_only != b.country_only) and not day:
        return False
    if day and a.dated and b.dated and a.lo != b.lo:
        return adjacent_compatible(a, b)
    if a.event_type != b.event_type and not (day and same_site(a, b)):
        return False
    return (types_compatible(a, b) and dates_compatible(a, b) and place_compatible(a, b)
            and actors_compatible(a, b))


def adjacent(a: Unit, b: Unit) -> bool:
    """Both dated to the day, and a day apart."""
    return (a.dated and b.dated and a.lo == a.hi and b.lo == b.hi
            and 0 < abs(a.lo - b.lo) <= ADJACENT_DAYS)  # type: ignore[operator]


def plausible_tolls(a: Unit, b: Unit) -> bool:
    """Death tolls one incident may carry in two outlets (21 / 23; 5 / 7), not 2 against 40."""
    if a.tolls is None or b.tolls is None:
        return False
    low, high = min(a.tolls[0], b.tolls[0]), max(a.tolls[1], b.tolls[1])
    return high <= 1.5 * low + 2


#: weapons and targets that every strike of a kind shares ("air strike" is the sub-event type
#: again, "residential area" most shelling): they tell no incident from the next day's
GENERIC_WEAPONS = frozenset({"air strike", "airstrike", "shelling", "artillery", "small arms", "gunfire", "bombing"})
GENERIC_TARGETS = frozenset({"residential area", "military position"})


def evidence_agrees(a: Unit, b: Unit) -> bool:
    """One more thing the two reports say alike about the incident: the same specific target kind
    (a hospital, a market, a camp), the same specific weapon (barrel bombs, a drone, a car bomb),
    or death tolls within a plausible range. The place alone is not enough, nor is a weapon every
    strike of its kind shares: a town struck from the air on two consecutive days, each day told
    by another outlet, is two incidents."""
    return (bool((a.targets & b.targets) - GENERIC_TARGETS) or bool((a.weapons & b.weapons) - GENERIC_WEAPONS)
            or plausible_tolls(a, b))


def adjacent_compatible(a: Unit, b: Unit) -> bool:
    """One incident dated a day apart by two outlets: the same place, one type family, compatible
    actors, and :func:`evidence_agrees`. Provinces never fuse across days. Clustering keeps two
    incidents apart when one article reports the place on both days (:mod:`warwatch.fuse.cluster`)."""
    if not adjacent(a, b) or a.region or b.region:
        return False
    return (types_compatible(a, b) and place_compatible(a, b) and actors_compatible(a, b)
            and evidence_agrees(a, b))


def undated_fit(event_seed: Unit, u: Unit) -> bool:
    """May an undated report ``u`` join the dated event of this seed? The same incident by type,
    place and actors, and the event dated within UNDATED_WINDOW_DAYS before ``u`` was first seen.

    The type must be the same: :func:`compatible` lets two types of one family meet only when
    both reports are dated to the same day, and an undated report has no day, so "clashes
    resumed in the city this week" is no report of that week's air strike on the city's market.
    """
    if u.dated or not event_seed.dated or u.seen is None or event_seed.region or u.region:
        return False
    if not (u.seen - UNDATED_WINDOW_DAYS <= event_seed.hi and event_seed.lo <= u.seen):  # type: ignore[operator]
        return False
    if u.event_type != event_seed.event_type:
        return False
    return place_compatible(u, event_seed) and actors_compatible(u, event_seed)


def same_site(a: Unit, b: Unit) -> bool:
    """The very same place, not just a nearby one: one gazetteer entry, or one name."""
    return (bool(a.gid) and a.gid == b.gid) or bool(a.names & b.names)


def aligned(copy: Unit, original: Unit, slack: int = 1) -> bool:
    """May a copy's report be the same as a report of the article it copies? Like :func:`compatible`,
    but an undated report (a reprint without a date) aligns by place and type alone, and dates
    may differ by ``slack`` days: a reprint published later resolves "on Saturday" or "today"
    against its own date (the caller passes the gap between the two publication dates)."""
    # a province and a place in it are one place only for clustering (which keeps the place as
    # the seed); a report that follows another takes that one's event as it is
    if copy.region != original.region or copy.country_only != original.country_only:
        return False
    if not types_compatible(copy, original) or not place_compatible(copy, original):
        return False
    if copy.dated and original.dated and not (copy.lo - slack <= original.hi and original.lo - slack <= copy.hi):  # type: ignore[operator]
        return False
    return actors_compatible(copy, original)


def affinity(seed: Unit, u: Unit) -> tuple:
    """How well a report fits an event's seed, to pick among several compatible events (higher wins)."""
    if seed.located and u.located:
        distance = 0.0 if seed.gid and seed.gid == u.gid else km(seed.lat, seed.lon, u.lat, u.lon)  # type: ignore[arg-type]
    else:
        distance = 0.0
    same_place = bool(seed.names & u.names) or (bool(seed.gid) and seed.gid == u.gid)
    # a report dated a day off joins its own day's event when there is one
    return (not adjacent(seed, u), seed.event_type == u.event_type, seed.sub_event_type == u.sub_event_type, same_place,
            -round(distance, 3),
            seed.lo == u.lo and seed.hi == u.hi, seed.actor1 == u.actor1)


def priority(u: Unit) -> tuple:
    """Seeding order: day-precise before vaguer dates, towns before "near", then unlocated, then
    provinces, then reports that name no place; then the more confident; then an intrinsic
    tie-break. Undated reports come last."""
    place = 4 if u.country_only else {1: 0, 2: 1}.get(u.gp or 1, 3) if u.located else 2
    return (not u.dated, u.precision, place, -round(u.confidence, 3), u.order)


# --- blocking ----------------------------------------------------------------------------------

def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG)


def index_keys(u: Unit) -> list[Hashable]:
    """The blocks a report is filed under (for each of its days).

    Provinces are filed under ("r", country, admin1); located places dated to the day also under
    ("p", country, admin1), which only provinces probe, so that places never meet places
    through their province. For spellings of one name that only a fuzzy match finds
    (:func:`similar_names`), every finer place of a known province is filed under ("f", country,
    admin1), which unlocated reports probe, and unlocated ones also under ("u", country, admin1).
    """
    if u.country_only:
        return [("co", u.country)] if u.country else []
    if u.region:
        return [("r", u.country, u.admin1), *([("pc", u.country)] if u.lo == u.hi else [])]
    keys: list[Hashable] = [("n", u.country, n) for n in sorted(u.names | u.landmarks)]
    if u.country and u.lo == u.hi:
        keys.append(("pc", u.country))  # probed only by reports that name no place (see country_only)
    if u.admin1:
        keys.append(("f", u.country, u.admin1))
        if not u.located:
            keys.append(("u", u.country, u.admin1))
    if not u.located:
        keys.append(("uc", u.country))  # unlocated with its province unsaid: probed by the others
    if u.located:
        keys.append(("c", *_cell(u.lat, u.lon)))  # type: ignore[arg-type]
        if u.admin1 and u.lo == u.hi:
            keys.append(("p", u.country, u.admin1))
    return keys


def probe_keys(u: Unit) -> list[Hashable]:
    """The blocks holding every report that may be :func:`compatible` with this one (same days)."""
    # provinces and finer places meet only when both are dated to the day (see compatible())
    day = u.dated and u.lo == u.hi
    if u.country_only:
        return [("co", u.country), *([("pc", u.country)] if day else [])] if u.country else []
    if u.region:
        return [("r", u.country, u.admin1), *([("p", u.country, u.admin1)] if day else [])]
    keys: list[Hashable] = [("n", u.country, n) for n in sorted(u.names | u.landmarks)]
    if u.admin1:
        keys.append(("u", u.country, u.admin1))
        if not u.located:
            keys.append(("f", u.country, u.admin1))
    if not u.located:
        keys.append(("uc", u.country))  # another unlocated spelling whose province one side leaves unsaid
    if u.located and u.admin1 and day:
        keys.append(("r", u.country, u.admin1))
    if u.located:
        cy, cx = _cell(u.lat, u.lon)  # type: ignore[arg-type]
        reach_y = math.ceil(NEAR_KM / 111.0 / CELL_DEG)
        cos = max(0.05, math.cos(math.radians(min(89.0, abs(u.lat) + CELL_DEG))))  # type: ignore[arg-type]
        reach_x = math.ceil(NEAR_KM / (111.32 * cos) / CELL_DEG)
        keys.extend(("c", cy + dy, cx + dx) for dy in range(-reach_y, reach_y + 1)
                    for dx in range(-reach_x, reach_x + 1))
    return keys


def days(u: Unit) -> Iterable[int]:
    """The days a dated report covers."""
    return range(u.lo, u.hi + 1) if u.dated else ()  # type: ignore[arg-type, operator]


def probe_days(u: Unit) -> Iterable[int]:
    """The days to look for compatible reports on: its own, and for a report dated to the day the
    adjacent days too (:func:`adjacent_compatible`)."""
    if not u.dated:
        return ()
    if u.lo == u.hi and not u.region:
        return range(u.lo - ADJACENT_DAYS, u.hi + ADJACENT_DAYS + 1)  # type: ignore[operator]
    return days(u)
