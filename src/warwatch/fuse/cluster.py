"""Clustering reports into events: seed-centred, without chaining, independent of input order.

:func:`cluster` takes reports in :func:`~warwatch.fuse.units.priority` order; each joins the
best event whose *seed* it is compatible with (never an event that already holds a report of
the same article), or seeds a new one. Comparing with the seed, not with every member, is what
stops chaining: A near B near C does not put A and C together. A province-level report (they
come last in priority order) joins a finer event of its province only when that event is the
only one its day and type allow; else it stays a province-level event.

The result depends only on the set of reports. It also decomposes over the connected
components of the compatibility graph (a report can only join a seed it is compatible with),
so the store re-clusters just the components a new article touches, and :func:`fuse_stream`
clusters millions of reports one component at a time, sweeping through them by date with only
the reports of the current days in memory.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from warwatch.fuse.units import (
    ADJACENT_DAYS,
    Unit,
    adjacent,
    affinity,
    compatible,
    dates_compatible,
    days,
    evidence_agrees,
    index_keys,
    priority,
    probe_days,
    probe_keys,
    undated_fit,
)


@dataclass(slots=True)
class _Event:
    seed: Unit
    members: list[Unit]
    articles: set[int]
    index: int = 0


def cluster(units: Iterable[Unit]) -> list[list[Unit]]:
    """Seed-centred clustering: a list of events, each a list of reports with its seed first.

    Events come in the order their seeds have in :func:`priority`; members likewise. Candidate
    events are found through the seeds' blocking keys, so a large set costs little more than
    its number of compatible pairs.
    """
    units = list(units)
    if len(units) == 1 and (units[0].dated or units[0].seen is None):
        return [units]
    events: list[_Event] = []
    by_block: dict = {}
    siblings = _siblings(units)
    for u in sorted(units, key=priority):
        if not u.dated:
            events.append(_undated(u, events))
            continue
        best: _Event | None = None
        best_fit: tuple | None = None
        seen: set[int] = set()
        finer: list[_Event] = []
        probes = probe_keys(u)
        for day in probe_days(u):
            for key in probes:
                for event in by_block.get((day, key), ()):
                    if id(event) in seen:
                        continue
                    seen.add(id(event))
                    if event.articles & u.articles or not compatible(event.seed, u):
                        continue
                    if adjacent(event.seed, u) and _told_apart(event.seed, u, siblings):
                        continue
                    if (u.region and not event.seed.region) or (u.country_only and not event.seed.country_only):
                        finer.append(event)
                        continue
                    # ties go to the event seeded first
                    fit = (*affinity(event.seed, u), -event.index)
                    if best_fit is None or fit > best_fit:
                        best, best_fit = event, fit
        if len(finer) == 1:
            # a province-level report ("air strikes in Idlib province") of the day's one event
            # in that province is a vaguer report of it; of two or more, it reports neither
            best = finer[0]
        if best is not None:
            best.members.append(u)
            best.articles |= u.articles
            continue
        event = _Event(seed=u, members=[u], articles=set(u.articles), index=len(events))
        events.append(event)
        keys = index_keys(u)
        for day in days(u):
            for key in keys:
                by_block.setdefault((day, key), []).append(event)
    return [e.members for e in events if e.members]


def _siblings(units: list[Unit]) -> dict[int, list[Unit]]:
    """The reports of each article (copies' articles included) among these."""
    out: dict[int, list[Unit]] = {}
    for u in units:
        for article in u.articles:
            out.setdefault(article, []).append(u)
    return out


def _told_apart(seed: Unit, u: Unit, siblings: dict[int, list[Unit]]) -> bool:
    """Does an article itself tell these two reports, a day apart, apart? It does when one of
    them comes from an article that also reports the other's day at that place: "shelling hit
    the town on Monday ... and again on Tuesday" is two incidents, and another outlet's Tuesday
    report belongs to the Tuesday one."""
    for mine, other in ((seed, u), (u, seed)):
        for article in mine.articles:
            for w in siblings.get(article, ()):
                if w is not mine and dates_compatible(w, other) and compatible(w, other):
                    return True
    return False


def _undated(u: Unit, events: list[_Event]) -> _Event:
    """An undated report (its article has no date at all) joins the one dated event of the same
    incident (:func:`~warwatch.fuse.units.undated_fit`: its type, place and actors, dated within the
    week before the article was first seen) that fits it best; when two fit equally well it
    cannot choose and stays an undated event of its own. Undated reports come last in priority
    order, so the dated events are already settled and the choice depends only on them."""
    # what the reports say of the incident (a hospital hit, the toll, the weapon) comes first:
    # "a strike on a hospital in Kunduz left nine dead" is the hospital strike, not the week's others
    fits = sorted((((any(evidence_agrees(m, u) for m in e.members), *affinity(e.seed, u)), e) for e in events
                   if e.members and not (e.articles & u.articles) and undated_fit(e.seed, u)),
                  key=lambda fe: fe[0], reverse=True)
    if fits and (len(fits) == 1 or fits[0][0] != fits[1][0]):
        best = fits[0][1]
        best.members.append(u)
        best.articles |= u.articles
        return _Event(seed=u, members=[], articles=set())  # a placeholder: dropped from the result
    return _Event(seed=u, members=[u], articles=set(u.articles), index=len(events))


class _Components:
    """Union-find over reports, with each component's last day and members."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.members: dict[int, list[Unit]] = {}
        self.last: dict[int, int] = {}

    def add(self, u: Unit) -> None:
        self.parent[u.rid] = u.rid
        self.members[u.rid] = [u]
        self.last[u.rid] = u.hi  # type: ignore[assignment]

    def find(self, rid: int) -> int:
        root = rid
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[rid] != root:
            self.parent[rid], rid = root, self.parent[rid]
        return root

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        self.last[ra] = max(self.last[ra], self.last.pop(rb))
        return ra

    def pop(self, root: int) -> list[Unit]:
        members = self.members.pop(root)
        del self.last[root]
        for u in members:
            del self.parent[u.rid]
        return members


def fuse_stream(units: Iterable[Unit]) -> Iterator[list[list[Unit]]]:
    """Cluster reports that arrive sorted by their first day (``lo``); yield each component's events.

    Memory holds only the reports whose dates reach the current day: a component is clustered
    and released as soon as no later report can join it. Undated reports are events of their
    own (they fuse only by following a copy link, which the caller resolves before).
    """
    comps = _Components()
    blocks: dict[int, dict] = {}  # day -> key -> [reports]
    pending: list[tuple[int, int]] = []  # (last day, component root) heap
    current: int | None = None
    for u in units:
        if not u.dated:
            yield [[u]]
            continue
        if current is not None and u.lo < current:  # type: ignore[operator]
            raise ValueError("fuse_stream needs reports sorted by their first day")
        if u.lo != current:
            current = u.lo
            yield from _finish(comps, pending, blocks, current)  # type: ignore[arg-type]
        comps.add(u)
        root = u.rid
        probes = probe_keys(u)
        for day in probe_days(u):
            day_blocks = blocks.get(day)
            if day_blocks is None:
                continue
            for key in probes:
                for other in day_blocks.get(key, ()):
                    if other.rid in comps.parent and comps.find(other.rid) != comps.find(root) \
                            and compatible(u, other):
                        root = comps.union(root, other.rid)
        root = comps.find(u.rid)
        heapq.heappush(pending, (comps.last[root], root))
        keys = index_keys(u)
        for day in days(u):
            day_blocks = blocks.setdefault(day, {})
            for key in keys:
                day_blocks.setdefault(key, []).append(u)
    yield from _finish(comps, pending, blocks, None)


def _finish(comps: _Components, pending: list[tuple[int, int]], blocks: dict[int, dict],
            today: int | None) -> Iterator[list[list[Unit]]]:
    """Cluster and release every component that no report of ``today`` or later can join (all of
    them when None): those ending more than ADJACENT_DAYS before it."""
    while pending and (today is None or pending[0][0] < today - ADJACENT_DAYS):
        last, root = heapq.heappop(pending)
        if root not in comps.last or comps.parent.get(root) != root or comps.last[root] != last:
            continue  # merged into another component, or its end moved: a newer entry stands for it
        yield cluster(comps.pop(root))
    if today is not None:
        for day in [d for d in blocks if d < today - ADJACENT_DAYS]:
            del blocks[day]
    else:
        blocks.clear()
