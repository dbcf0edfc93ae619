"""Polling overhead and new-article latency of ``warwatch watch``, against local HTTP servers.

1. **500 unchanged feeds.** A separate server process (so that its CPU is not counted) listens on
   127.0.0.1 … 127.0.0.N, one listening socket per address, all on one port. Linux routes the whole
   of 127.0.0.0/8 to the loopback interface, so binding a socket to any single 127.x.y.z address
   needs no configuration and still accepts connections from this machine only; binding 0.0.0.0
   instead would listen on every interface, and IP_FREEBIND is not needed for loopback addresses.
   The feeds are spread over the hosts, so the fetcher's per-host rate limit (1 s, as in
   production) does not serialise them. The watcher polls them twice with one fetcher and the
   fetcher's ``allow_private=["127.0.0.0/8"]``: the first cycle reads every feed (and robots.txt of
   each host, and the few article pages the feeds link to); the second finds every feed unchanged
   (conditional GETs answered 304). The figure is ``time.process_time()`` of this process around
   the second cycle: all of its threads, the fetch pool's included.
2. **A new article's latency.** The watch loop (``warwatch.watch.run.watch``) runs in a thread
   with a short poll interval; a feed gains an entry linking to a report of a strike; the time
   from that change to the event being in the store, and to an alert on it reaching a local webhook
   (``warwatch watch``'s own after-cycle step: evaluate, then deliver) is measured, against one poll
   interval plus the time to process it.

    python bench/watch.py [--feeds 500] [--hosts 250] [--every 5] [--trials 3] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "bench")]

#: the issue's budget: one all-unchanged cycle over 500 feeds under one second of the watcher's CPU
CPU_BUDGET = 1.0
ARTICLES = 50  # distinct article pages the feeds link to, each on a host of its own
PER_FEED = 10  # links per feed
QUIET = ("<html><head><title>Council approves budget {n}</title></head><body><article><h1>Council approves "
         "budget {n}</h1><p>The city council approved a new budget for parks and libraries on Tuesday.</p><p>"
         "Residents welcomed the plan to extend opening hours at the central library.</p></article></body></html>")

#: reports of other incidents (seed articles' sentences), for the latency trials after the first
OTHER_REPORTS = [
    ("Rebel shelling kills ten in Hama town",
     "On Friday, rebel shelling killed 10 people, including five children in the Christian-majority town of "
     "Maharda in western Hama province, SOHR reported.",
     "The government blamed insurgents for the attack, which hit a residential street."),
    ("Clashes in Qamishli",
     "At least 13 members of the government forces were killed in clashes with Asayesh fighters in the city of "
     "Qamishli on Saturday, according to SOHR.",
     "The fighting broke out at a checkpoint in the city centre and lasted several hours."),
]


# --- the server process --------------------------------------------------------------------------

def _feed(n: int, hosts: int, port: int) -> bytes:
    links = "".join(f"<item><title>Story {j}</title><link>http://127.0.0.{j % hosts + 1}:{port}/a/{j}</link>"
                    f"<pubDate>Thu, 02 May 2019 10:00:00 GMT</pubDate></item>"
                    for j in ((n + k) % ARTICLES for k in range(PER_FEED)))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>{links}</channel>'
            "</rss>").encode()


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hosts: int, port: int) -> None:
    """Minimal HTTP/1.1 with keep-alive: /feed/N.xml (ETag, 304 when it matches), /a/J, else 404."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            status, body, extra = 404, b"not found", ""
            if path.startswith("/feed/"):
                n = int(path.split("/")[2].split(".")[0])
                extra = f'ETag: "v{n}"\r\nContent-Type: application/rss+xml\r\n'
                if headers.get("if-none-match") == f'"v{n}"':
                    status, body = 304, b""
                else:
                    status, body = 200, _feed(n, hosts, port)
            elif path.startswith("/a/"):
                status, body = 200, QUIET.format(n=path.rsplit("/", 1)[1]).encode()
                extra = "Content-Type: text/html; charset=utf-8\r\n"
            reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
            length = "" if status == 304 else f"Content-Length: {len(body)}\r\n"
            writer.write(f"HTTP/1.1 {status} {reason}\r\n{extra}{length}\r\n".encode() + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve(hosts: int, port: int) -> None:
    servers = [await asyncio.start_server(lambda r, w: _answer(r, w, hosts, port), f"127.0.0.{k}", port,
                                          reuse_address=True) for k in range(1, hosts + 1)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- 1. polling overhead --------------------------------------------------------------------------

def polling(feeds: int, hosts: int) -> dict[str, float]:
    from warwatch.ingest.fetch import Fetcher
    from warwatch.store import Store
    from warwatch.watch.poll import Watcher
    from warwatch.watch.sources import Source, WatchConfig, WatchSettings

    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--hosts", str(hosts)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        config = WatchConfig(sources=tuple(Source(url=f"http://127.0.0.{n % hosts + 1}:{port}/feed/{n}.xml",
                                                  every=1800) for n in range(feeds)),
                             settings=WatchSettings(workers=8, max_pages=ARTICLES))
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "w.db") as store, \
                Fetcher(allow_private=["127.0.0.0/8"], contact="https://example.org/bench") as fetcher:
            watcher = Watcher(store, fetcher, config)
            out: dict[str, float] = {}
            for name in ("first", "second"):
                cpu, wall = time.process_time(), time.perf_counter()
                report = watcher.cycle(scheduled=False)
                out[f"{name}_cpu"] = time.process_time() - cpu
                out[f"{name}_wall"] = time.perf_counter() - wall
                out[f"{name}_polled"], out[f"{name}_unchanged"] = report.polled, report.unchanged
                out[f"{name}_pages"] = report.pages_fetched
            assert out["second_unchanged"] == feeds, "the second cycle should find every feed unchanged"
            return out
    finally:
        server.terminate()
        server.wait()


