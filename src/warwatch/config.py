"""Where things live: the database path, the per-user cache (gazetteer index) and the per-user data
(settlement lists the user added)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "warwatch.db"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path | str:
    """``--db`` if given, else $WARWATCH_DB, else ./warwatch.db (DESIGN.md's CLI contract): a file path,
    or a SQLAlchemy URL kept as the string it is (a Path would fold its "//")."""
    value = explicit or os.environ.get("WARWATCH_DB") or DEFAULT_DB
    if isinstance(value, str) and "://" in value:
        return value
    return Path(value)


def db_exists(location: Path | str) -> bool:
    """Whether the database is there: a file that exists; a URL is the server's to say (True)."""
    return isinstance(location, str) or location.exists()


def cache_dir() -> Path:
    """$WARWATCH_CACHE, else $XDG_CACHE_HOME/warwatch, else ~/.cache/warwatch (created on demand)."""
    base = os.environ.get("WARWATCH_CACHE")
    if base:
        path = Path(base)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(xdg) / "warwatch"
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """$WARWATCH_DATA, else $XDG_DATA_HOME/warwatch, else ~/.local/share/warwatch.

    Unlike the cache, this holds what the user gave us (their settlement lists): it cannot be
    rebuilt, so it is not under the cache folder. Not created here: listing must not make folders.
    """
    base = os.environ.get("WARWATCH_DATA")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "warwatch"
