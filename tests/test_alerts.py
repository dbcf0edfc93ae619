"""Alerts end to end, on real parts only: the seed database, articles ingested through the pipeline to
change an event, a webhook receiver on 127.0.0.1 that checks Standard Webhooks signatures with its own
code (not warwatch's), an SMTP server (aiosmtpd), the Atom feed read by feedparser, the CLI in fresh
processes and the API. No packet leaves 127.0.0.0/8."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from aiosmtpd.controller import Controller
from conftest import ROOT, run_cli

from warwatch.alerts import (
    SmtpConfig,
    Watch,
    add_alert,
    atom_feed,
    deliver,
    entry_id,
    evaluate,
    list_alerts,
    remove_alert,
    run_cycle,
    update_alert,
)
from warwatch.alerts.fire import Snapshot, changes
from warwatch.alerts.manage import now
from warwatch.errors import InputError
from warwatch.ingest.fetch import Fetcher
from warwatch.store import Store

DATA = ROOT / "tests" / "data" / "alerts"
LOCAL = ["127.0.0.1/32"]


# --- a webhook receiver that checks signatures as the Standard Webhooks spec says --------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next of ``statuses`` (then 200), 401 when the signature is wrong."""

    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    log: list[Received] = field(default_factory=list)
    url: str = ""

    def signed(self, headers: dict[str, str], body: bytes) -> bool:
        # written from the spec, not with warwatch.alerts.sign: the test must not check warwatch against itself
        if not self.secret.startswith("whsec_"):
            return False
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        stamp = headers.get("webhook-timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return False
        content = f"{headers.get('webhook-id', '')}.{stamp}.".encode() + body
        expected = "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
        return any(hmac.compare_digest(expected, s) for s in headers.get("webhook-signature", "").split())

    def delivered(self) -> list[Received]:
        return [r for r in self.log if 200 <= r.status < 300]


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = state.signed(headers, body)
            status = (state.statuses.pop(0) if state.statuses else 200) if verified else 401
            state.log.append(Received(headers, body, verified, status))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


# --- an SMTP server ---------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp() -> Iterator[tuple[Inbox, SmtpConfig]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    config = SmtpConfig.from_url(f"smtp://127.0.0.1:{controller.port}", "alerts@warwatch.test")
    yield inbox, config
    controller.stop()


@pytest.fixture()
def fetcher() -> Iterator[Fetcher]:
    # no retries inside the fetcher: the outbox's own retries are what is tested
    with Fetcher(allow_private=LOCAL, retries=0, per_host_interval=0.0) as f:
        yield f


def _ingest(db: Path, pipeline, name: str) -> None:
    from warwatch.pipeline import ingest

    report = ingest([], db=db, manifest=DATA / f"{name}.jsonl", pipeline=pipeline)
    assert report.stored == 1 and not report.failures


# --- firing and delivering --------------------------------------------------------------------------


def test_an_event_is_delivered_when_it_first_matches_and_when_it_changes_materially(
        seed_copy: Path, pipeline, receiver: Receiver, smtp, fetcher: Fetcher) -> None:
    inbox, config = smtp
    with Store(seed_copy) as store:
        created = add_alert(store, "Hama strikes", Watch.checked(where="Hama", min_fatalities=1),
                            webhook=receiver.url, emails=["analyst@example.org"])
        receiver.secret = created.secret
        first = run_cycle(store, fetcher, config)
        # the seeds' Hama events with a toll: each delivered once, to the webhook and by e-mail
        hama = {r.event_id for r in store.events(where="Hama") if (r.fatalities or 0) >= 1}
        assert hama and {r.json["data"]["event"]["id"] for r in receiver.log} == hama
        assert len(receiver.log) == len(hama) and all(r.verified and r.status == 200 for r in receiver.log)
        assert {r.json["type"] for r in receiver.log} == {"event.matched"}
        assert len(first.delivery.delivered) == 2 * len(hama) and not first.delivery.retrying
        assert len(inbox.messages) == len(hama)

        # nothing changed: nothing enqueued, nothing sent
        again = run_cycle(store, fetcher, config)
        assert again.evaluation.notifications == [] and len(receiver.log) == len(hama)

        # the same outlet reports a higher toll for the Kafr Nabudah strike: its high estimate rises
        _ingest(seed_copy, pipeline, "toll_rise")
        rose = run_cycle(store, fetcher, config)
        assert rose.evaluation.changed == ["msg_1_SYR18_2"] and rose.evaluation.matched == []
        sent = receiver.log[-1].json
        assert sent["type"] == "event.changed" and receiver.log[-1].id == "msg_1_SYR18_2"
        assert [(c["change"], c["from"], c["to"]) for c in sent["data"]["changes"]] == [("fatalities_high", 15, 21)]
        assert sent["data"]["event"]["fatalities_range"]["high"] == 21

        # another outlet reports it: a second independent source
        _ingest(seed_copy, pipeline, "second_source")
        corroborated = run_cycle(store, fetcher, config)
        assert corroborated.evaluation.changed == ["msg_1_SYR18_3"]
        sent = receiver.log[-1].json
        assert [c["change"] for c in sent["data"]["changes"]] == ["corroborated"]
        event = sent["data"]["event"]
        assert event["grade"] == "corroborated" and {s["outlet"] for s in event["sources"]} >= {"Al Jazeera",
                                                                                                "Enab Baladi"}
        assert event["place"] == "Kafr Nabudah" and event["lat"] and event["evidence"]
        assert all(r.verified for r in receiver.log) and len({r.id for r in receiver.log}) == len(receiver.log)

        # the e-mail of the last change: plain text with the toll, place, date, sources and link
        rcpt, raw = inbox.messages[-1]
        mail = message_from_bytes(raw)
        assert rcpt == ["analyst@example.org"] and "SYR18" in mail["Subject"]
        assert mail["Message-ID"].startswith("<msg_1_SYR18_3.")  # the notification's id: the same on a retry
        text = mail.get_payload(decode=True).decode()
        for words in ("Kafr Nabudah", "2019-05-02", "15 (conservative)", "Enab Baladi", "/events/SYR18"):
            assert words in text

        # the feed: every notification, newest first, entry ids the notification ids, valid Atom
        feed = feedparser.parse(atom_feed(store, created.alert.feed_token, "http://127.0.0.1"))
        assert not feed.bozo and feed.version == "atom10"
        assert len(feed.entries) == len(hama) + 2
        assert [e.id for e in feed.entries[:2]] == [entry_id("msg_1_SYR18_3"), entry_id("msg_1_SYR18_2")]
        assert feed.entries[0].link == "http://127.0.0.1/events/SYR18"


def test_a_failed_delivery_is_retried_with_backoff_under_the_same_id(seed_copy: Path, receiver: Receiver,
                                                                      fetcher: Fetcher) -> None:
    receiver.statuses = [500]
    with Store(seed_copy) as store:
        receiver.secret = add_alert(store, "Kafr Nabudah", Watch.checked(where="Kafr Nabudah"),
                                    webhook=receiver.url).secret
        start = now()
        first = run_cycle(store, fetcher, at=start)
        assert first.delivery.delivered == [] and len(first.delivery.retrying) == 1
        # not due yet: the backoff is stored, not slept
        assert deliver(store, fetcher, at=start + timedelta(seconds=10)).retrying == []
        later = deliver(store, fetcher, at=start + timedelta(seconds=31))
        assert len(later.delivered) == 1
        assert [r.status for r in receiver.log] == [500, 200]
        assert receiver.log[0].id == receiver.log[1].id == "msg_1_SYR18_1"
        assert receiver.log[0].body == receiver.log[1].body
        assert deliver(store, fetcher, at=start + timedelta(days=1)).delivered == []  # delivered once


def test_a_receiver_rejects_a_wrong_signature_and_delivery_gives_up_after_its_attempts(
        seed_copy: Path, receiver: Receiver, fetcher: Fetcher) -> None:
    with Store(seed_copy) as store:
        add_alert(store, "Kafr Nabudah", Watch.checked(where="Kafr Nabudah"), webhook=receiver.url)
        receiver.secret = "whsec_" + base64.b64encode(b"k" * 32).decode()  # not the alert's
        moment = now()
        evaluate(store, at=moment)
        for attempt in range(3):
            done = deliver(store, fetcher, at=moment + timedelta(hours=attempt), max_attempts=3, base=1)
        assert [r.status for r in receiver.log] == [401, 401, 401] and not any(r.verified for r in receiver.log)
        assert len(done.failed) == 1 and "gave up after 3 attempts: HTTP 401" in done.failed[0]
        assert deliver(store, fetcher, at=moment + timedelta(days=30)).failed == []  # given up: never again


def test_a_webhook_to_a_private_address_is_refused_once_and_not_retried(seed_copy: Path,
                                                                       receiver: Receiver) -> None:
    with Store(seed_copy) as store, Fetcher(retries=0) as strict:
        add_alert(store, "Kafr Nabudah", Watch.checked(where="Kafr Nabudah"), webhook=receiver.url)
        moment = now()
        done = run_cycle(store, strict, at=moment)
        assert len(done.delivery.failed) == 1 and "refused" in done.delivery.failed[0]
        assert deliver(store, strict, at=moment + timedelta(days=1)).failed == []
    assert receiver.log == []  # refused before any packet was sent


def test_the_outbox_survives_processes_and_the_cli_never_shows_a_secret_again(seed_copy: Path,
                                                                              receiver: Receiver) -> None:
    db = str(seed_copy)
    added = run_cli("alerts", "add", "Nabudah", "--where", "Kafr Nabudah", "--webhook", receiver.url, "--db", db)
    assert added.returncode == 0, added.stderr
    receiver.secret = next(line.split(": ", 1)[1] for line in added.stdout.splitlines()
                           if line.startswith("webhook secret: "))
    assert "/alerts/" in added.stdout and ".atom" in added.stdout
    receiver.statuses = [500]
    send = ("alerts", "send", "--db", db, "--allow-private", "127.0.0.1/32", "--backoff", "0")
    first = run_cli(*send)
    assert first.returncode == 0 and "0 delivered, 1 to retry" in first.stderr
    second = run_cli(*send)  # a new process: the pending delivery was in the database
    assert "1 delivered, 0 to retry" in second.stderr
    assert [r.status for r in receiver.log] == [500, 200] and receiver.log[0].id == receiver.log[1].id
    listed = run_cli("alerts", "list", "--db", db)
    assert "Nabudah" in listed.stdout and "1 delivered" in listed.stdout
    assert receiver.secret not in listed.stdout + listed.stderr and "whsec_" not in listed.stdout
    assert run_cli("alerts", "remove", "Nabudah", "--db", db).returncode == 0
    assert "0 alert(s)" in run_cli("alerts", "list", "--db", db).stdout


@pytest.mark.parametrize(("args", "words"), [
    (("add", "x", "--bbox", "36,35,37"), "bbox must be four numbers"),
    (("add", "x", "--type", "air strikes"), "not an ACLED event type"),
    (("remove", "nothing"), "no alert 'nothing'"),
])
def test_bad_input_to_the_cli_is_one_line(seed_copy: Path, args: tuple[str, ...], words: str) -> None:
    done = run_cli("alerts", *args, "--db", str(seed_copy))
    assert done.returncode == 2 and words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize(("given", "words"), [
    ({"bbox": "36,37,37,35"}, "south is greater than north"),
    ({"grade": ["certain"]}, "unknown grade"),
    ({"min_fatalities": -1}, "cannot be negative"),
])
def test_bad_filters_are_refused(given: dict, words: str) -> None:
    with pytest.raises(InputError, match=words):
        Watch.checked(**given)


@pytest.mark.parametrize(("channels", "words"), [
    ({"webhook": "ftp://example.org/x"}, "http:// or https://"),
    ({"emails": ["not-an-address"]}, "not an e-mail address"),
    ({"webhook": "https://example.org/x", "secret": "whsec_c2hvcnQ="}, "bytes of key"),
    ({"webhook": "https://example.org/x", "secret": "whsec_***"}, "not valid base64"),
    ({"webhook": "https://example.org/x", "secret": "s3cret"}, "starts with 'whsec_'"),
])
def test_bad_channels_are_refused(seed_copy: Path, channels: dict, words: str) -> None:
    with Store(seed_copy) as store, pytest.raises(InputError, match=re.escape(words)):
        add_alert(store, "x", Watch(), **channels)


# --- the library's checks ---------------------------------------------------------------------------


def test_watches_match_what_the_api_lists(seed_copy: Path) -> None:
    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    watch = Watch.checked(bbox="35.5,35,37,36.5", event_type=["Air/drone strike"], actor=["Russia", "Syria"],
                          grade=["contested", "single-source"])
    with Store(seed_copy) as store, store.engine.connect() as conn:
        ids = set(conn.execute(watch.matching(conn)).scalars())
        matched = {r.event_id for r in store.events() if r.id in ids}
    with TestClient(create_app(seed_copy, tiles=None)) as client:
        listed = client.get("/api/events", params={"bbox": "35.5,35,37,36.5", "event_type": "Air/drone strike",
                                                   "grade": ["contested", "single_source"], "limit": 1000}).json()
    assert matched and matched == {e["event_id"] for e in listed["events"]}


def test_changing_a_watch_fires_only_for_new_matches(seed_copy: Path) -> None:
    with Store(seed_copy) as store:
        add_alert(store, "deadly", Watch.checked(min_fatalities=10))
        first = evaluate(store)
        update_alert(store, "deadly", watch=Watch.checked(min_fatalities=4))
        wider = evaluate(store)
        assert first.matched and wider.matched and not set(first.matched) & set(wider.matched)
        assert evaluate(store).notifications == []
        with pytest.raises(InputError, match="named 'Deadly' already"):
            add_alert(store, "Deadly", Watch())
        with pytest.raises(InputError, match="--secret signs a webhook"):
            add_alert(store, "x", Watch(), secret="whsec_" + base64.b64encode(b"k" * 32).decode())
        remove_alert(store, "deadly")
        assert list_alerts(store) == []


def test_the_material_changes_are_rises_a_second_source_and_becoming_contested() -> None:
    base = Snapshot(fatalities=4, fatalities_high=6, n_independent=1, contested=False)

    def fired(**new: object) -> list[str]:
        return [c["change"] for c in changes(base, replace(base, **new))]

    assert fired() == [] and fired(fatalities=3, fatalities_high=5) == []  # a fall is no news
    assert fired(fatalities=5) == ["fatalities"] and fired(fatalities_high=9) == ["fatalities_high"]
    assert fired(n_independent=2) == ["corroborated"] and fired(contested=True) == ["contested"]
    assert changes(replace(base, n_independent=2), replace(base, n_independent=3)) == []  # a third source: no
    assert [c["change"] for c in changes(replace(base, fatalities=None), base)] == ["fatalities"]


# --- the API ----------------------------------------------------------------------------------------


TOKEN = "alerts-test-token-0123456789"


def test_the_api_manages_alerts_with_the_ingest_token_and_never_returns_a_secret(seed_copy: Path) -> None:
    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    new = {"name": "Idlib", "where": "Idlib", "event_type": ["Air/drone strike"], "webhook": "https://example.org/h",
           "email": ["a@example.org"]}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(seed_copy, allow_ingest=True, token=TOKEN, tiles=None)) as client:
        assert client.post("/api/alerts", json=new).status_code == 401
        assert client.post("/api/alerts", json=new, headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.get("/api/alerts").status_code == 401
        made = client.post("/api/alerts", json=new, headers=auth)
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]
        assert secret.startswith("whsec_") and made.json()["has_secret"] is True
        bad = client.post("/api/alerts", json={**new, "name": "b", "bbox": "1,2,3"}, headers=auth)
        assert bad.status_code == 422 and "bbox" in bad.json()["message"]
        alert_id = made.json()["id"]
        changed = client.patch(f"/api/alerts/{alert_id}", json={"filters": {"where": "Hama", "min_fatalities": 2}},
                               headers=auth)
        assert changed.status_code == 200 and changed.json()["secret"] is None
        assert changed.json()["filters"] == {"where": "Hama", "min_fatalities": 2}
        listed = client.get("/api/alerts", headers=auth)
        assert listed.status_code == 200 and [a["name"] for a in listed.json()] == ["Idlib"]
        assert secret not in listed.text + changed.text and "whsec_" not in listed.text

        with Store(seed_copy) as store:
            evaluate(store)
        feed_path = listed.json()[0]["feed"]
        feed = client.get(feed_path)  # no token: the path is the key
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(feed.content)
        assert not parsed.bozo and parsed.entries and all(e.id.startswith("urn:warwatch:msg_1_")
                                                          for e in parsed.entries)
        assert client.get("/alerts/" + "x" * 32 + ".atom").status_code == 404
        assert client.delete(f"/api/alerts/{alert_id}").status_code == 401
        assert client.delete(f"/api/alerts/{alert_id}", headers=auth).status_code == 204
        assert client.get(feed_path).status_code == 404
        assert client.delete(f"/api/alerts/{alert_id}", headers=auth).status_code == 404
    with TestClient(create_app(seed_copy, tiles=None)) as read_only:
        assert read_only.post("/api/alerts", json=new, headers=auth).status_code == 403


