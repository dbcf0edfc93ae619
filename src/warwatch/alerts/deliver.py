"""Delivering the outbox: webhooks signed as Standard Webhooks specifies, and e-mail through SMTP.

At least once: a row is marked delivered only after a 2xx (or the SMTP server's acceptance); until then
it stays in the outbox with its attempts and the time of the next one, so a restart, a crash or a
``--once`` run picks it up where it was. Every attempt of a notification carries the SAME id
(``webhook-id``, the e-mail's Message-ID), so a receiver can drop a repeat. A failed attempt is retried
after an exponential backoff (stored, not slept), and given up after ``max_attempts``; a webhook URL the
fetcher refuses (a private address, a bad scheme) fails at once and is never retried.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import ipaddress
import json
import os
import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import and_, insert, select, update

from warwatch.alerts.fire import Evaluation, evaluate
from warwatch.alerts.manage import now, writing
from warwatch.alerts.model import secret_key
from warwatch.errors import InputError
from warwatch.store import Store
from warwatch.store.alert_tables import alert_attempts, alert_notifications, alert_outbox, alerts

#: tries of one delivery before it is given up (the first included)
MAX_ATTEMPTS = 8
#: seconds before the first retry; each later one waits twice as long as the one before, up to BACKOFF_CAP
BACKOFF = 30.0
BACKOFF_CAP = 6 * 3600.0
#: a row being sent is held this long: another ``alerts send`` leaves it alone meanwhile, and a process
#: killed mid-send leaves it due again after it
CLAIM = timedelta(minutes=5)
#: deliveries read per round
BATCH = 200
#: receivers answering this status ask us to stop for good (the endpoint is gone)
GONE = 410


class Poster(Protocol):
    """What delivery needs of :class:`warwatch.ingest.fetch.Fetcher`: a POST through the same SSRF checks."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Any: ...


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: "v1," and the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"
    keyed with the secret's base64 part, decoded (Standard Webhooks)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode("ascii")


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, tolerance: int = 300,
           at: float | None = None) -> bool:
    """True when ``headers`` (webhook-id, webhook-timestamp, webhook-signature) sign ``body`` with
    ``secret`` and the timestamp is within ``tolerance`` seconds of now: what a receiver checks."""
    lowered = {k.lower(): v for k, v in headers.items()}
    message_id, stamp = lowered.get("webhook-id", ""), lowered.get("webhook-timestamp", "")
    if not message_id or not stamp.isdecimal() or abs((at or time.time()) - int(stamp)) > tolerance:
        return False
    expected = sign(secret, message_id, int(stamp), body).encode()
    # several signatures may be given, space-separated (during a secret's rotation)
    return any(hmac.compare_digest(expected, given.encode()) for given in lowered.get("webhook-signature", "").split())


@dataclass(frozen=True)
class SmtpConfig:
    """Where e-mail goes: ``smtp://[user:password@]host[:port]`` (no TLS), ``smtp+starttls://`` (STARTTLS,
    required) or ``smtps://`` (TLS from the start), and the From address."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    tls: str = "none"  # none, starttls or ssl
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpConfig:
        parts = urlsplit(url.strip())
        modes = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}
        if parts.scheme not in modes or not parts.hostname:
            raise InputError("WARWATCH_SMTP_URL must look like smtp://user:password@host:port "
                             "(or smtp+starttls:// or smtps://)")
        tls, default_port = modes[parts.scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise InputError("WARWATCH_SMTP_URL has a bad port") from None
        if not sender or "@" not in sender:
            raise InputError("e-mail needs a From address: set WARWATCH_SMTP_FROM")
        config = cls(host=parts.hostname, port=port, sender=sender.strip(),
                     username=unquote(parts.username) if parts.username else None,
                     password=unquote(parts.password) if parts.password else None, tls=tls)
        if config.username and tls == "none" and not _loopback(config.host):
            # a password in clear text over the network: refused rather than leaked
            raise InputError("WARWATCH_SMTP_URL: a login over plain smtp:// to another machine would send the "
                             "password in clear text; use smtp+starttls:// or smtps://")
        return config

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpConfig | None:
        """The config from WARWATCH_SMTP_URL and WARWATCH_SMTP_FROM; None when no URL is set."""
        env = os.environ if env is None else env
        url = env.get("WARWATCH_SMTP_URL", "").strip()
        return cls.from_url(url, env.get("WARWATCH_SMTP_FROM", "")) if url else None


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Delivery:
    """What one :func:`deliver` did. ``failed``: given up (refused, or out of attempts), each with why."""

    delivered: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    #: e-mails left pending because no SMTP server is configured
    waiting: int = 0

    def lines(self) -> list[str]:
        out = [f"{len(self.delivered)} delivered, {len(self.retrying)} to retry, {len(self.failed)} given up"]
        out += [f"given up: {f}" for f in self.failed]
        if self.waiting:
            out.append(f"{self.waiting} e-mail(s) waiting: no SMTP server configured (set WARWATCH_SMTP_URL "
                       "and WARWATCH_SMTP_FROM)")
        return out


@dataclass
class _Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    final: bool = False  # never retry (refused by policy, or the receiver says the endpoint is gone)


def backoff(attempts: int, base: float = BACKOFF) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: base, 2 base, 4 base... up to the cap."""
    return timedelta(seconds=min(BACKOFF_CAP, base * 2 ** max(0, attempts - 1)))


