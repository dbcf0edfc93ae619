"""Alerts: watches over the event table that tell people when an event matches or changes.

An alert is a :class:`Watch` (the API's event filters), kept in the database with its channels: a
webhook signed as Standard Webhooks specifies, e-mail addresses, and always an Atom feed at an
unguessable URL. :func:`evaluate` enqueues a notification when an event first matches or changes
materially; :func:`deliver` sends the outbox at least once; :func:`run_cycle` does both (the watch
loop calls it after each poll). See docs/alerts.md.
"""

from warwatch.alerts.atom import atom_feed, entry_id
from warwatch.alerts.deliver import Cycle, Delivery, SmtpConfig, deliver, run_cycle, sign, verify
from warwatch.alerts.fire import MATERIAL, Evaluation, evaluate
from warwatch.alerts.manage import Created, add_alert, feed_alert, find_alert, list_alerts, remove_alert, update_alert
from warwatch.alerts.model import Alert, Watch, new_secret

__all__ = [
    "MATERIAL", "Alert", "Created", "Cycle", "Delivery", "Evaluation", "SmtpConfig", "Watch", "add_alert",
    "atom_feed", "deliver", "entry_id", "evaluate", "feed_alert", "find_alert", "list_alerts", "new_secret",
    "remove_alert", "run_cycle", "sign", "update_alert", "verify",
]
