"""The `wirefeed` command: offline enrichment, and `wirefeed up` running the whole system."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import REPO, wait_until
from tests.support.services import free_port

SEED = REPO / "seeds" / "000_f0d86fc9665b4378.txt"
GOLD = json.loads((REPO / "tests" / "data" / "seed_gold.json").read_text())


def _wirefeed(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "wirefeed.cli", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=180,
        check=False,
    )


def test_enrich_prints_the_enriched_record() -> None:
    done = _wirefeed("enrich", str(SEED))
    assert done.returncode == 0, done.stderr.decode()
    record = json.loads(done.stdout)
    names = {e["name"] for e in record["entities"]}
    assert set(GOLD["must_have_minimum"]) <= names
    assert "Read also" not in record["clean_text"]


def test_enrich_ndjson_streams_one_result_per_line() -> None:
    lines = [
        json.dumps({"id": "a", "text": "Angela Merkel spoke in Berlin."}),
        "not json",
        json.dumps(
            {
                "id": "c",
                "html": "<html><body><article><p>"
                + "Tokyo and Osaka voted. " * 10
                + "</p></article></body></html>",
            }
        ),
    ]
    done = _wirefeed("enrich", "--ndjson", "-", stdin="\n".join(lines).encode())
    assert done.returncode == 1  # one line failed, and says so
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r.get("id") for r in results] == ["a", None, "c"]  # input order kept
    assert "Berlin" in {e["name"] for e in results[0]["entities"]}
    assert results[1]["line"] == 2 and "error" in results[1]
    assert "Tokyo" in {e["name"] for e in results[2]["entities"]}


@pytest.mark.slow  # started first (tests/conftest.py)
def test_up_serves_both_services_and_stops_cleanly(tmp_path: Path) -> None:
    ingest_port, api_port, broker_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREFEED_")}
    env.update(
        WIREFEED_DATA_DIR=str(tmp_path / "var"),
        WIREFEED_INGEST_PORT=str(ingest_port),
        WIREFEED_API_PORT=str(api_port),
        WIREFEED_EMBEDDED_BROKER_PORT=str(broker_port),
        PYTHONUNBUFFERED="1",
    )
    log = open(tmp_path / "up.log", "wb")  # noqa: SIM115
    up = subprocess.Popen(
        [sys.executable, "-m", "wirefeed.cli", "up", "--concurrency", "1"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(
            lambda: (
                b"wirefeed is up" in (tmp_path / "up.log").read_bytes() or up.poll() is not None
            ),
            180,
            "wirefeed up",
        )
        output = (tmp_path / "up.log").read_text()
        assert "wirefeed is up" in output, output[-3000:]
        assert "seeds from seeds: {'accepted': 1" in output

        api = f"http://127.0.0.1:{api_port}"
        wait_until(
            lambda: httpx.get(f"{api}/v1/feed").json()["items"] != [], 60, "seed in the feed"
        )
        seed_id = httpx.get(f"{api}/v1/feed").json()["items"][0]["article"]["id"]
        record = httpx.get(f"{api}/v1/articles/{seed_id}").json()
        assert record["status"] == "enriched"
        assert set(GOLD["must_have_minimum"]) <= {e["name"] for e in record["entities"]}

        # Seeds go in with source "seeds" and their file name as external id.
        assert (record["source"], record["external_id"]) == ("seeds", SEED.stem)
        posted = httpx.post(
            f"http://127.0.0.1:{ingest_port}/v1/articles",
            json={"text": SEED.read_text(), "source": "seeds", "external_id": SEED.stem},
        ).json()
        assert posted == {"id": seed_id, "status": "enriched", "duplicate": True, "revision": 1}
        # The warning reaches the terminal, not only the log files.
        assert "AUTHENTICATION DISABLED" in output
        _cli_commands_find_the_running_up(env, tmp_path, api, seed_id, broker_port)
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(60)
        log.close()
    assert up.returncode == 0
    assert "stopped" in (tmp_path / "up.log").read_text()
    time.sleep(0.5)
    assert _processes_with_env(f"WIREFEED_DATA_DIR={tmp_path / 'var'}") == []


def _cli_commands_find_the_running_up(
    env: dict[str, str], tmp_path: Path, api: str, seed_id: int, broker_port: int
) -> None:
    """ping-worker, search, follow and ingest with nothing but the data dir in common."""
    ping = _wirefeed("ping-worker", env=env)
    assert ping.returncode == 0, ping.stdout.decode() + ping.stderr.decode()
    assert f"127.0.0.1:{broker_port}" in ping.stdout.decode()
    found = _wirefeed("search", "Putin", env=env)
    assert found.returncode == 0 and f"#{seed_id}" in found.stdout.decode()
    followed = _wirefeed("follow", "--count", "1", env=env)
    assert followed.returncode == 0 and f"#{seed_id}" in followed.stdout.decode()

    pages = tmp_path / "pages"
    pages.mkdir()
    page = (
        '<html><head><link rel="canonical" href="https://news.example/harbour"></head><body>'
        "<article><p>The port of Rotterdam reopened on Tuesday after the storm, officials in "
        "the Netherlands said on Tuesday evening.</p></article></body></html>"
    )
    with gzip.open(pages / "story-one.html.gz", "wt", encoding="utf-8") as handle:
        handle.write(page)
    (pages / "story-two.txt").write_text("Ministers met in Oslo to discuss fishing quotas.")
    (pages / "broken.json").write_text('{"text": "   "}')
    done = _wirefeed("ingest", str(pages), "--source", "cli-test", "--wait", env=env)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 1  # one file was rejected
    assert f"rejected {pages / 'broken.json'}" in err
    assert "accepted 2" in out and "enriched 2" in out, out
    assert "posted: 3/3 articles" in err and "enriched: 2/2 articles" in err
    assert "0article" not in err and '"logger"' not in err  # no log lines through the bar
    stored = httpx.get(f"{api}/v1/articles", params={"source": "cli-test"}).json()["items"]
    by_id = {a["external_id"]: a for a in stored}
    assert set(by_id) == {"story-one", "story-two"}
    assert by_id["story-one"]["url"] == "https://news.example/harbour"
    assert all(a["status"] == "enriched" for a in stored)


def _processes_with_env(marker: str) -> list[str]:
    """Command lines of live processes whose environment holds `marker` (children inherit it)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker.encode() in (proc / "environ").read_bytes().split(b"\0"):
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found
