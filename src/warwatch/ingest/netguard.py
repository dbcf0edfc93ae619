"""Which network addresses warwatch may connect to, checked on the address actually connected to.

Article links come from the web, so a fetch is a server-side request forgery risk: a link (or a
redirect, or a DNS name) that points at the loopback, the cloud metadata service at
169.254.169.254 or a host on the intranet would make warwatch read what only the machine it runs on
can reach. The check is done where the connection is made, not on the URL: :class:`GuardedBackend`
is the httpcore network backend that resolves the host name once with the (injectable) resolver,
refuses the whole name when any of its addresses is forbidden, and connects to the very address it
checked. httpcore keeps the host name for the ``Host`` header and for TLS (SNI and the
certificate's name), so only the socket's address changes: nothing resolves the name a second time,
and a DNS answer that changes between a check and the connection (DNS rebinding) cannot slip
through.

The forbidden ranges are data (:data:`FORBIDDEN`), each with the reason it is refused; anything
else that Python's :mod:`ipaddress` does not call global is refused too, and an IPv6 address that
carries an IPv4 one (IPv4-mapped, 6to4, NAT64, Teredo) is refused when the IPv4 one is.
``allow_private`` lists the ranges a deployment lets through (an intranet, 127.0.0.1/32 in tests).
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import httpcore

from ..errors import InputError

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchRefused(InputError):
    """Refused by policy (address range, scheme, robots.txt, size cap): never retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchFailed(InputError):
    """The network or the server failed (connection, time cap, 5xx after retries)."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


#: the ranges refused, each with the words a person reads in the refusal; the order matters only
#: for the name given (the first that contains the address). Anything not listed here that
#: ``ipaddress`` does not call global is refused as "not a public address".
FORBIDDEN: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "'this network' (0.0.0.0 reaches the local host)"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT (shared, not public)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (where cloud metadata services answer)"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),  # before 240.0.0.0/4, which holds it, for its own name
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001:db8::/32", "documentation"),
    ("fc00::/7", "unique local (private)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
    ("::/8", "reserved (includes IPv4-compatible addresses)"),
)
_FORBIDDEN = tuple((ipaddress.ip_network(net), why) for net, why in FORBIDDEN)
#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (RFC 6052 NAT64)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(addr: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for or is routed to (mapped, 6to4, NAT64, Teredo), if any."""
    if not isinstance(addr, ipaddress.IPv6Address):
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr.teredo is not None:
        return addr.teredo[1]  # the client's address; the server's is public by definition
    return None


def forbidden(addr: Address) -> str | None:
    """Why ``addr`` may not be connected to, or None when it is a public address."""
    inner = embedded_ipv4(addr)
    if inner is not None:
        why = forbidden(inner)
        if why:
            return f"carries {inner}, {why}"
    for net, why in _FORBIDDEN:
        if addr.version == net.version and addr in net:
            return f"a {why} address ({net})"
    # multicast and some special ranges count as "global" in ipaddress; the table has them
    if not addr.is_global or addr.is_multicast or addr.is_reserved or addr.is_unspecified:
        return "not a public address"
    return None


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """``allow_private``'s CIDRs as networks; a malformed one is a one-line InputError."""
    out = []
    for cidr in cidrs:
        try:
            out.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError as exc:
            raise InputError(f"--allow-private {cidr!r} is not an address range such as 10.0.0.0/8 ({exc})") from None
    return tuple(out)


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system's resolver gives for ``host`` (each once, in its order)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from None
    seen: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = str(sockaddr[0]).split("%", 1)[0]
        if ip not in seen:
            seen.append(ip)
    return seen


class AddressGuard:
    """Resolves a host once and says which of its addresses may be connected to."""

    def __init__(self, allow_private: Sequence[str] = (), resolver: Resolver | None = None) -> None:
        self.allowed = parse_networks(allow_private)
        self.resolver = resolver or system_resolver

    def allows(self, addr: Address) -> bool:
        mapped = addr.ipv4_mapped if isinstance(addr, ipaddress.IPv6Address) else None
        candidates = [a for a in (addr, mapped) if a is not None]
        return any(a.version == net.version and a in net for net in self.allowed for a in candidates)

    def check(self, host: str, addr: str) -> Address:
        """``addr`` as an address object, or FetchRefused naming the range it is in."""
        try:
            ip = ipaddress.ip_address(addr.split("%", 1)[0])
        except ValueError:
            raise FetchRefused(f"{host} resolved to {addr!r}, which is not an IP address") from None
        if self.allows(ip):
            return ip
        why = forbidden(ip)
        if why:
            where = host if host == str(ip) else f"{host} resolves to {ip}, which"
            raise FetchRefused(f"{where} is {why}: refused (--allow-private lets a range through)")
        return ip

    def resolve(self, host: str, port: int) -> list[Address]:
        """Every address of ``host``, each checked; one forbidden address refuses the whole name.

        Refusing the name (rather than skipping the bad address) keeps a name that mixes a public
        and a private answer from working some of the time, as DNS rebinding relies on.
        """
        host = host.strip("[]")
        try:
            literal = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            literal = None
        addrs = [str(literal)] if literal is not None else self.resolver(host, port)
        if not addrs:
            raise httpcore.ConnectError(f"{host} has no address")
        return [self.check(host, a) for a in addrs]


#: the monotonic time by which the current exchange must be over; set by the fetcher around each
#: request (httpcore's sync code runs in the caller's thread, so a context variable reaches it)
deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("warwatch_fetch_deadline", default=None)


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to what is left before the deadline: a trickle of bytes cannot outlast it."""
    end = deadline.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise error("the time cap for the whole exchange is over")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the exchange's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with the address check between resolving and connecting."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self._tcp = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addrs = self.guard.resolve(host, port)  # FetchRefused before any packet is sent
        error: Exception | None = None
        for addr in addrs:
            try:
                # an address literal: the socket connects to it without resolving anything again
                stream = self._tcp.connect_tcp(str(addr), port, _bounded(timeout, httpcore.ConnectTimeout),
                                               local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        raise httpcore.ConnectError(f"cannot connect to {host} port {port}: {error}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise FetchRefused(f"unix socket {path}: refused (only TCP to public addresses)")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
