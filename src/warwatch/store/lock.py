"""One writer at a time: the lock an ingest holds on a database for the whole run.

Two ingests into one SQLite file would not corrupt it (each article is one IMMEDIATE transaction),
but each would read the same stored reports as its theatre and its duplicates, and store an
article the other is storing too. So the second waits, a bounded time, saying so.

The lock is a POSIX record lock (``fcntl.lockf``) on ``<database>.lock``, held by the process:
the operating system releases it when the process ends, however it ends, so a ``kill -9`` never
leaves a lock behind; the file itself may stay and means nothing. Record locks are not inherited
by child processes (spaCy's workers), so an orphaned worker cannot hold it either. Within one
process record locks do not exclude each other, so a per-path thread lock serialises the threads
of one process (the web app's ingest requests) as well.

On PostgreSQL the lock is the server's: a session-level advisory lock (``pg_try_advisory_lock``,
asked again every 0.2 s until ``wait`` runs out) taken on a connection of its own and held for the
whole run. Advisory locks belong to one database, so ingests into other databases of the same
server never wait for each other; the server releases the lock when the connection ends, however
the process ends. The connection's ``application_name`` carries the holder's process id, for the
message of the next one to wait. Other servers' URLs are not locked.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from warwatch.errors import StoreError

try:
    import fcntl
except ImportError:  # not a POSIX system: ingests are not serialised across processes
    fcntl = None  # type: ignore[assignment]

#: how long a second ingest waits for the first by default (seconds)
DEFAULT_WAIT = 600.0
_POLL = 0.2
_THREAD_LOCKS: dict[str, threading.Lock] = {}
_REGISTRY = threading.Lock()
#: the advisory lock's key (two int4): "warwatch" and "writer", as numbers. Every warwatch, every version
ADVISORY_KEY = (0x77617277, 0x77726974)
#: the application_name of the connection that holds it: the holder's process id follows
_HOLDER = "warwatch writer pid "


def lock_path(db: str | os.PathLike[str]) -> Path | None:
    """The lock file of a database file; None for ``:memory:`` and URLs (another server's business)."""
    where = os.fspath(db)
    if where == ":memory:" or "://" in where:
        return None
    return Path(f"{where}.lock")


class WriterLock:
    """Held while one ingest (or reprocess) writes to a database; waits up to ``wait`` seconds.

    ``on_wait(pid)`` is called once when the lock is held by another process (``pid`` as that
    process wrote it, or None), so that the caller can say what it is waiting for.
    """

    def __init__(self, db: str | os.PathLike[str], *, wait: float = DEFAULT_WAIT,
                 on_wait: Callable[[int | None], None] | None = None) -> None:
        self.path = lock_path(db)
        self.wait = wait
        self.on_wait = on_wait
        self._fd: int | None = None
        self._thread_lock: threading.Lock | None = None
        self.url = server_url(db)
        self._server: Connection | None = None

    def __enter__(self) -> WriterLock:
        if self.url is not None:
            self._lock_server(time.monotonic() + self.wait)
            return self
        if self.path is None:
            return self
        deadline = time.monotonic() + self.wait
        with _REGISTRY:
            self._thread_lock = _THREAD_LOCKS.setdefault(str(self.path.resolve()), threading.Lock())
        told = False
        while not self._thread_lock.acquire(timeout=_POLL):
            told = self._waiting(told, None, deadline)
        try:
            self._lock_file(deadline, told)
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def _lock_file(self, deadline: float, told: bool) -> None:
        assert self.path is not None
        if fcntl is None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise StoreError(f"cannot open the lock file {self.path}: {error.strerror}") from None
        try:
            while True:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EACCES, errno.EAGAIN):
                        raise StoreError(f"cannot lock {self.path}: {error.strerror}") from None
                told = self._waiting(told, _holder(fd), deadline)
                time.sleep(_POLL)
            # who holds it, for the message of the next one to wait (the file's content is only that)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _lock_server(self, deadline: float) -> None:
        """Take the database's advisory lock on a connection of its own (see the module's text)."""
        assert self.url is not None
        where = make_url(self.url).render_as_string(hide_password=True)
        try:
            engine = create_engine(self.url, poolclass=NullPool,
                                   connect_args={"application_name": f"{_HOLDER}{os.getpid()}"})
            conn = engine.connect()
        except (SQLAlchemyError, ArgumentError) as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()
            raise StoreError(f"cannot open database {where}: {reason[0] if reason else type(error).__name__}") from None
        try:
            told = False
            # autocommit: a session lock needs no transaction, and an idle open one would hold back VACUUM
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while not conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"),
                                   {"a": ADVISORY_KEY[0], "b": ADVISORY_KEY[1]}).scalar_one():
                told = self._waiting(told, _server_holder(conn), deadline)
                time.sleep(_POLL)
        except SQLAlchemyError as error:
            conn.close()
            engine.dispose()
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()
            raise StoreError(f"cannot lock {where}: {reason[0] if reason else type(error).__name__}") from None
        except BaseException:
            conn.close()
            engine.dispose()
            raise
        self._server = conn

    def _waiting(self, told: bool, pid: int | None, deadline: float) -> bool:
        if time.monotonic() >= deadline:
            who = f" (pid {pid})" if pid else ""
            raise StoreError(f"another ingest{who} is still writing to this database after {self.wait:.0f} s of "
                             "waiting: try again when it is done, or wait longer with --wait")
        if not told and self.on_wait is not None:
            self.on_wait(pid)
        return True

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._server is not None:
            conn, self._server = self._server, None
            engine = conn.engine
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": ADVISORY_KEY[0], "b": ADVISORY_KEY[1]})
            except SQLAlchemyError:
                pass  # closing the connection releases it all the same
            finally:
                conn.close()
                engine.dispose()
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                fcntl.lockf(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
        if self._thread_lock is not None:
            self._thread_lock.release()
            self._thread_lock = None


def server_url(db: str | os.PathLike[str]) -> str | None:
    """The URL of a PostgreSQL database (``postgresql://``, ``postgresql+psycopg://``...), else None."""
    where = os.fspath(db)
    if "://" not in where:
        return None
    try:
        return where if make_url(where).get_backend_name() == "postgresql" else None
    except ArgumentError:
        return None


def _server_holder(conn: Connection) -> int | None:
    """The process id of the warwatch holding the advisory lock of this database, when the server says."""
    name = conn.execute(text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid::bigint = :a AND l.objid::bigint = :b AND l.objsubid = 2"),
        {"a": ADVISORY_KEY[0], "b": ADVISORY_KEY[1]}).scalar()
    pid = name[len(_HOLDER):] if isinstance(name, str) and name.startswith(_HOLDER) else ""
    return int(pid) if pid.isdecimal() else None


def _holder(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdecimal() else None
