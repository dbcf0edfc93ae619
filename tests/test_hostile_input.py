"""Any input, one article at a time: what the web produces at its worst is reported on one line and
skipped, never costs the rest of the batch, and costs bounded memory.

Real files on disk, read as ``warwatch ingest`` reads them; memory is measured in a fresh process
(peak resident size with the input, minus peak with a small good file), the way a user would see it.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES, run_cli
from reliability import LARGE, record

from warwatch.ingest import IngestFailure, collect
from warwatch.ingest.limits import MAX_ARTICLE_CHARS, MAX_FILE_BYTES, MAX_LINE_BYTES
from warwatch.models import Article
from warwatch.pipeline import pieces

MB = 1024 * 1024
LINE_MB = 100 if LARGE else 25  # a JSONL line longer than the line cap
BOMB_MB = 1024 if LARGE else 200  # what the gzip bomb inflates to
_PARAGRAPH = ("Fighters attacked the village at dawn and the army said it had repelled them after a battle "
              "that lasted hours, residents said, adding that the road to the market was closed. ")


def _junk_text(chars: int) -> str:
    """A "text file" that is a dump: paragraphs of words, far longer than any article."""
    para = (_PARAGRAPH * 4).strip()
    return "A page that never ends\n\n" + "\n\n".join([para] * (chars // (len(para) + 2) + 1))


def _deep_html(depth: int) -> str:
    return ("<html><body>" + "<div>" * depth + "<p>Shelling killed three people in Idlib on Monday, "
            "activists said.</p>" + "</div>" * depth + "</body></html>")


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
""" + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10)) + """]>
<rss version="2.0"><channel><title>Feed &lol9;</title><item><title>Shelling in Idlib</title>
<description>Shelling killed three people in Idlib on Monday, activists said. &lol9;</description></item>
</channel></rss>"""


def _write_long_line(path: Path, megabytes: int) -> None:
    with path.open("wb") as out:
        out.write(b'{"title": "a crawl in one line", "text": "')
        chunk = (_PARAGRAPH.encode() * (MB // len(_PARAGRAPH) + 1))[:MB]
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b'"}\n')
        out.write(json.dumps({"title": "Shelling in Idlib", "text": _PARAGRAPH * 3}).encode() + b"\n")


def _write_bomb(path: Path, megabytes: int) -> None:
    zeros = b"Shelling killed three. " * (MB // 23)
    with gzip.open(path, "wb", compresslevel=9) as out:
        for _ in range(megabytes):
            out.write(zeros)


def test_one_huge_file_among_good_articles_costs_only_itself(tmp_path, cache_dir):
    """The trial that opened the issue: one 3.4 MB text among five good articles stopped the batch."""
    folder = tmp_path / "in"
    folder.mkdir()
    for f in SAMPLES.glob("*.txt"):
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "dump.txt").write_text(_junk_text(3_450_000), encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "broken.jsonl").write_text('{"text": "half a line\n[1, 2]\n', encoding="utf-8")
    db = tmp_path / "w.db"
    result = run_cli("ingest", "--db", str(db), str(folder))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "5 article(s) stored, 0 already stored, 4 skipped" in result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert any("dump.txt: article text of" in line and f"over the cap of {MAX_ARTICLE_CHARS:,}" in line
               for line in said)
    assert any("binary.txt: binary file, not text" in line for line in said)


def test_pieces_join_back_exactly_and_cut_between_paragraphs():
    text = "\n\n".join(f"Paragraph {i}. " + "word " * (i * 7 % 50) for i in range(400))
    cut = pieces(text, 1000)
    assert "".join(cut) == text and all(len(p) <= 1000 for p in cut) and len(cut) > 10
    assert all(p.endswith("\n\n") for p in cut[:-1])  # between paragraphs, where there are any
    nospace = "x" * 2500  # no place to cut but inside the word
    assert pieces(nospace, 1000) == ["x" * 1000, "x" * 1000, "x" * 500]
    assert pieces("short", 1000) == ["short"]


def test_a_text_parsed_in_pieces_gives_what_it_gives_whole(pipeline):
    """Long texts go to spaCy in pieces (it refuses a text over a million characters): the events
    read from the joined pieces are those read from the whole, at the same offsets."""
    from warwatch.pipeline import Pipeline

    text = "\n\n".join(f.read_text(encoding="utf-8") for f in sorted(SAMPLES.glob("*.txt")))
    article = Article(text=text, title="five reports in one", doc_id="five")
    whole = pipeline.process(article)
    cut = Pipeline(geocoder=pipeline.geocoder, piece_chars=3000)
    assert len(pieces(text, 3000)) >= 8
    parts = cut.process(article)
    key = [(m.evidence.start, m.evidence.end, m.event_type, m.fatalities, m.place.name if m.place else None)
           for m in whole]
    assert key and key == [(m.evidence.start, m.evidence.end, m.event_type, m.fatalities,
                            m.place.name if m.place else None) for m in parts]


@pytest.mark.skipif(not LARGE, reason="a million characters through spaCy takes a minute: make reliability")
def test_an_article_over_spacys_limit_is_read_in_pieces(tmp_path, cache_dir):
    text = _junk_text(1_200_000)
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    result = run_cli("ingest", "--db", str(tmp_path / "w.db"), str(tmp_path / "long.txt"))
    assert result.returncode == 0 and "1 article(s) stored" in result.stderr, result.stderr


def _failures(*paths: Path, manifest: Path | None = None) -> list[str]:
    items = list(collect(list(paths), manifest=manifest))
    assert all(isinstance(i, Article | IngestFailure) for i in items)
    return [str(i) for i in items if isinstance(i, IngestFailure)]


def test_each_hostile_input_is_one_line_and_the_good_one_beside_it_is_read(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Shelling in Idlib\n\n" + _PARAGRAPH * 3, encoding="utf-8")
    (tmp_path / "deep.html").write_text(_deep_html(100_000), encoding="utf-8")
    (tmp_path / "laughs.xml").write_text(LAUGHS, encoding="utf-8")
    _write_bomb(tmp_path / "bomb.txt.gz", 60)
    _write_long_line(tmp_path / "long.jsonl", 21)
    (tmp_path / "folder").mkdir()
    (tmp_path / "list.jsonl").write_text(json.dumps({"path": "folder", "title": "x"}) + "\n", encoding="utf-8")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "notgz.txt.gz").write_bytes(b"this is not gzip at all")
    items = list(collect([good, *(tmp_path / n for n in ("deep.html", "laughs.xml", "bomb.txt.gz", "long.jsonl",
                                                         "loop.txt", "notgz.txt.gz"))],
                         manifest=tmp_path / "list.jsonl"))
    failures = {Path(i.source.split(":")[0].split("#")[0]).name: i.message for i in items
                if isinstance(i, IngestFailure)}
    read = [i for i in items if isinstance(i, Article)]
    assert [a.title for a in read] == ["Shelling in Idlib", "Shelling in Idlib"]  # the file, the JSONL's 2nd line
    assert failures == {
        "folder": "the manifest names a folder, not a file: list its files instead",
        "deep.html": "no article text found in the HTML page",
        "laughs.xml": failures["laughs.xml"],
        "bomb.txt.gz": f"inflates to more than the {MAX_FILE_BYTES // MB} MB cap for one page, text or feed",
        "long.jsonl": f"line longer than the {MAX_LINE_BYTES // MB} MB cap: skipped",
        "loop.txt": "a symbolic link to nothing, or a loop of links",
        "notgz.txt.gz": failures["notgz.txt.gz"],
    }
    assert failures["laughs.xml"].startswith("refused: the feed declares XML entities")
    assert failures["notgz.txt.gz"].startswith("not a readable gzip file")
    assert all("\n" not in m for m in failures.values())


def test_a_file_that_vanishes_mid_run_is_reported_and_the_rest_read(tmp_path):
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"Report {n}\n\n" + _PARAGRAPH, encoding="utf-8")
    items = collect([tmp_path])
    first = next(items)
    (tmp_path / "1.txt").unlink()  # gone between the folder's listing and its reading
    rest = list(items)
    assert isinstance(first, Article)
    assert [str(i) for i in rest if isinstance(i, IngestFailure)] == [
        f"{tmp_path / '1.txt'}: no such file or directory"]
    assert [a.title for a in rest if isinstance(a, Article)] == ["Report 2"]


