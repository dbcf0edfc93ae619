"""A real PostgreSQL server for the tests: $WARWATCH_TEST_PG_URL, or a throwaway cluster started here.

The throwaway cluster is Debian's ``initdb`` and ``pg_ctl`` (``pg_config --bindir``, else the newest
/usr/lib/postgresql/N/bin) in a temporary folder, listening on a Unix socket there only, with trust
authentication; one per test session, stopped (``-m immediate``) and removed at its end. PostgreSQL
refuses to run as root: as root the cluster runs as the ``postgres`` user of Debian's package (else
``nobody``). Each test gets a database of its own (CREATE DATABASE is quick).

Where neither can be had, the PostgreSQL tests skip with the reason, said once in the header and once
in the summary; under CI=true they fail instead: CI runs the PostgreSQL half against the real server.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

URL_VARIABLE = "WARWATCH_TEST_PG_URL"


def bindir() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl), or None."""
    candidates: list[Path] = []
    config = shutil.which("pg_config")
    if config:
        try:
            found = subprocess.run([config, "--bindir"], capture_output=True, text=True, timeout=10, check=False)
            candidates.append(Path(found.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass

    def version(path: str) -> int:
        part = Path(path).parent.name
        return int(part) if part.isdecimal() else 0

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: version(
        str(Path(p))), reverse=True)]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def describe() -> str:
    """One line for the test header: where the PostgreSQL tests will find their server."""
    if os.environ.get(URL_VARIABLE):
        return f"PostgreSQL: the server of ${URL_VARIABLE}"
    folder = bindir()
    if folder is not None:
        return f"PostgreSQL: a throwaway cluster from {folder}"
    return f"PostgreSQL: {unavailable()}"


def unavailable() -> str:
    return (f"none found (no ${URL_VARIABLE}, no initdb/pg_ctl in pg_config --bindir or /usr/lib/postgresql/*/bin): "
            "the PostgreSQL tests skip (install Debian's postgresql package, or set "
            f"{URL_VARIABLE}=postgresql+psycopg://user@host/db of a user who may CREATE DATABASE)")


def unavailable_now(reason: str) -> None:
    """Skip, or under CI=true fail: CI must run the PostgreSQL half."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL: {reason}; CI=true, so the PostgreSQL tests must not skip", pytrace=False)
    pytest.skip(f"PostgreSQL: {reason}")


@dataclass
class Server:
    """A PostgreSQL server the tests may create databases on."""

    #: SQLAlchemy URL of a database to run CREATE DATABASE from
    admin_url: str
    created: list[str] = field(default_factory=list)
    counter: itertools.count = field(default_factory=itertools.count)

    def database(self, stem: str = "t") -> str:
        """A new empty database; its SQLAlchemy URL."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import NullPool

        name = f"warwatch_{stem}_{os.getpid()}_{next(self.counter)}".lower()
        engine = create_engine(self.admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
        finally:
            engine.dispose()
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for name in self.created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception:
            pass
        finally:
            engine.dispose()


def _as_user() -> tuple[list[str], str | None]:
    """The command prefix that runs the server as a user it accepts, and that user (None: this one)."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", user, "--"], user
        return [shutil.which("setpriv") or "setpriv", f"--reuid={user}", "--regid=" + str(pwd.getpwnam(user).pw_gid),
                "--init-groups"], user
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


class Cluster:
    """A throwaway cluster in a temporary folder, on a Unix socket there."""

    def __init__(self, folder: Path) -> None:
        self.bin = folder
        self.root = Path(tempfile.mkdtemp(prefix="warwatch-pg-"))
        self.data = self.root / "data"
        self.prefix, user = _as_user()
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        done = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=timeout, check=False,
                              cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-800:]}")
        return done

    def start(self, durable: bool = False) -> Server:
        """Start the cluster. Tests want it fast (no fsync); a benchmark against SQLite, which syncs its
        write-ahead log, wants it ``durable``."""
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "warwatch", "-E", "UTF8",
                 "--no-locale", *(() if durable else ("--no-sync",)))
        options = f"-k {self.root} -c listen_addresses='' -c max_connections=40"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                 "-o", options, "start")
        return Server(admin_url=f"postgresql+psycopg://warwatch@/postgres?host={self.root}")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def wait_for(check, timeout: float = 60, step: float = 0.1) -> bool:
    """Ask ``check()`` until it is true or ``timeout`` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True
