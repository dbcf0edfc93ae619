"""``warwatch serve`` as a real process on 127.0.0.1, for the tests that need the whole command:
what it prints, what it logs, what a client on the loopback sees; and :func:`start`, its server in a
thread of the test process, for tests that want the app object at hand."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from conftest import WARWATCH

URL = re.compile(r"warwatch on (http://\S+?)/ ")


@dataclass
class Served:
    """A running server's address and everything it wrote (stdout and stderr, line by line)."""

    url: str = ""
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)


def _drain(stream, into: list[str]) -> None:
    for line in iter(stream.readline, ""):
        into.append(line)


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Run ``warwatch serve --port 0 ARGS`` until the block ends, then stop it with SIGINT (as Ctrl-C
    would) and wait for it, so that ``Served.output`` then holds all it wrote."""
    process = subprocess.Popen([*WARWATCH, "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    served = Served()
    readers = [threading.Thread(target=_drain, args=(process.stdout, served.stdout), daemon=True),
               threading.Thread(target=_drain, args=(process.stderr, served.stderr), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + 60  # a guard against a hang, not a measure of speed
        while not served.url:
            found = URL.search("".join(served.stderr))
            if found:
                served.url = found[1]
                break
            assert process.poll() is None, f"warwatch serve exited: {served.output}"
            assert time.monotonic() < deadline, f"warwatch serve did not start: {served.output}"
            time.sleep(0.05)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for reader in readers:
            reader.join(10)


def start(app: Any, sock: socket.socket) -> tuple[Any, threading.Thread]:
    """Run ``app`` on the bound ``sock`` with ``warwatch serve``'s server (Uvicorn's, which ends the live
    streams on shutdown: Uvicorn's own would wait for them) in a thread; return once it serves. Stop it
    with ``server.should_exit = True`` and a join of the thread."""
    import uvicorn

    from warwatch.serve import live

    server = live.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    return server, thread
