"""Take the README's screenshot of the dashboard: the bundled seed articles, no remote tiles.

    .venv/bin/python tools/screenshot.py [-o docs/dashboard.png] [--event ID|deadliest|none]

Ingests the seed articles into a temporary database, serves the app with Uvicorn on a free local
port (tiles=None, so the map draws the bundled admin boundaries and the picture is reproducible
offline) and photographs the dashboard in Debian's headless Chromium through Playwright, with
the deadliest located event selected (its figures by source and its articles beside the table).
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import threading
import time
from pathlib import Path
from urllib.request import urlopen

import uvicorn
from playwright.sync_api import sync_playwright

from warwatch.pipeline import ingest
from warwatch.serve import live
from warwatch.serve.api import create_app

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "warwatch" / "samples"
CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    parser.add_argument("--event", default="deadliest",
                        help="the event to select: an id, 'deadliest' (default) or 'none'")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args()
    chromium = next((p for p in CHROMIUM_PATHS if Path(p).is_file()), None)
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")

    with tempfile.TemporaryDirectory(prefix="warwatch-shot-") as folder:
        db = Path(folder) / "seeds.db"
        report = ingest([], db=db, manifest=SAMPLES / "manifest.jsonl")
        print(f"{report.stored} articles, {len(report.events)} events")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        server = live.Server(uvicorn.Config(create_app(db, tiles=None), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        event = None if args.event == "none" else args.event
        if event == "deadliest":
            with urlopen(f"{base}/api/events?sort=-fatalities&located=true&limit=1") as response:
                event = json.load(response)["events"][0]["event_id"]
        url = f"{base}/" + (f"?event={event}" if event else "")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                page.goto(url)
                page.wait_for_selector("body[data-ready='1']")
                if event:
                    page.wait_for_selector("#detail:not([hidden])")
                page.mouse.move(0, 0)  # no hover effect in the picture
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out))
                browser.close()
        finally:
            server.should_exit = True
            thread.join(10)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