# --- 2. latency of a new article ------------------------------------------------------------------

def latency(every: float, trials: int) -> list[dict[str, float]]:
    from test_watch import LEAD, STRIKE, html, rss

    REPORTS = [("Air strike kills civilians in Idlib", LEAD, STRIKE.format(n="five")), *OTHER_REPORTS]
    from webserver import WebServer

    from warwatch.alerts import Watch, add_alert
    from warwatch.ingest.fetch import Fetcher
    from warwatch.pipeline import Pipeline
    from warwatch.store import Store
    from warwatch.watch.commands import deliver_alerts
    from warwatch.watch.run import watch
    from warwatch.watch.sources import Source, WatchConfig, WatchSettings

    pipeline = Pipeline()
    pipeline.nlp  # noqa: B018  (loaded before the clock starts: a service loads it once, at its first article)
    days = ["2019-05-02", "2019-06-06", "2019-07-04", "2019-08-01", "2019-09-05"]
    results = []
    with WebServer() as web, tempfile.TemporaryDirectory() as tmp, \
            Fetcher(allow_private=["127.0.0.1/32"], per_host_interval=0, contact="https://example.org/bench") as f:
        items: list[tuple[str, str]] = []
        web.route("/feed.xml", rss(web, items), content_type="application/rss+xml", etag='"0"')
        config = WatchConfig(sources=(Source(url=web.url("/feed.xml"), every=every),), settings=WatchSettings())
        db = Path(tmp) / "w.db"
        stop = threading.Event()

        # one alert on every event, delivered to a local webhook: the real after_cycle of `warwatch watch`
        web.route("/hook", status=204)
        with Store(db) as store:
            add_alert(store, "everything", Watch(), webhook=web.url("/hook"))

        def delivered() -> int:
            return sum(1 for r in web.requests if r.path == "/hook" and r.method == "POST")

        thread = threading.Thread(target=watch, args=(config, db, f), daemon=True, kwargs={
            "should_stop": stop.is_set, "after_cycle": deliver_alerts, "pipeline": pipeline,
            "log": logging.getLogger("bench.watch"), "max_sleep": every})
        thread.start()
        time.sleep(every / 2)
        for k in range(trials):
            time.sleep(every * (0.3 + 0.4 * k / max(trials - 1, 1)))  # changes land at different points of a wait
            path = f"/a/strike-{k}"
            # another incident each time, told in other words (a near-copy of an earlier text is a copy, no event)
            report = REPORTS[k % len(REPORTS)]
            web.route(path, html(report[0], list(report[1:]), day=days[k % len(days)]))
            items.append((path, "Thu, 02 May 2019 10:00:00 GMT"))
            changed = time.perf_counter()
            web.route("/feed.xml", rss(web, items), content_type="application/rss+xml", etag=f'"{k + 1}"')
            stored = None
            while time.perf_counter() - changed < every * 3 + 60:
                with Store(db) as store:
                    if len(store.events()) > k:
                        stored = time.perf_counter()
                        break
                time.sleep(0.05)
            alerted = None
            while time.perf_counter() - changed < every * 3 + 60:
                if delivered() > k:
                    alerted = time.perf_counter()
                    break
                time.sleep(0.05)
            results.append({"stored": (stored or float("nan")) - changed,
                            "hook": (alerted or float("nan")) - changed})
        stop.set()
        thread.join(timeout=every + 30)
    return results