def test_alert_tables_on_postgresql(pg_url: str) -> None:
    with Store(pg_url) as store:
        a = add_alert(store, "one", Watch.checked(where="Idlib"), webhook="https://example.org/h")
        b = add_alert(store, "two", Watch())
        assert (a.alert.id, b.alert.id) == (1, 2)  # ids from migration 9's trigger, as for the other tables
        assert evaluate(store).notifications == []  # no events yet
        remove_alert(store, "two")
        assert add_alert(store, "three", Watch()).alert.id == 2  # the largest plus one, as SQLite gives them


def test_smtp_config_from_the_environment() -> None:
    assert SmtpConfig.from_env({}) is None
    config = SmtpConfig.from_env({"WARWATCH_SMTP_URL": "smtps://me%40x:p%3Ass@mail.example.org",
                                  "WARWATCH_SMTP_FROM": "w@example.org"})
    assert (config.host, config.port, config.tls, config.username, config.password) == (
        "mail.example.org", 465, "ssl", "me@x", "p:ss")
    with pytest.raises(InputError, match="clear text"):
        SmtpConfig.from_env({"WARWATCH_SMTP_URL": "smtp://u:p@mail.example.org", "WARWATCH_SMTP_FROM": "w@x.org"})
    with pytest.raises(InputError, match="From"):
        SmtpConfig.from_env({"WARWATCH_SMTP_URL": "smtp://127.0.0.1:25"})
