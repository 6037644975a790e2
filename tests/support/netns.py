"""Several "hosts" on one Linux machine: network namespaces joined by a bridge, each with its own
address and its own loopback, made with iproute2 (`ip netns`, veth pairs) and removed afterwards.

A process started in a host's namespace sees only that host's interfaces: 127.0.0.1 there is an
empty loopback, so anything that silently assumes localhost fails instead of quietly reaching the
machine's own Redis or PostgreSQL. Traffic stays on this machine (the bridge has no uplink).

    with Network.create(["hub", "w1", "w2"]) as net:
        net.address("hub")            # e.g. "10.213.7.10"
        net.argv("w1", ["python", ...])  # ["ip", "netns", "exec", <ns>, "python", ...]

Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) and the `ip` command; `unavailable_reason()`
says why not, for a skip.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType

NAMESPACE_PREFIX = "wirefeed"
_OURS = re.compile(rf"^{NAMESPACE_PREFIX}-(\d+)-")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def unavailable_reason() -> str | None:
    """None when this process may create network namespaces, else why not."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    probe = f"{NAMESPACE_PREFIX}-{os.getpid()}-0-probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip() or 'permission denied'}"
    try:
        link = _ip(
            "-n", probe, "link", "add", "probe0", "type", "veth", "peer", "probe1", check=False
        )
        if link.returncode != 0:
            return f"cannot create a veth pair: {link.stderr.strip()}"
    finally:
        _ip("netns", "del", probe, check=False)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _namespace_pids(namespace: str) -> list[int]:
    found = _ip("netns", "pids", namespace, check=False)
    return [int(p) for p in found.stdout.split()]


def _remove_namespace(namespace: str) -> None:
    """Stop what still runs inside (only processes started in it) and delete it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _namespace_pids(namespace)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 5
        while _namespace_pids(namespace) and time.monotonic() < deadline:
            time.sleep(0.1)
    _ip("netns", "del", namespace, check=False)


def remove_stale() -> None:
    """Namespaces and bridges left by a run that was killed before it could clean up: their
    creator's pid (part of the name) is gone."""
    for line in _ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.strip() else ""
        match = _OURS.match(name)
        if match and not _alive(int(match.group(1))):
            _remove_namespace(name)
    for line in _ip("-o", "link", "show", "type", "bridge", check=False).stdout.splitlines():
        bridge = line.split(":")[1].strip()
        match = re.fullmatch(r"wfb(\d+)", bridge)
        if match and not _alive(int(match.group(1))):
            _ip("link", "del", bridge, check=False)


def _subnets_in_use() -> set[str]:
    found = _ip("-o", "-4", "addr", "show", check=False).stdout
    return {m.group(1) for m in re.finditer(r"inet (\d+\.\d+\.\d+)\.\d+/", found)}


@dataclass
class Network:
    """A bridge in the root namespace (the machine, address .1) and one namespace per host."""

    tag: str
    subnet: str  # "10.213.N"
    hosts: dict[str, str] = field(default_factory=dict)  # host name -> namespace
    addresses: dict[str, str] = field(default_factory=dict)  # host name -> IPv4 address

    @property
    def bridge(self) -> str:
        return f"wfb{self.tag}"

    @property
    def gateway(self) -> str:
        """The machine's own address on the bridge: where the test process is reached from."""
        return f"{self.subnet}.1"

    def address(self, host: str) -> str:
        return self.addresses[host]

    def argv(self, host: str, command: Sequence[str]) -> list[str]:
        """`command` run inside `host`'s namespace (ip netns exec execs it: same pid)."""
        return ["ip", "netns", "exec", self.hosts[host], *command]

    @classmethod
    def create(cls, names: Sequence[str]) -> Network:
        remove_stale()
        used = _subnets_in_use()
        rng = random.Random(os.getpid() ^ time.monotonic_ns())
        subnet = next(
            s for s in (f"10.213.{rng.randint(1, 254)}" for _ in range(500)) if s not in used
        )
        # Interface names are limited to 15 characters: the creator's pid (at most 7 digits) makes
        # them unique and tells remove_stale() whether their owner is still alive.
        network = cls(tag=str(os.getpid()), subnet=subnet)
        try:
            network._build(names)
        except BaseException:
            network.close()
            raise
        return network

    def _build(self, names: Sequence[str]) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for index, name in enumerate(names):
            namespace = f"{NAMESPACE_PREFIX}-{self.tag}-{name}"
            outside, inside = f"wf{self.tag}{index}o", f"wf{self.tag}{index}i"
            _ip("netns", "add", namespace)
            self.hosts[name] = namespace
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", outside, "master", self.bridge, "up")
            _ip("link", "set", inside, "netns", namespace)
            address = f"{self.subnet}.{10 + index}"
            _ip("-n", namespace, "link", "set", inside, "name", "eth0")
            _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
            _ip("-n", namespace, "link", "set", "eth0", "up")
            _ip("-n", namespace, "link", "set", "lo", "up")
            self.addresses[name] = address

    def close(self) -> None:
        """Remove every namespace (and what still runs in it), then the bridge. Idempotent."""
        for namespace in self.hosts.values():
            _remove_namespace(namespace)
        self.hosts.clear()
        _ip("link", "del", self.bridge, check=False)

    def __enter__(self) -> Network:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()


@contextlib.contextmanager
def network(names: Sequence[str]) -> Iterator[Network]:
    made = Network.create(names)
    try:
        yield made
    finally:
        made.close()
