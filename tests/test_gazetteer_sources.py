"""Gazetteer sources as a user meets them: the packaged sources' terms, and settlement lists of their own.

Real files in tmp_path, the real command line in fresh processes. WARWATCH_DATA points at tmp_path
so no test touches the user's lists; WARWATCH_CACHE is left as the session has it, so the
packaged gazetteer index already built there is reused rather than built again.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from warwatch.errors import InputError
from warwatch.geocode import sources
from warwatch.geocode.index import DATA_DIR

HEADER = "name\talt_names\tlat\tlon\tcountry\tadmin1\tadmin2\tpcode\tkind\tADM1_PCODE\n"
# An HDX-style Somali village list written for these tests (coordinates plausible, not surveyed);
# the last column is one an HDX export carries and warwatch ignores.
SOMALI = HEADER + (
    "Afgooye\tAfgoye|Afgoi\t2.1381\t45.1212\tSO\tLower Shabelle\tAfgooye\tSO1101\ttown\tSO11\n"
    "Sabiid\t\t2.0310\t45.0410\tSO\tLower Shabelle\tAfgooye\t\tvillage\tSO11\n"
    "Janaale\tJanale|Jannaale\t1.8222\t44.7042\tSO\tLower Shabelle\tMarka\t\tvillage\tSO11\n"
    "Bariire\t\t2.0405\t44.8911\tSO\tLower Shabelle\tAwdheegle\t\t\tSO11\n"
    "Ceel Baraf\tEl Baraf|Ceelbaraf\t3.2071\t45.7612\tSO\tMiddle Shabelle\tAdan Yabaal\t\thamlet\tSO12\n"
    "Mubaarak\tMubarak\t\t\tso\tLower Shabelle\tAfgooye\t\tvillage\tSO11\n"
)


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder for this test, for the library calls and the processes alike."""
    folder = tmp_path / "data"
    monkeypatch.setenv("WARWATCH_DATA", str(folder))
    return folder


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _one_error_line(result) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_valid_list_is_imported_stored_and_indexed(data, tmp_path):
    tsv = _write(tmp_path / "somalia_villages.tsv", SOMALI)
    result = run_cli("gazetteer", "add", str(tsv), "--source", "som-villages", "--licence", "CC BY-IGO, OCHA Somalia")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "6 row(s) imported from somalia_villages.tsv as 'som-villages', 0 skipped" in result.stderr
    assert "gazetteer index ready" in result.stderr
    stored = data / "gazetteers" / "som-villages.tsv.gz"
    meta = json.loads((data / "gazetteers" / "som-villages.json").read_text(encoding="utf-8"))
    assert meta["rows"] == 6 and meta["skipped"] == 0 and meta["licence"] == "CC BY-IGO, OCHA Somalia"
    assert meta["original"] == "somalia_villages.tsv" and re.fullmatch(r"\d{4}-\d\d-\d\d", meta["added"])

    # the stored copy is normalised: the documented columns only, the code upper-cased, kind defaulted
    (source,) = sources.user_sources()
    rows = list(sources.read_user_rows(source))
    assert [r.name for r in rows] == ["Afgooye", "Sabiid", "Janaale", "Bariire", "Ceel Baraf", "Mubaarak"]
    assert rows[0].alt_names == ["Afgoye", "Afgoi"] and rows[0].kind == "town" and rows[0].pcode == "SO1101"
    assert (rows[0].lat, rows[0].lon, rows[0].admin1, rows[0].admin2) == (2.1381, 45.1212, "Lower Shabelle", "Afgooye")
    assert rows[3].kind == "village"  # no kind given
    assert rows[5].lat is None and rows[5].lon is None and rows[5].country == "SO" and rows[5].admin2 == "Afgooye"
    with gzip.open(stored, "rt", encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n").split("\t") == list(sources.COLUMNS)

    # adding it again replaces it, says so, and writes the very same bytes
    before = stored.read_bytes()
    again = sources.add_user_source(tsv, "som-villages", None)
    assert again.replaced and stored.read_bytes() == before


def test_bad_rows_are_reported_with_their_line_numbers_and_good_ones_kept(data, tmp_path):
    tsv = _write(tmp_path / "mixed.tsv", HEADER + (
        "Afgooye\t\t2.1381\t45.1212\tSO\tLower Shabelle\tAfgooye\t\ttown\t\n"  # line 2: fine
        "Wanlaweyn\t\t95.2\t44.8938\tSO\tLower Shabelle\tWanla Weyn\t\t\t\n"  # line 3: latitude out of range
        "\tno name\t2.0\t45.0\tSO\t\t\t\t\t\n"  # line 4: no name
        "Leego\t\t2.78\t44.53\tXX\t\t\t\t\t\n"  # line 5: no such country
        "Sabiid\t\t2.0310\t\tSO\tLower Shabelle\tAfgooye\t\t\t\n"  # line 6: lat without lon
        "Mubaarak\t\t\t\tSO\t\t\t\t\t\n"  # line 7: no coordinates and no admin unit
        "\n"  # line 8: blank, not a row
        "Janaale\t\t1.8222\t44.7042\tSO\tLower Shabelle\tMarka\t\tcamp\t\n"  # line 9: unknown kind
        "Ceel Baraf\t\t3.2071\t45.7612\tSO\tMiddle Shabelle\tAdan Yabaal\t\t\t\n"  # line 10: fine
    ))
    result = run_cli("gazetteer", "add", str(tsv), "--source", "mixed")
    assert result.returncode == 0, result.stderr
    assert "2 row(s) imported from mixed.tsv as 'mixed', 6 skipped" in result.stderr
    for expected in ("line 3: lat 95.2 is outside -90..90", "line 4: no name",
                     "line 5: country 'XX' is not an ISO 3166 alpha-2 code", "line 6: lat without lon",
                     "line 7: no coordinates and no admin1 or admin2"):
        assert expected in result.stderr, result.stderr
    assert "and 1 more" in result.stderr  # line 9: only the first five are shown
    (source,) = sources.user_sources()
    assert (source.rows, source.skipped) == (2, 6)
    assert [r.name for r in sources.read_user_rows(source)] == ["Afgooye", "Ceel Baraf"]


def test_headers_are_matched_loosely_and_gzip_and_a_bom_are_read(data, tmp_path):
    text = "\ufeffNAME\tLatitude\tLONGITUDE\tCountry\tKind\tremarks\nJowhar\t2.7809\t45.5005\tSO\tTown\tcapital\n"
    path = tmp_path / "hiiraan.tsv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    added = sources.add_user_source(path, "hiiraan", None)
    (row,) = sources.read_user_rows(added)
    assert (row.name, row.lat, row.lon, row.country, row.kind) == ("Jowhar", 2.7809, 45.5005, "SO", "town")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("folder", "is a folder"),
        ("binary", "binary"),
        ("empty", "is empty"),
        ("header-only", "has a header line but no rows"),
        ("truncated-gz", "cannot read"),
        ("latin1", "is not UTF-8"),
        ("missing", "no such file"),
        ("no-columns", "no column country"),
        ("commas", "comma-separated"),
        ("no-valid-row", "no valid row"),
        ("bad-name", "must be 1-40 of"),
        ("packaged-name", "is a packaged source's"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(data, tmp_path, case, expected):
    name = "my-list"
    if case == "folder":
        path = tmp_path / "lists"
        path.mkdir()
    elif case == "binary":
        path = tmp_path / "villages.tsv"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    elif case == "empty":
        path = _write(tmp_path / "villages.tsv", "")
    elif case == "header-only":
        path = _write(tmp_path / "villages.tsv", HEADER)
    elif case == "truncated-gz":
        path = tmp_path / "villages.tsv.gz"
        path.write_bytes(gzip.compress(SOMALI.encode("utf-8"))[:60])
    elif case == "latin1":
        path = tmp_path / "villages.tsv"
        path.write_bytes("name\tcountry\tadmin1\nCeel Afweyn\tSO\tSanaag\nBaidoa é\tSO\tBay\n".encode("latin-1"))
    elif case == "missing":
        path = tmp_path / "nowhere.tsv"
    elif case == "no-columns":
        path = _write(tmp_path / "villages.tsv", "name\tlat\tlon\nAfgooye\t2.1381\t45.1212\n")
    elif case == "commas":
        path = _write(tmp_path / "villages.csv", "name,lat,lon,country\nAfgooye,2.1381,45.1212,SO\n")
    elif case == "no-valid-row":
        path = _write(tmp_path / "villages.tsv", HEADER + "Afgooye\t\t2.1381\t245.1\tSO\t\t\t\t\t\n")
    else:
        path = _write(tmp_path / "villages.tsv", SOMALI)
        name = "My List!" if case == "bad-name" else "osm-africa"
    line = _one_error_line(run_cli("gazetteer", "add", str(path), "--source", name))
    assert expected in line
    assert not (data / "gazetteers" / f"{name}.json").exists()


def test_list_shows_every_source_and_remove_removes_one(data, tmp_path):
    sources.add_user_source(_write(tmp_path / "som.tsv", SOMALI), "som-villages", "CC BY-IGO, OCHA Somalia")
    listed = run_cli("gazetteer", "list", env={"COLUMNS": "250"})
    assert listed.returncode == 0, listed.stderr
    for packaged in sources.PACKAGED:
        assert packaged.name in listed.stdout
    mine = next(line for line in listed.stdout.splitlines() if "som-villages" in line)
    assert "│ 6 " in mine and "CC BY-IGO, OCHA Somalia" in mine

    removed = run_cli("gazetteer", "remove", "som-villages")
    assert removed.returncode == 0, removed.stderr
    assert sources.user_sources() == [] and not list((data / "gazetteers").iterdir())
    assert "som-villages" not in run_cli("gazetteer", "list", env={"COLUMNS": "250"}).stdout
    assert "no user list 'som-villages'" in _one_error_line(run_cli("gazetteer", "remove", "som-villages"))


def test_user_signature_follows_the_lists(data, tmp_path):
    assert sources.user_signature() == ""
    tsv = _write(tmp_path / "som.tsv", SOMALI)
    sources.add_user_source(tsv, "som-villages", None)
    first = sources.user_signature()
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    sources.add_user_source(tsv, "som-villages", "a licence given later")  # same rows: nothing to re-index
    assert sources.user_signature() == first
    sources.add_user_source(_write(tmp_path / "more.tsv", SOMALI.replace("Sabiid", "Sabid")), "som-villages", None)
    assert sources.user_signature() not in ("", first)
    sources.remove_user_source("som-villages")
    assert sources.user_signature() == ""
    with pytest.raises(InputError):
        sources.remove_user_source("som-villages")


def test_version_and_sources_print_every_attribution(data, tmp_path):
    sources.add_user_source(_write(tmp_path / "som.tsv", SOMALI), "som-villages", "CC BY-IGO, OCHA Somalia")
    version = run_cli("--version")
    assert version.returncode == 0, version.stderr
    assert re.match(r"warwatch \d+\.\d+\.\d+\n", version.stdout)
    assert "osm-africa: © OpenStreetMap contributors, ODbL 1.0" in version.stdout
    assert "som-villages: your list som.tsv (CC BY-IGO, OCHA Somalia)" in version.stdout
    assert "NOTICE.md" in version.stdout

    listing = run_cli("geocode", "--sources")
    assert listing.returncode == 0, listing.stderr
    for packaged in sources.PACKAGED:
        assert f"  attribution: {packaged.attribution}" in listing.stdout
        assert f"  licence: {packaged.licence}" in listing.stdout
    assert "© OpenStreetMap contributors, ODbL 1.0" in listing.stdout and "som-villages" in listing.stdout

    assert "--sources" in _one_error_line(run_cli("geocode"))  # no name and no --sources


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_notice_names_every_packaged_source_with_its_terms():
    notice = _flat(sources.notice_path().read_text(encoding="utf-8"))
    assert sources.notice_path() == ROOT / "src" / "warwatch" / "NOTICE.md"
    for packaged in sources.PACKAGED:
        assert f"### {packaged.name}:" in notice
        assert _flat(packaged.licence) in notice, packaged.name
        assert _flat(packaged.attribution) in notice, packaged.name
        for file in packaged.files:
            assert file in notice
    assert "Apache" in notice and "© OpenStreetMap contributors, ODbL" in notice and "derived database" in notice


def test_every_packaged_data_file_is_attributed():
    """A data file shipped without a source (and so without its terms) fails here."""
    named = {file for packaged in sources.PACKAGED for file in packaged.files}
    attribution = (DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for path in DATA_DIR.glob("*.tsv.gz"):
        assert path.name in named, path.name
    for file in named:
        if not file.startswith("wof_"):
            assert f"`{file}`" in attribution, file
    assert "NOTICE.md" in attribution


def test_package_data_ships_the_notice():
    """NOTICE.md and ATTRIBUTION.md go into the wheel: setuptools expands package-data with glob(recursive=True)."""
    import glob
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["warwatch"]
    package = ROOT / "src" / "warwatch"
    shipped = {Path(p).relative_to(package).as_posix() for pattern in patterns
               for p in glob.glob(str(package / pattern), recursive=True)}
    assert {"NOTICE.md", "geocode/data/ATTRIBUTION.md"} <= shipped
