"""The situation report: a printable summary (HTML and PDF) of the events of a place and period."""
