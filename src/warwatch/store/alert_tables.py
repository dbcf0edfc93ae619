"""The tables of alerts (migration 0011): the watches, what each last notified, its notifications, the
outbox of deliveries and every delivery attempt.

Kept apart from :mod:`warwatch.store.migrations` (which lists the migration) so that the alerts' schema
reads in one place. The tables are FROZEN as migration 0011 created them, like the other migrations'
tables: later changes go in new migrations. Read and written by :mod:`warwatch.alerts` only.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

metadata = MetaData()

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("filters", Text, nullable=False),  # JSON: the Watch's fields (warwatch.alerts.model)
    Column("webhook_url", Text),
    # "whsec_" + base64: write-only, never read back out by any listing (only to sign)
    Column("webhook_secret", Text),
    Column("emails", Text, nullable=False, default="[]"),  # JSON list of addresses
    # the unguessable part of the public Atom feed's URL: /alerts/<feed_token>.atom
    Column("feed_token", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

alert_events = Table(
    # what each alert last notified about each matching event: the figures that a later change is compared to
    "alert_events", metadata,
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", Integer, primary_key=True, autoincrement=False),  # events.id (not a foreign key:
    # fusion may delete or merge an event, and what was notified stays notified)
    Column("event_code", String(32), nullable=False),  # event_id_cnty when last notified
    Column("notified", Integer, nullable=False),  # how many notifications this (alert, event) has had
    Column("fatalities", Integer),
    Column("fatalities_high", Integer),
    Column("n_independent", Integer),
    Column("contested", Boolean, nullable=False, default=False),
    Column("notified_at", DateTime, nullable=False),
    # the event's updated_at when last compared: fusion moves it whenever a figure changes, so an event
    # still at this stamp needs no comparison (a cycle reads only the events that changed)
    Column("seen_updated_at", DateTime),
)

alert_notifications = Table(
    # one per firing; the Atom feed lists them, and each channel's delivery refers to one
    "alert_notifications", metadata,
    Column("id", String(120), primary_key=True),  # msg_<alert>_<event code>_<n>: the webhook-id, the entry id
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("kind", String(20), nullable=False),  # event.matched or event.changed
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),  # the JSON payload, byte for byte what every webhook attempt sends
    Column("created_at", DateTime, nullable=False),
    Index("ix_alert_notifications_alert", "alert_id", "created_at"),
)

alert_outbox = Table(
    # one delivery of one notification to one channel target; survives restarts: the retry time is stored
    "alert_outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("notification_id", String(120), ForeignKey("alert_notifications.id", ondelete="CASCADE"),
           nullable=False),
    Column("channel", String(10), nullable=False),  # webhook or email
    Column("target", Text, nullable=False),  # the URL or the address
    Column("status", String(10), nullable=False),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", DateTime),
    UniqueConstraint("notification_id", "channel", "target", name="uq_alert_outbox_target"),
    Index("ix_alert_outbox_due", "status", "next_attempt_at"),
)

alert_attempts = Table(
    # every try of a delivery, for `alerts list` and for whoever asks why a receiver got nothing
    "alert_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("outbox_id", Integer, ForeignKey("alert_outbox.id", ondelete="CASCADE"), nullable=False),
    Column("attempted_at", DateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status", Integer),  # the HTTP status, when a response came
    Column("error", Text),
    Index("ix_alert_attempts_outbox", "outbox_id"),
)

#: the tables whose integer ids come from migration 9's trigger on PostgreSQL
ID_TABLES = ("alerts", "alert_outbox", "alert_attempts")


def create_alert_tables(conn: Connection) -> None:
    """Migration 0011: the alert tables. On PostgreSQL new rows' ids come from the trigger of migration
    9 (the largest id plus one), as for the other tables, instead of a sequence."""
    metadata.create_all(conn)
    if conn.dialect.name != "postgresql":
        return
    for table in ID_TABLES:
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
        conn.exec_driver_sql(f"CREATE TRIGGER {table}_next_id BEFORE INSERT ON {table} "
                             "FOR EACH ROW EXECUTE FUNCTION warwatch_next_id()")
