"""docker-compose.yml and the Dockerfile, tested as far as a machine without a Docker engine can:
the file's structure, and that every command it runs exists and works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.processes import REPO, Proc, backend_env
from tests.support.services import Backend
from wirefeed.cli import build_parser

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_compose_has_every_role() -> None:
    roles = {"redis", "postgres", "migrate", "ingest", "api", "enrich", "relay", "deliverer"}
    assert set(SERVICES) >= roles


def test_redis_keeps_tasks_across_restarts_and_never_evicts() -> None:
    command = " ".join(SERVICES["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_roles_wait_for_healthy_dependencies() -> None:
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for role in ("ingest", "api", "enrich", "relay", "deliverer"):
        depends = SERVICES[role]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
    for role in ("redis", "postgres", "ingest", "api", "enrich"):
        assert SERVICES[role]["healthcheck"]["test"], role


def test_enrich_can_be_scaled() -> None:
    enrich = SERVICES["enrich"]
    assert "container_name" not in enrich and "ports" not in enrich


def test_every_role_runs_a_real_wirefeed_command() -> None:
    parser = build_parser()
    for role in ("migrate", "ingest", "api", "enrich", "reenrich", "relay", "deliverer"):
        parser.parse_args(SERVICES[role]["command"])  # exits on an unknown command or flag
    assert SERVICES["enrich"]["healthcheck"]["test"][1:] == ["wirefeed", "ping-worker"]


def test_dockerfile_entrypoint_and_copied_paths_exist() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["wirefeed"]' in dockerfile
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.MULTILINE):
        assert (REPO / source).exists(), source


def test_compose_commands_start_against_real_services(backend: Backend, worker: Proc) -> None:
    """`migrate` and the enrich health check, run as compose would run them."""
    env = backend_env(backend)
    for argv in (SERVICES["migrate"]["command"], ["ping-worker", "--any"]):
        done = subprocess.run(
            [sys.executable, "-m", "wirefeed.cli", *argv],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (argv, done.stdout, done.stderr)
    assert Path(REPO / "seeds").is_dir()
