"""``warwatch serve`` as a real process on 127.0.0.1, for the tests that need the whole command:
what it prints, what it logs, what a client on the loopback sees."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

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
