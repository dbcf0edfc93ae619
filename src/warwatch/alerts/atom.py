"""Each alert's Atom feed (RFC 4287): its notifications, newest first, for any feed reader.

The feed sits at an unguessable URL (``/alerts/<token>.atom``) and needs no login: the token is the
key, so a reader that cannot send headers can follow it. Entry ids are the notification ids (as a
URN), so a reader shows a change of an event as a new entry and never repeats one.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime

from sqlalchemy import select

from warwatch.alerts.deliver import notification_text
from warwatch.alerts.manage import feed_alert
from warwatch.store import Store
from warwatch.store.alert_tables import alert_notifications

ATOM = "http://www.w3.org/2005/Atom"
#: entries a feed holds at most (readers poll; older notifications are in the webhook and e-mail logs)
MAX_ENTRIES = 100
#: characters XML 1.0 cannot hold at all: dropped from article text rather than making the feed invalid
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"  # stored naive, in UTC


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def entry_id(notification_id: str) -> str:
    """The Atom id of a notification's entry (an IRI, as Atom wants): ``urn:warwatch:<notification id>``."""
    return f"urn:warwatch:{notification_id}"


def atom_feed(store: Store, token: str, base_url: str = "") -> bytes | None:
    """The Atom document of the alert whose feed token this is; None when no alert has it.

    ``base_url``: the server's address ("https://host"), for the feed's self link and the entries'
    links to the events; without it they are paths on the server.
    """
    alert = feed_alert(store, token)
    if alert is None:
        return None
    base = base_url.rstrip("/")
    with store.engine.connect() as conn:
        rows = conn.execute(select(alert_notifications).where(alert_notifications.c.alert_id == alert.id)
                            .order_by(alert_notifications.c.created_at.desc(), alert_notifications.c.id.desc())
                            .limit(MAX_ENTRIES)).all()
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    # derived from the token: stable for this feed, and telling nothing of it
    _add(feed, "id", uuid.uuid5(uuid.NAMESPACE_URL, f"warwatch-alert:{token}").urn)
    _add(feed, "title", f"warwatch alert: {alert.name}")
    _add(feed, "subtitle", f"Events matching {alert.watch.describe()}")
    updated = rows[0].created_at if rows else alert.updated_at or alert.created_at
    _add(feed, "updated", _stamp(updated) if updated else None)
    _add(feed, "link", rel="self", type="application/atom+xml", href=f"{base}{alert.feed_path}")
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base}/")
    author = _add(feed, "author")
    _add(author, "name", "warwatch")
    _add(feed, "generator", "warwatch")
    for row in rows:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(row.id))
        _add(entry, "title", row.title)
        _add(entry, "updated", _stamp(row.created_at))
        _add(entry, "published", _stamp(row.created_at))
        code = row.id.split("_", 2)[2].rsplit("_", 1)[0]  # msg_<alert>_<event>_<n>
        _add(entry, "link", rel="alternate", type="text/html", href=f"{base}/events/{code}")
        _add(entry, "category", term=row.kind)
        _add(entry, "content", notification_text(row.body, alert.name, row.id), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
