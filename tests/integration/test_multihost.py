"""Workers on more than one host: broker and database on a hub host, ingest and relay on an edge
host, two enrichment workers on two more hosts, each a Linux network namespace with its own
address (tests/support/hosts.py). Nothing reaches anything through localhost.

Skips with the reason where network namespaces cannot be made (not root, no CAP_NET_ADMIN, no
`ip`); on CI (WIREFEED_TEST_REQUIRE_SERVICES=1) it fails instead, so it always runs there.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability.harness import settle
from tests.support import hosts, netns
from tests.support.processes import Proc, wait_until
from tests.support.services import unavailable

pytestmark = pytest.mark.integration

ARTICLES = 60
# Each task holds its article a little after claiming it, so the kill lands mid-task and both
# workers get a share of a small batch.
TASK_DELAY = "0.15"


@pytest.fixture(scope="module")
def hosts_allowed() -> None:
    reason = netns.unavailable_reason() or hosts.unavailable_reason()
    if reason is not None:
        unavailable("network namespaces", reason)


def article(index: int) -> dict[str, str]:
    return {
        "source": "multihost.example",
        "external_id": f"mh-{index}",
        "title": f"Report {index}",
        "text": (
            f"Officials in Berlin said on Monday that Angela Merkel met executives from Siemens "
            f"to discuss contract {index}. The talks in Munich lasted three hours, a spokesman "
            f"for the company told Reuters.\nRead also| Markets rally after talks {index}"
        ),
    }


def enriched_ids(worker: Proc) -> set[int]:
    """Articles whose result this worker wrote, from its JSON log lines."""
    found = set()
    for line in worker.log().splitlines():
        if line.startswith("{") and '"article enriched"' in line:
            found.add(int(json.loads(line)["article_id"]))
    return found


def holding(worker: Proc) -> int | None:
    """The article this single-process worker has claimed and not finished, if any."""
    started: list[int] = []
    for line in worker.log().splitlines():
        if line.startswith("{") and '"enrich attempt started"' in line:
            started.append(int(json.loads(line)["article_id"]))
    if started and started[-1] not in enriched_ids(worker):
        return started[-1]
    return None


@pytest.fixture
def cluster(hosts_allowed: None, tmp_path: Path) -> Iterator[tuple[hosts.Cluster, list[Proc]]]:
    with hosts.cluster(
        ["w1", "w2"], tmp_path, worker_env={"WIREFEED_TESTING_TASK_DELAY": TASK_DELAY}
    ) as running:
        yield running


@pytest.mark.slow  # started first (tests/conftest.py)
def test_two_worker_hosts_share_the_work_and_a_killed_one_loses_nothing(
    cluster: tuple[hosts.Cluster, list[Proc]],
) -> None:
    running, (w1, w2) = cluster
    hub = running.net.address("hub")
    assert not hub.startswith("127.") and hub in running.backend.database_url
    assert hub in running.backend.broker_url
    ingest_url = running.ingest("edge")
    # The relay re-sends what the killed worker held (in production after 15 minutes).
    running.relay("edge", WIREFEED_RELAY_INTERVAL="0.5", WIREFEED_RELAY_QUEUED_AFTER="3")
    running.wait_ready([w1, w2])

    response = httpx.post(
        f"{ingest_url}/v1/articles/batch", json=[article(i) for i in range(ARTICLES)], timeout=60
    )
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == ARTICLES
    accepted = {item["result"]["id"] for item in response.json()["items"]}

    # Kill the second host's worker (parent and pool, like a host going away) while it holds
    # an article, once it has done a quarter of the batch: both hosts took tasks from one queue.
    wait_until(
        lambda: len(enriched_ids(w2)) >= ARTICLES // 4 and holding(w2) is not None,
        60,
        "the second host's worker to be mid-task after a quarter of the batch",
        interval=0.02,
    )
    w2.kill_group(signal.SIGKILL)
    w2.process.wait(10)
    held = holding(w2)

    result = settle(running.backend, accepted, timeout=90)

    assert result.enriched == ARTICLES and result.failed == 0 and result.duplicates == 0
    by_w1, by_w2 = enriched_ids(w1), enriched_ids(w2)
    assert by_w1 and by_w2, f"work not shared: w1 {len(by_w1)}, w2 {len(by_w2)}"
    assert not by_w1 & by_w2, "an article was enriched by both hosts"
    # Everything w2 did not finish, w1 did, including the article w2 died holding (unless w2
    # committed it in the instant before the kill and never got to log it).
    assert len(by_w1) + len(by_w2) >= ARTICLES - 1
    if held is not None and held not in by_w1:
        assert len(by_w1 | by_w2) == ARTICLES - 1, "w2's last article is neither logged nor redone"
    print(
        f"\n[multihost] hub {hub}; w1 ({running.net.address('w1')}) enriched {len(by_w1)}, "
        f"w2 ({running.net.address('w2')}) enriched {len(by_w2)} then was killed holding "
        f"article {held}; {result.enriched}/{ARTICLES} enriched, none lost or doubled"
    )
