"""``backup(db, out)``: a consistent copy of a SQLite store, taken while ingest and serve run.

The copy is SQLite's ``VACUUM INTO``: one read transaction over the whole database, so the copy
is the database as it was at one commit (every article with all its mentions, or not at all).
Under the store's write-ahead log a reader never waits for a writer and a writer never waits for
a reader, so a busy ingest can neither starve the backup nor be held up by it (the online backup
API copying a few pages a step restarts whenever a writer commits, and under load may never end).

The copy is written to a temporary file beside ``out``, checked (``PRAGMA integrity_check``),
and only then given its name, so that ``out`` is never a half-written file.

A PostgreSQL store is dumped by PostgreSQL's own ``pg_dump`` (custom format: restore it with
``pg_restore -d DBNAME FILE``) in a snapshot that this module exports from a REPEATABLE READ
transaction, so the counts it reports are those of the dump; ``pg_restore --list`` checks the file.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from warwatch.errors import InputError, StoreError

#: a SQLAlchemy URL of a server database: "postgresql://", "postgresql+psycopg://", "postgres://"
_SERVER_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9]*)(?:\+[a-z0-9_]+)?:/", re.IGNORECASE)
#: how long the copy may wait for a lock (a checkpoint, a writer taking the log over): as the store
BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class BackupResult:
    """What was written: the file, its size in bytes, and what it holds."""

    path: Path
    size: int
    articles: int
    events: int


def sqlite_file(db: str | os.PathLike[str]) -> Path:
    """The SQLite file behind ``db`` (a path or a ``sqlite:///`` URL); InputError for any other database."""
    text = os.fspath(db)
    found = _SERVER_URL.match(text)
    if found and len(found["scheme"]) > 1:  # "C:/..." is a Windows drive, not a URL
        scheme = found["scheme"].lower()
        if scheme == "sqlite":
            # SQLAlchemy's form: sqlite:///relative.db, sqlite:////absolute.db
            path = re.sub(r"^sqlite(?:\+\w+)?://", "", text, flags=re.IGNORECASE)
            path = path[1:] if path.startswith("/") else path
            if path in ("", ":memory:"):
                raise InputError("an in-memory database has nothing to back up")
            return Path(path)
        if scheme in ("postgresql", "postgres"):
            raise InputError("this is a PostgreSQL database: back it up with pg_dump (e.g. pg_dump -Fc -f "
                             "warwatch.dump DBNAME), warwatch backup copies SQLite files")
        raise InputError(f"warwatch backup copies SQLite files, not {scheme} databases: use that database's own "
                         "backup tool")
    return Path(text)


def backup(db: str | os.PathLike[str], out: str | os.PathLike[str], *, force: bool = False) -> BackupResult:
    """Copy the store ``db`` to the new file ``out`` as it is at one moment, and check the copy.

    InputError (one line) when ``db`` is no SQLite file, when ``out``'s folder is missing, or when
    ``out`` exists (unless ``force``: it is then replaced in one rename, never left half written);
    StoreError when SQLite cannot read the store or the copy fails its integrity check.
    """
    if _server_scheme(db) in ("postgresql", "postgres"):
        return pg_backup(os.fspath(db), out, force=force)
    source = sqlite_file(db)
    target = Path(out)
    if not source.is_file():
        raise InputError(f"no database at {source}" + (" (it is a folder)" if source.is_dir() else ""))
    _check_target(target, force)
    if target.resolve() == source.resolve():
        raise InputError("the backup cannot replace the database itself: give another file")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as error:
        raise InputError(f"cannot write in {target.parent}: {error.strerror}") from None
    os.close(handle)  # VACUUM INTO wants a missing or empty file: this one is empty, and its name is ours
    partial = Path(name)
    try:
        # as readable as the database itself, not more (mkstemp's file is the owner's only)
        os.chmod(partial, source.stat().st_mode & 0o777)
        _vacuum_into(source, partial)
        articles, events = check(partial)
        _publish(partial, target, force)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(path=target, size=target.stat().st_size, articles=articles, events=events)


def _check_target(target: Path, force: bool) -> None:
    if target.is_dir():
        raise InputError(f"{target} is a folder: give the name of the backup file to write")
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: folder {target.parent} does not exist")
    if target.exists() and not force:
        raise InputError(f"{target} exists: give another name, or --force to replace it")


def _server_scheme(db: str | os.PathLike[str]) -> str | None:
    found = _SERVER_URL.match(os.fspath(db))
    return found["scheme"].lower() if found and len(found["scheme"]) > 1 else None


def pg_tool(name: str) -> str | None:
    """A PostgreSQL client program: on PATH (Debian's wrapper picks the newest), else in the newest
    /usr/lib/postgresql/N/bin; None when there is none."""
    found = shutil.which(name)
    if found:
        return found
    def version(path: str) -> int:
        part = Path(path).parents[1].name
        return int(part) if part.isdecimal() else 0
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    return candidates[0] if candidates else None


def pg_backup(url: str, out: str | os.PathLike[str], *, force: bool = False) -> BackupResult:
    """Dump the PostgreSQL store at ``url`` to the new file ``out`` with pg_dump (custom format), as it is
    at one moment; InputError when there is no pg_dump, StoreError when the server or pg_dump fails."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    target = Path(out)
    _check_target(target, force)
    dump = pg_tool("pg_dump")
    if dump is None:
        raise InputError("this is a PostgreSQL database and no pg_dump was found: install PostgreSQL's client "
                         "programs (Debian: postgresql-client), or back it up with pg_dump yourself")
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise InputError(f"not a database URL: {error}") from None
    shown = parsed.render_as_string(hide_password=True)
    # libpq's form of the URL, the password in the environment rather than on a command line
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {**os.environ, **({"PGPASSWORD": str(parsed.password)} if parsed.password else {})}
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as error:
        raise InputError(f"cannot write in {target.parent}: {error.strerror}") from None
    os.close(handle)
    partial = Path(name)
    engine = None
    try:
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            # one snapshot for the counts and the dump: pg_dump reads the database as this transaction does
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
                         .scalars())
            if not {"articles", "events"} <= tables:
                raise StoreError(f"{shown} holds no warwatch store (no articles and events tables)")
            articles = int(conn.execute(text("SELECT count(*) FROM articles")).scalar_one())
            events = int(conn.execute(text("SELECT count(*) FROM events WHERE merged_into IS NULL")).scalar_one())
            done = subprocess.run([dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}", libpq],
                                  capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                lines = done.stderr.strip().splitlines()
                raise StoreError(f"pg_dump could not dump {shown}: {lines[-1] if lines else done.returncode}")
        listed = subprocess.run([pg_tool("pg_restore") or "pg_restore", "--list", str(partial)],
                                capture_output=True, text=True, check=False)
        if listed.returncode != 0 or "TABLE DATA" not in listed.stdout:
            raise StoreError(f"the dump of {shown} does not read back (pg_restore --list)")
        _publish(partial, target, force)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        raise StoreError(f"cannot back up {shown} with pg_dump: {reason[0] if reason else type(error).__name__}") \
            from None
    except OSError as error:
        raise StoreError(f"cannot run pg_dump for {shown}: {error.strerror or error}") from None
    finally:
        if engine is not None:
            engine.dispose()
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(path=target, size=target.stat().st_size, articles=articles, events=events)


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    # a URI, so that opening a missing file fails instead of creating it
    mode = "ro" if read_only else "rw"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _reason(error: sqlite3.Error) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _vacuum_into(source: Path, partial: Path) -> None:
    try:
        # read-write, though nothing is written: a read-only connection cannot open a WAL database
        # whose shared-memory file is missing (no process has it open), the usual case at rest
        conn = _connect(source, read_only=False)
    except sqlite3.Error:
        try:  # a file this user may only read
            conn = _connect(source, read_only=True)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {source}: {_reason(error)}") from None
    try:
        conn.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.DatabaseError as error:
        reason = _reason(error)
        if "not a database" in reason:
            raise InputError(f"{source} is not a SQLite database") from None
        raise StoreError(f"cannot copy {source}: {reason}") from None
    finally:
        conn.close()


def check(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Check a backup with ``PRAGMA integrity_check`` and foreign keys; return (articles, events)
    it holds, events as the API lists them (not those fused into another)."""
    file = Path(path)
    try:
        conn = _connect(file, read_only=True)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the backup {file}: {_reason(error)}") from None
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise StoreError(f"the backup {file} fails its integrity check: {problems[0]}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchone()
        if broken is not None:
            raise StoreError(f"the backup {file} has a row of {broken[0]} whose {broken[2]} is missing")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"articles", "events"} <= tables:
            raise StoreError(f"{file} holds no warwatch store (no articles and events tables)")
        columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
        listed = " WHERE merged_into IS NULL" if "merged_into" in columns else ""
        articles = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        events = int(conn.execute(f"SELECT count(*) FROM events{listed}").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise StoreError(f"cannot read the backup {file}: {_reason(error)}") from None
    finally:
        conn.close()
    return articles, events


def _publish(partial: Path, target: Path, force: bool) -> None:
    """Give the checked copy its name in one step: a reader of ``target`` sees the old file or the new one."""
    try:
        if force:
            os.replace(partial, target)
            return
        # a hard link fails if the name was taken meanwhile, where a rename would replace it
        os.link(partial, target)
    except FileExistsError:
        raise InputError(f"{target} exists: give another name, or --force to replace it") from None
    except OSError as error:
        if force or error.errno is None:
            raise InputError(f"cannot write {target}: {error.strerror or error}") from None
        # a file system without hard links: the name was free a moment ago
        try:
            os.rename(partial, target)
        except OSError as again:
            raise InputError(f"cannot write {target}: {again.strerror or again}") from None