def _claim(store: Store, moment: datetime, smtp: bool, after: int) -> list[Any]:
    """The due deliveries past id ``after`` (oldest first), held for :data:`CLAIM` so that a concurrent
    sender skips them. Walking by id, a round tries each row once, even one whose retry is due at once."""
    due = [alert_outbox.c.status == "pending", alert_outbox.c.next_attempt_at <= moment, alert_outbox.c.id > after]
    if not smtp:
        due.append(alert_outbox.c.channel != "email")
    with writing(store) as conn:
        rows = conn.execute(
            select(alert_outbox, alert_notifications.c.body, alert_notifications.c.title,
                   alert_notifications.c.created_at.label("created"), alerts.c.webhook_secret, alerts.c.name)
            .join(alert_notifications, alert_notifications.c.id == alert_outbox.c.notification_id)
            .join(alerts, alerts.c.id == alert_notifications.c.alert_id)
            .where(*due).order_by(alert_outbox.c.id).limit(BATCH)).all()
        if rows:
            conn.execute(update(alert_outbox).where(alert_outbox.c.id.in_([r.id for r in rows]))
                         .values(next_attempt_at=moment + CLAIM))
    return rows


def _post(poster: Poster, row: Any) -> _Outcome:
    from warwatch.ingest.fetch import FetchFailed, FetchRefused

    body = row.body.encode("utf-8")
    stamp = int(time.time())
    headers = {"content-type": "application/json", "webhook-id": row.notification_id,
               "webhook-timestamp": str(stamp)}
    if row.webhook_secret:
        headers["webhook-signature"] = sign(row.webhook_secret, row.notification_id, stamp, body)
    try:
        got = poster.post(row.target, body, headers)
    except FetchRefused as error:
        return _Outcome(False, error=f"refused: {getattr(error, 'reason', None) or error}", final=True)
    except FetchFailed as error:
        status = getattr(error, "status", None)
        return _Outcome(False, status=status, error=str(getattr(error, "reason", None) or error), final=status == GONE)
    except InputError as error:  # a URL the fetcher cannot use at all: trying again changes nothing
        return _Outcome(False, error=str(error), final=True)
    if 200 <= got.status < 300:
        return _Outcome(True, status=got.status)
    return _Outcome(False, status=got.status, error=f"HTTP {got.status}", final=got.status == GONE)


def notification_text(body: str, name: str, notification_id: str) -> str:
    """A notification in plain text: the e-mail's body and the feed entry's content."""
    payload = json.loads(body)
    event, found = payload["data"]["event"], payload["data"]["changes"]
    rng = event["fatalities_range"]
    toll = "no figure reported" if event["fatalities"] is None else f"{event['fatalities']} (conservative)"
    if rng.get("high") is not None and rng.get("low") is not None and rng["high"] != rng["low"]:
        toll += f"; sources say {rng['low']} to {rng['high']}"
    names = (event["place"], event["admin2"], event["admin1"], event["country"])
    place = ", ".join(dict.fromkeys(p for p in names if p))
    lines = [f"Alert: {name}", "",
             "A new event matches this alert." if payload["type"] == "event.matched"
             else "An event this alert reported has changed:"]
    lines += [f"  - {c['why']} ({c['from']} -> {c['to']})" for c in found]
    lines += ["", f"Event:      {event['id']} {event['type']} / {event['sub_type']}",
              f"Date:       {event['date'] or 'undated'}", f"Place:      {place or 'unlocated'}",
              f"Killed:     {toll}", f"Actors:     {'; '.join(event['actors']) or 'not named'}",
              f"Grade:      {event['grade'] or 'ungraded'} ({event['n_independent_sources'] or 0} independent "
              "source(s))", f"Link:       {event['url']}", "", "Sources:"]
    lines += [f"  - {s['outlet']}: {s['title']}" + (f" <{s['url']}>" if s["url"] else "") for s in event["sources"]]
    lines += ["", "Evidence:"] + [f"  \"{e['text']}\" ({e['source']})" for e in event["evidence"]]
    lines += ["", f"Notification {notification_id} of the warwatch alert \"{name}\"."]
    return "\n".join(lines) + "\n"


