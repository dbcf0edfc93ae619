"""A real HTTP/1.1 server on 127.0.0.1 whose answers the test sets, and which logs what it was asked.

    with WebServer() as web:                     # or the ``web`` fixture of conftest.py
        web.route("/feed.xml", FEED, content_type="application/rss+xml", etag='"v1"')
        web.route("/feed.xml", status=500, times=2)  # the next two answers are 500s, then the feed
        fetcher.get(web.url("/feed.xml"))
        assert web.paths() == ["/feed.xml", ...]; web.requests[-1].headers["user-agent"]

A route answers with a fixed body and headers, or with ``handler(request) -> (status, headers,
body)``. Options cover what a hostile or broken site does: ``delay`` before the headers, ``trickle``
(one byte of the body every so many seconds), ``chunked`` (no Content-Length), ``gzip`` (the body
compressed; :func:`gzip_bomb` makes one that inflates a thousandfold), ``redirect`` (a Location,
relative or to any address), ``etag``/``last_modified`` (a matching conditional request gets a
304). Unknown paths are 404.
``connections`` counts TCP connections accepted: a test shows a refusal sent no packet when it
stays 0.
"""

from __future__ import annotations

import gzip as gzip_module
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str  # with the query string, as sent
    headers: dict[str, str]  # lower-case names
    body: bytes


Reply = tuple[int, Mapping[str, str], bytes]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    trickle: float = 0.0
    gzip: bool = False
    chunked: bool = False
    handler: Callable[[Request], Reply] | None = None
    times: int | None = None  # None: every time; n: the next n requests, then the route before it


def gzip_bomb(size: int) -> bytes:
    """A gzip body of ``size`` zero bytes: about a thousand times smaller than what it inflates to."""
    return gzip_module.compress(b"\0" * size, compresslevel=9)


class WebServer:
    """A ThreadingHTTPServer in a thread on an ephemeral port of 127.0.0.1 (or ``host``)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[Request] = []
        self.connections = 0
        self._routes: dict[str, list[Route]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.web = self
        self.host, self.port = self._httpd.server_address[:2]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def route(self, path: str, body: bytes | str = b"", *, status: int = 200, headers: Mapping[str, str] | None = None,
              content_type: str = "text/html; charset=utf-8", etag: str | None = None,
              last_modified: str | None = None, delay: float = 0.0, trickle: float = 0.0, gzip: bool = False,
              chunked: bool = False, redirect: str | None = None, times: int | None = None,
              handler: Callable[[Request], Reply] | None = None) -> None:
        """Answer ``path`` (without query) so; ``times=n`` answers so n times before the earlier route."""
        hdrs = {"Content-Type": content_type, **(headers or {})}
        if redirect is not None:
            hdrs["Location"] = redirect
            status = 302 if status == 200 else status
        data = body.encode() if isinstance(body, str) else body
        new = Route(data, status, hdrs, etag, last_modified, delay, trickle, gzip, chunked, handler, times)
        with self._lock:
            kept = self._routes.get(path, [])
            if times is None:  # replaces the standing route; pending one-off answers stay first
                self._routes[path] = [r for r in kept if r.times is not None] + [new]
            else:
                standing = [r for r in kept if r.times is None]
                self._routes[path] = [r for r in kept if r.times is not None] + [new] + standing

    def paths(self) -> list[str]:
        """The paths asked for, in order."""
        return [r.path for r in self.requests]

    def clear(self) -> None:
        """Forget the requests and connections seen so far (the routes stay)."""
        with self._lock:
            self.requests.clear()
            self.connections = 0

    def _answer(self, request: Request) -> Route | None:
        with self._lock:
            self.requests.append(request)
            routes = self._routes.get(urlsplit(request.path).path, [])
            if not routes:
                return None
            chosen = routes[0]
            if chosen.times is not None:
                chosen.times -= 1
                if chosen.times <= 0:
                    routes.pop(0)
            return chosen


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    web: WebServer

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        with self.web._lock:
            self.web.connections += 1
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection is let go
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # the test's output stays clean
        pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_HEAD = do_DELETE = do_GET

    def _serve(self) -> None:
        web = self.server.web
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        route = web._answer(request)
        if route is None:
            return self._send(404, {"Content-Type": "text/plain"}, b"not found\n")
        if route.delay and web._stopping.wait(route.delay):
            return
        if route.handler is not None:
            status, headers, data = route.handler(request)
            return self._send(status, dict(headers), data)
        headers = dict(route.headers)
        for name, value in (("ETag", route.etag), ("Last-Modified", route.last_modified)):
            if value:
                headers[name] = value
        if self._unchanged(route):
            return self._send(304, {k: v for k, v in headers.items() if k != "Content-Type"}, b"")
        data = route.body
        if route.gzip:
            data = gzip_module.compress(data)
            headers["Content-Encoding"] = "gzip"
        if route.trickle or route.chunked:  # no Content-Length: the client must count
            return self._chunked(route.status, headers, data, route.trickle, 1 if route.trickle else 16384)
        self._send(route.status, headers, data)

    def _unchanged(self, route: Route) -> bool:
        tag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if tag is not None and route.etag:
            return tag.strip() == "*" or route.etag in [t.strip() for t in tag.split(",")]
        return since is not None and route.last_modified is not None and since.strip() == route.last_modified

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status not in (204, 304) and "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(data)

    def _chunked(self, status: int, headers: dict[str, str], data: bytes, every: float, size: int) -> None:
        """The body in chunks of ``size`` bytes, ``every`` seconds apart, until the client hangs up."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for i in range(0, len(data), size):
                piece = data[i:i + size]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                if every and self.server.web._stopping.wait(every):
                    return
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client gave up, as it should
            self.close_connection = True


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; whether it held."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()
