"""What keeps ``warwatch serve`` closed: the security headers on every response, the ingest
token's failed attempts counted per client, the upload cap enforced while the body streams in,
warnings about where the server listens, and logging that never holds a token.

Everything here is independent of the routes (:mod:`warwatch.serve.api` wires it in), so that
each guarantee can be tested on its own.
"""

from __future__ import annotations

import copy
import ipaddress
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: warwatch's own server messages (refused tokens, lock-outs): never the token itself
log = logging.getLogger("warwatch.serve")

#: wrong tokens a client may send within WINDOW seconds before it is refused (429) until the oldest expires
MAX_FAILURES = 5
FAILURE_WINDOW = 60.0
#: addresses remembered at most: a flood from many addresses cannot grow the table without bound
MAX_CLIENTS = 10_000
#: shorter tokens get a warning: 5 guesses a minute still find a short one
MIN_TOKEN_LENGTH = 16


# --- headers -----------------------------------------------------------------------------------


def layer_origin(url: str) -> str:
    """The CSP source of a tile URL template: its origin, "{s}" subdomains as a wildcard."""
    parts = urlsplit(url.replace("{s}", "SUBDOMAIN"))
    host = parts.netloc.replace("SUBDOMAIN", "*")
    return f"{parts.scheme}://{host}" if parts.scheme in ("http", "https") and host else ""


def security_headers(tiles: str | None) -> dict[str, str]:
    """The headers every response carries: a CSP with scripts from this server only (no inline
    script, no eval), no framing, no MIME sniffing and no referrer."""
    img = " ".join(filter(None, ["'self'", "data:", layer_origin(tiles) if tiles else ""]))
    csp = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
           f"img-src {img}; connect-src 'self'; object-src 'none'; base-uri 'none'; "
           "frame-ancestors 'none'; form-action 'self'")
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


class SecurityHeaders:
    """ASGI middleware adding ``headers`` to every HTTP response that does not set them itself.

    Plain ASGI rather than an ``@app.middleware("http")`` function: it sees every response start
    (static files, streamed bodies, errors raised anywhere) and does not buffer the body.
    """

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in self.headers if k not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- failed token attempts ---------------------------------------------------------------------


class FailedAttempts:
    """Wrong tokens per client address within a sliding window.

    After ``limit`` failures within ``window`` seconds a client is refused until the oldest of
    them is ``window`` seconds old, whatever it sends (a right token too: guessing must gain
    nothing). Each address has its own count, so one client's failures or success never change
    another's. At most ``max_clients`` addresses are remembered, the least recently failing
    forgotten first. Thread-safe: the check runs in FastAPI's thread pool.
    """

    def __init__(self, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW,
                 max_clients: int = MAX_CLIENTS, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0 or max_clients < 1:
            raise ValueError("limit, window and max_clients must be positive")
        self.limit, self.window, self.max_clients, self.clock = limit, window, max_clients, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._failures)

    def _recent(self, client: str, now: float) -> deque[float] | None:
        times = self._failures.get(client)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[client]
            return None
        return times

    def retry_after(self, client: str) -> int | None:
        """Whole seconds until ``client`` may try again (at least 1), or None when it may try now."""
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            if times is None or len(times) < self.limit:
                return None
            return max(1, math.ceil(times[0] + self.window - now))

    def failed(self, client: str) -> int:
        """Count a wrong token from ``client``; return its failures within the window."""
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            if times is None:
                # only the newest ``limit`` matter: memory per address is bounded too
                times = self._failures[client] = deque(maxlen=self.limit)
            times.append(now)
            self._failures.move_to_end(client)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
            return len(times)


def client_address(request: Request) -> str:
    """The client's address (Uvicorn puts the proxy's X-Forwarded-For there for a local proxy)."""
    return request.client.host if request.client else "unknown"


# --- the upload cap ----------------------------------------------------------------------------


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"request larger than {limit} bytes: send fewer articles at once")


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it passes ``limit`` bytes.

    A declared Content-Length over the limit is refused before reading anything; a chunked body
    (no length) is read chunk by chunk and dropped at the first chunk past the limit, so that a
    client cannot make the server hold more than ``limit`` bytes and one chunk.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


# --- where the server listens ------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach: 127.0.0.0/8, ::1 and "localhost"."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # another host name: it may well resolve to a public address


def exposure_warnings(host: str, token: str | None, allow_ingest: bool) -> list[str]:
    """One line per risk of serving on ``host`` as configured (empty when there is none)."""
    warnings: list[str] = []
    if not is_loopback(host):
        if allow_ingest:
            warnings.append(f"{host} is reachable from the network and ingest is on: the token travels in clear "
                            "text over plain HTTP; put a reverse proxy with HTTPS in front (and listen on "
                            "127.0.0.1 behind it)")
        else:
            warnings.append(f"{host} is reachable from the network: the dashboard and the (read-only) API are open "
                            "to anyone who can reach this machine; use --host 127.0.0.1 to keep them local")
    if allow_ingest and token is not None and len(token) < MIN_TOKEN_LENGTH:
        warnings.append(f"the token is short ({len(token)} characters): use at least {MIN_TOKEN_LENGTH} random "
                        "ones, e.g. python -c \"import secrets; print(secrets.token_urlsafe())\"")
    return warnings


def log_config(access_log: bool) -> dict[str, Any]:
    """Uvicorn's logging set-up: its own messages from warnings up, warwatch's refusals, and the
    access log (client, request line, status; never a header, so never a token) when asked."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**copy.deepcopy(LOGGING_CONFIG), "loggers": {
        "uvicorn": {"handlers": ["default"], "level": "WARNING", "propagate": False},
        "uvicorn.error": {"level": "WARNING"},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO" if access_log else "WARNING",
                           "propagate": False},
        "warwatch.serve": {"handlers": ["default"], "level": "INFO", "propagate": False},
    }}
    return config
