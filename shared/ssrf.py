"""The SSRF guard every outbound request to a user-given URL goes through (URL ingest,
webhook deliveries): http/https only, no credentials in the URL; the host is resolved and *every*
address checked (loopback, private, link-local, multicast, reserved, unspecified, shared and
other non-global ranges, IPv4 and IPv6, IPv4-mapped/6to4/Teredo forms; numeric spellings such as
2130706433 or 0x7f000001 resolve to the address they mean and are checked as such). Callers then
connect to the checked address itself, so a second DNS answer cannot swap it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(Exception):
    """Why a URL may not be reached; the message is safe to show the user who gave it."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_problem(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why `ip` must not be fetched from, or None if it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        return address_problem(inner, allow_loopback=allow_loopback)
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    for name in ("unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if not ip.is_global:
        return "not globally routable"
    return None


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    scheme: str
    host: str  # the name as given (for Host and SNI)
    addresses: tuple[IPAddress, ...]  # every one checked; we connect to these, in order


def resolve_target(url: str, *, allow_loopback: bool, allow_private: bool = False) -> Target:
    """Resolve and check `url`; `allow_private` (an operator's choice) skips the address check."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl(f"only http and https URLs can be used, not {scheme or '(none)'!r}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("URLs with credentials are not accepted")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl("the URL has an invalid port") from exc
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"cannot resolve host {host!r}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeUrl(f"cannot resolve host {host!r}")
    for address in (
        [] if allow_private else addresses
    ):  # all of them: a name with one public and one private is refused
        if problem := address_problem(address, allow_loopback=allow_loopback):
            raise UnsafeUrl(f"refusing {host!r}: it resolves to a {problem} address")
    return Target(url=url, scheme=scheme, host=host, addresses=tuple(dict.fromkeys(addresses)))