def section(poll: dict[str, float], feeds: int, hosts: int, lat: list[dict[str, float]], every: float) -> str:
    machine = f"{platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}"
    verdict = "within" if poll["second_cpu"] < CPU_BUDGET else "OVER"
    rows = "\n".join(f"| {k + 1} | {r['stored']:.2f} s | {r['hook']:.2f} s |" for k, r in enumerate(lat))
    worst = max(r["hook"] for r in lat)
    first = f"{poll['first_polled']:.0f} feeds read, robots.txt of each host, {poll['first_pages']:.0f} article pages"
    second = f"{poll['second_unchanged']:.0f} feeds unchanged (conditional GET → 304), no page"
    return f"""## Watch

`python bench/watch.py` ({machine}). Local servers only: one server process listening on
127.0.0.1 to 127.0.0.{hosts} (one socket per address; Linux routes all of 127.0.0.0/8 to the loopback
interface), the watcher in this process with the fetcher's `allow_private=["127.0.0.0/8"]`.

**{feeds} feeds over {hosts} hosts, polled in one cycle** (the per-host limit of 1 s as in production; 8
fetches in flight). CPU is `time.process_time()` of the watching process (all its threads; the server's
CPU is not counted):

| cycle | what | CPU | wall |
|---|---|---|---|
| first | {first} | {poll['first_cpu']:.2f} s | {poll['first_wall']:.2f} s |
| second | {second} | **{poll['second_cpu']:.2f} s** | {poll['second_wall']:.2f} s |

The all-304 cycle costs {poll['second_cpu'] * 1000 / feeds:.2f} ms of CPU per feed: {verdict} the budget of
{CPU_BUDGET:.0f} s for {feeds} feeds.

**A new article on a watched feed** (poll interval {every:g} s; the feed changes at different points of the
wait; the pipeline is loaded before, as a running service has it): seconds from the change to the event in
the store, and to the alert's signed webhook POST reaching a local receiver
(`watch`'s own after-cycle step: evaluate, then deliver):

| trial | event stored | alert delivered |
|---|---|---|
{rows}

Worst case {worst:.2f} s against one poll interval ({every:g} s) plus the time to fetch, read, parse and
fuse one article (about a second here).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--hosts", type=int, default=250)
    parser.add_argument("--every", type=float, default=5.0, help="poll interval of the latency part (seconds)")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="write the Watch section into this Markdown file")
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(_serve(args.hosts, args.serve))
        return
    logging.basicConfig(level=os.environ.get("BENCH_LOG", "WARNING"))
    poll = polling(args.feeds, args.hosts)
    lat = latency(args.every, args.trials)
    text = section(poll, args.feeds, args.hosts, lat, args.every)
    print(text)
    if args.out:
        from sections import write_section

        write_section(args.out, "## Watch", text)


if __name__ == "__main__":
    main()
