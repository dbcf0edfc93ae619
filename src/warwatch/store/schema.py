"""The current tables, for queries: version 1 as created by the migrations, plus later changes.

When a migration adds a column, add it here too (``events.append_column(...)``): the migration
changes the database, this module changes what the code reads and writes.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

from warwatch.store.migrations import tables_v1, versions_table

metadata: MetaData = tables_v1()
versions: Table = versions_table(metadata)
articles: Table = metadata.tables["articles"]
events: Table = metadata.tables["events"]
mentions: Table = metadata.tables["mentions"]
claims: Table = metadata.tables["claims"]