def _message(config: SmtpConfig, row: Any) -> EmailMessage:
    text = notification_text(row.body, row.name, row.notification_id)
    message = EmailMessage()
    message["Subject"] = row.title
    message["From"] = config.sender
    message["To"] = row.target
    message["Date"] = format_datetime(row.created.replace(tzinfo=UTC))
    # the same on every retry, so that a mail client can recognise a repeat; the address only as a digest
    domain = config.sender.rsplit("@", 1)[1]
    digest = hashlib.sha256(row.target.lower().encode()).hexdigest()[:12]
    message["Message-ID"] = f"<{row.notification_id}.{digest}@{domain}>"
    message["X-Warwatch-Notification"] = row.notification_id
    message.set_content(text)
    return message


class _Mailer:
    """One SMTP connection for a round of e-mails, opened on first use."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config, self.smtp = config, None

    def send(self, row: Any) -> _Outcome:
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            refused = self.smtp.send_message(_message(self.config, row))
        except smtplib.SMTPRecipientsRefused as error:
            return _Outcome(False, error=f"recipient refused: {error.recipients}")
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return _Outcome(False, error=f"SMTP: {error}")
        except ValueError as error:  # a message the email package will not write (a header it refuses)
            return _Outcome(False, error=f"cannot write the e-mail: {error}", final=True)
        if refused:
            return _Outcome(False, error=f"recipient refused: {refused}")
        return _Outcome(True)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if c.username:
            smtp.login(c.username, c.password or "")
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None


def deliver(store: Store, fetcher: Poster | None, *, smtp: SmtpConfig | None = None, at: datetime | None = None,
            max_attempts: int = MAX_ATTEMPTS, base: float = BACKOFF) -> Delivery:
    """Send every due delivery of the outbox once: webhooks through ``fetcher`` (its SSRF checks and
    caps apply to webhook URLs as to any URL), e-mail through ``smtp``; record each attempt.

    ``at``: the time taken as now (what is due, and when a retry will be). ``base``: the first backoff
    in seconds (each later one doubles). Without ``smtp`` e-mails stay pending (``waiting``).
    """
    report = Delivery()
    mailer = _Mailer(smtp) if smtp is not None else None
    last = 0
    try:
        while True:
            moment = at or now()
            rows = _claim(store, moment, smtp is not None, last)
            if not rows:
                break
            for row in rows:
                last = max(last, row.id)
                if row.channel == "webhook":
                    outcome = _post(fetcher, row) if fetcher is not None else _Outcome(
                        False, error="no fetcher given to deliver webhooks")
                else:
                    outcome = mailer.send(row) if mailer is not None else _Outcome(False, error="no SMTP")
                _record(store, row, outcome, at or now(), max_attempts, base, report)
    finally:
        if mailer is not None:
            mailer.close()
    if smtp is None:
        with store.engine.connect() as conn:
            report.waiting = len(conn.execute(select(alert_outbox.c.id).where(and_(
                alert_outbox.c.status == "pending", alert_outbox.c.channel == "email"))).all())
    return report


def _record(store: Store, row: Any, outcome: _Outcome, moment: datetime, max_attempts: int, base: float,
            report: Delivery) -> None:
    attempts = row.attempts + 1
    label = f"{row.notification_id} → {row.channel} {row.target}"
    values: dict[str, Any] = {"attempts": attempts, "last_error": outcome.error}
    if outcome.ok:
        values.update(status="delivered", delivered_at=moment, next_attempt_at=moment)
        report.delivered.append(label)
    elif outcome.final or attempts >= max_attempts:
        why = outcome.error if outcome.final else f"gave up after {attempts} attempts: {outcome.error}"
        values.update(status="failed", next_attempt_at=moment, last_error=why)
        report.failed.append(f"{label}: {why}")
    else:
        values.update(next_attempt_at=moment + backoff(attempts, base))
        report.retrying.append(f"{label}: {outcome.error}")
    with writing(store) as conn:
        conn.execute(update(alert_outbox).where(alert_outbox.c.id == row.id).values(**values))
        conn.execute(insert(alert_attempts).values(outbox_id=row.id, attempted_at=moment, ok=outcome.ok,
                                                   status=outcome.status, error=values["last_error"]))


@dataclass
class Cycle:
    """One :func:`run_cycle`: what was enqueued, then what was delivered."""

    evaluation: Evaluation
    delivery: Delivery

    def lines(self) -> list[str]:
        e = self.evaluation
        return [f"{e.alerts} alert(s): {len(e.matched)} new match(es), {len(e.changed)} change(s) notified",
                *self.delivery.lines()]


def run_cycle(store: Store, fetcher: Poster | None, smtp: SmtpConfig | None = None, *,
              at: datetime | None = None, base: float = BACKOFF, max_attempts: int = MAX_ATTEMPTS) -> Cycle:
    """Evaluate every alert, then deliver what is due (the watch loop calls it after each poll)."""
    return Cycle(evaluate(store, at=at), deliver(store, fetcher, smtp=smtp, at=at, base=base,
                                                 max_attempts=max_attempts))