_MEASURE = """
import sys
from pathlib import Path
from warwatch.ingest import collect

def status(key):
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(key + ":"))
    return int(line.split()[1]) * 1024

for item in collect([sys.argv[1]]):  # warm: every module and table a reader loads, loaded
    pass
before = status("VmRSS")
Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
for item in collect(sys.argv[2:]):
    pass
print(status("VmHWM") - before)
"""


def _extra(small: Path, hostile: Path) -> int:
    """How much resident memory (bytes) reading ``hostile`` adds at its peak, in a fresh process
    that read ``small`` first (so that what any read loads is not counted)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(small), str(hostile)], capture_output=True,
                          text=True, timeout=600, env={**os.environ})
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc to read peak memory")
def test_memory_stays_bounded_on_pathological_inputs(tmp_path):
    small = tmp_path / "small.txt"
    small.write_text("Shelling in Idlib\n\n" + _PARAGRAPH * 3, encoding="utf-8")
    (tmp_path / "deep.html").write_text(_deep_html(100_000), encoding="utf-8")
    (tmp_path / "laughs.xml").write_text(LAUGHS, encoding="utf-8")
    _write_bomb(tmp_path / "bomb.txt.gz", BOMB_MB)
    _write_long_line(tmp_path / "long.jsonl", LINE_MB)
    extra = {name: _extra(small, tmp_path / name) // MB for name in ("deep.html", "laughs.xml", "bomb.txt.gz",
                                                                    "long.jsonl")}
    record("memory", extra_mb=extra, bomb_inflates_to_mb=BOMB_MB, line_mb=LINE_MB)
    # each costs at most a few times its cap, never what it would inflate or expand to
    assert extra["long.jsonl"] <= 3 * MAX_LINE_BYTES // MB, extra
    assert extra["bomb.txt.gz"] <= 3 * MAX_FILE_BYTES // MB, extra
    assert extra["deep.html"] <= 150 and extra["laughs.xml"] <= 50, extra
