"""The current tables, for queries: version 1 as created by the migrations, plus later changes.

When a migration adds a column, add it here too (``events.append_column(...)``): the migration
changes the database, this module changes what the code reads and writes.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, Text

from warwatch.store.migrations import FUSION_COLUMNS, tables_v3, versions_table

_TYPES = {"INTEGER": Integer, "BOOLEAN": Boolean, "TEXT": Text, "VARCHAR(20)": lambda: String(20)}

metadata: MetaData = tables_v3()
versions: Table = versions_table(metadata)
for _table, _column, _kind in FUSION_COLUMNS:  # migration 3
    metadata.tables[_table].append_column(Column(_column, _TYPES[_kind]()))

metadata.tables["mentions"].append_column(Column("theatre_place", Text()))  # migration 6
metadata.tables["articles"].append_column(Column("rejected", Text()))  # migration 7

articles: Table = metadata.tables["articles"]
events: Table = metadata.tables["events"]
mentions: Table = metadata.tables["mentions"]
claims: Table = metadata.tables["claims"]
reports: Table = metadata.tables["reports"]
article_links: Table = metadata.tables["article_links"]
article_bands: Table = metadata.tables["article_bands"]
article_reprints: Table = metadata.tables["article_reprints"]

#: marks a landmark among a stored toponym's context names ("a camp in X near Y": Y), so that a
#: rebuild from the stored mentions sees what ingest saw
LANDMARK_MARK = "@landmark:"
