"""What an alert is: a name, a :class:`Watch` (the API's event filters), and where it is delivered.

A watch is matched by the API's own filter code (:func:`warwatch.store.query.conditions` over an
:class:`~warwatch.store.query.EventQuery`, whose ``where`` is the ``--where`` place test of
:func:`warwatch.store.places.where_condition`), never by a second implementation: an alert fires for
exactly the events that ``GET /api/events`` with the same filters lists.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.engine import Connection

from warwatch.errors import InputError
from warwatch.fuse.summary import normal_grade
from warwatch.store import acled
from warwatch.store.query import EventQuery, conditions, parse_bbox
from warwatch.store.schema import events

#: Standard Webhooks: a secret is "whsec_" and the base64 of 24 to 64 random bytes
SECRET_PREFIX = "whsec_"
SECRET_BYTES = (24, 64)
#: bytes of randomness in a feed token: 192 bits, not guessable
FEED_TOKEN_BYTES = 24
#: a plain address check (one @, a dot in the domain, no spaces or angle brackets): the SMTP server
#: decides the rest; this only keeps typos and header injection out
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")
MAX_NAME = 200


@dataclass(frozen=True)
class Watch:
    """The filters of an alert, as ``GET /api/events`` takes them.

    where: a place, district, province or country under any spelling (``warwatch events --where``).
    bbox: (west, south, east, north) in degrees. event_type: ACLED event or sub-event types (any of
    them). min_fatalities: the conservative toll at least this. actor: parts of actor names (any of
    them). grade: single_source, corroborated or contested (any of them). Empty means no filter.
    """

    where: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    event_type: tuple[str, ...] = ()
    min_fatalities: int | None = None
    actor: tuple[str, ...] = ()
    grade: tuple[str, ...] = ()

    @classmethod
    def checked(cls, *, where: str | None = None, bbox: str | tuple[float, float, float, float] | None = None,
                event_type: tuple[str, ...] | list[str] = (), min_fatalities: int | None = None,
                actor: tuple[str, ...] | list[str] = (), grade: tuple[str, ...] | list[str] = ()) -> Watch:
        """A watch from what a user typed, spelled as the store spells it; InputError on a bad value."""
        box = None
        if bbox is not None:
            try:
                box = parse_bbox(bbox) if isinstance(bbox, str) else parse_bbox(",".join(str(v) for v in bbox))
            except ValueError as error:
                raise InputError(f"--bbox: {error}") from None
        kinds = []
        for name in event_type:
            known = acled.resolve_type(name)
            if known is None:
                # a misspelt type would match nothing, and the alert would stay silent for ever
                raise InputError(f"--type: {acled.unknown_type_message(name)}")
            kinds.append(known[1])
        if min_fatalities is not None and min_fatalities < 0:
            raise InputError("--min-fatalities cannot be negative")
        place = where.strip() if where and where.strip() else None
        actors = tuple(dict.fromkeys(a.strip() for a in actor if a and a.strip()))
        return cls(where=place, bbox=box, event_type=tuple(dict.fromkeys(kinds)), min_fatalities=min_fatalities,
                   actor=actors, grade=tuple(dict.fromkeys(normal_grade(g) for g in grade)))

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v not in (None, (), [])}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Watch:
        data = json.loads(text or "{}")
        box = data.get("bbox")
        return cls(where=data.get("where"), bbox=tuple(box) if box else None,  # type: ignore[arg-type]
                   event_type=tuple(data.get("event_type", ())), min_fatalities=data.get("min_fatalities"),
                   actor=tuple(data.get("actor", ())), grade=tuple(data.get("grade", ())))

    def describe(self) -> str:
        """The filters in a line ("where Idlib, type Air/drone strike, at least 5 killed"); "everything"."""
        parts = [f"where {self.where}"] if self.where else []
        if self.bbox:
            parts.append("bbox " + ",".join(f"{v:g}" for v in self.bbox))
        if self.event_type:
            parts.append("type " + " or ".join(self.event_type))
        if self.min_fatalities is not None:
            parts.append(f"at least {self.min_fatalities} killed")
        if self.actor:
            parts.append("actor " + " or ".join(self.actor))
        if self.grade:
            parts.append("grade " + " or ".join(self.grade))
        return ", ".join(parts) or "every event"

    def query(self) -> EventQuery:
        """The filters as the API's :class:`EventQuery` (the actors apart: it takes one, see :meth:`where_clauses`)."""
        return EventQuery(where=self.where, bbox=self.bbox, event_type=self.event_type,
                          min_fatalities=self.min_fatalities, grade=self.grade, limit=None)

    def where_clauses(self, conn: Connection) -> list[ColumnElement[bool]]:
        """The WHERE clauses over ``events`` of the live events this watch matches."""
        out = conditions(conn, self.query())
        if self.actor:
            # any of the actors: each one through the API's own actor filter, OR-ed
            out.append(or_(*(and_(*conditions(conn, EventQuery(actor=a, limit=None))) for a in self.actor)))
        return out

    def matching(self, conn: Connection) -> Select:
        """SELECT of the ids of the live events this watch matches, by id."""
        return select(events.c.id).where(*self.where_clauses(conn)).order_by(events.c.id)


@dataclass
class Alert:
    """A stored alert. ``has_secret`` says whether its webhook is signed; the secret itself is never
    read back into this object (write-only), except by the delivery that signs with it."""

    id: int
    name: str
    watch: Watch
    webhook_url: str | None
    has_secret: bool
    emails: list[str] = field(default_factory=list)
    feed_token: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def feed_path(self) -> str:
        """The public Atom feed's path on a ``warwatch serve`` (unguessable: anyone with it can read)."""
        return f"/alerts/{self.feed_token}.atom"

    def public(self) -> dict[str, Any]:
        """What listings show: everything but the secret."""
        return {"id": self.id, "name": self.name, "filters": json.loads(self.watch.to_json()),
                "describe": self.watch.describe(), "webhook_url": self.webhook_url, "has_secret": self.has_secret,
                "emails": list(self.emails), "feed": self.feed_path, "created_at": self.created_at,
                "updated_at": self.updated_at}


def new_secret() -> str:
    """A fresh Standard Webhooks secret: "whsec_" and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a "whsec_..." secret (its base64 part, decoded); InputError for a malformed one."""
    if not secret.startswith(SECRET_PREFIX):
        raise InputError(f"a webhook secret starts with {SECRET_PREFIX!r} followed by base64 "
                         "(leave --secret out to have one generated)")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise InputError("the webhook secret after 'whsec_' is not valid base64") from None
    low, high = SECRET_BYTES
    if not low <= len(key) <= high:
        raise InputError(f"the webhook secret must hold {low} to {high} bytes of key, not {len(key)}")
    return key


def new_feed_token() -> str:
    return secrets.token_urlsafe(FEED_TOKEN_BYTES)


def check_webhook_url(url: str) -> str:
    """An http(s) URL with a host; InputError otherwise. Whether its address may be reached is the
    fetcher's to decide at delivery (after DNS, as for any URL from outside)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--webhook must be an http:// or https:// URL, not {url!r}")
    return url


def check_email(address: str) -> str:
    address = address.strip()
    if not EMAIL.match(address):
        raise InputError(f"--email: {address!r} is not an e-mail address")
    return address


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InputError("an alert needs a name")
    if len(name) > MAX_NAME:
        raise InputError(f"an alert's name is at most {MAX_NAME} characters")
    if name.isdecimal():
        # `alerts remove 3` removes the alert with id 3: a name of digits would be ambiguous
        raise InputError("an alert's name cannot be a number alone (numbers are alert ids)")
    return name
