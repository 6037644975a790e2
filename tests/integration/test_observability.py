"""Metrics on the services and the worker, task ids in worker logs, and the feed's entity lists
(served without mentions, from a projection on PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.processes import Proc, backend_env
from tests.support.services import Backend, free_port
from tests.support.stack import Stack

REPO = Path(__file__).resolve().parents[2]
SEED = (REPO / "seeds" / "000_f0d86fc9665b4378.txt").read_text()


def _sample(metrics: str, prefix: str) -> float:
    """The value of the first sample line starting with `prefix` (0 if absent)."""
    for line in metrics.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_services_count_requests_by_route_and_articles_by_outcome(stack: Stack) -> None:
    before = stack.ingest.get("/metrics").text
    first = stack.post({"text": SEED, "source": "seed", "external_id": "obs-1"})
    stack.post({"text": SEED, "source": "seed", "external_id": "obs-1"})  # a duplicate
    assert stack.ingest.post("/v1/articles", json={"text": ""}).status_code == 422
    after = stack.ingest.get("/metrics")

    assert after.headers["content-type"].startswith("text/plain")
    for name, delta in (
        ("wirefeed_articles_ingested_total", 1),
        ("wirefeed_articles_duplicate_total", 1),
        ("wirefeed_articles_rejected_total", 1),
    ):
        assert _sample(after.text, name) - _sample(before, name) == delta, name
    assert 'route="/v1/articles",service="ingest",status="202"' in after.text

    stack.wait_final(first["id"])
    api_metrics = stack.api.get("/metrics").text
    # Route templates, not raw paths: one series however many ids are read.
    assert 'route="/v1/articles/{article_id}"' in api_metrics
    assert f'/v1/articles/{first["id"]}"' not in api_metrics


def test_feed_lists_entities_without_mentions(stack: Stack) -> None:
    accepted = stack.post({"text": SEED, "source": "seed", "external_id": "obs-feed"})
    record = stack.wait_final(accepted["id"])
    [item] = stack.api.get("/v1/feed").json()["items"]

    assert item["article"]["id"] == accepted["id"]
    expected = [{**e, "mentions": []} for e in record["entities"]]
    assert item["entities"] == expected
    assert expected and all(e["id"] for e in expected)


def test_worker_exposes_task_metrics_and_logs_task_ids(stack: Stack, log_dir: Path) -> None:
    backend: Backend = stack.backend
    port = free_port()
    # A second worker of its own, with metrics on; the session's worker keeps consuming too.
    proc = Proc(
        "worker-metrics",
        ["worker", "--concurrency", "1", "--metrics-port", str(port)],
        backend_env(backend),
        log_dir,
    )
    try:
        proc.wait_for_log(" ready.", timeout=120)
        ids = [
            stack.post({"text": SEED, "source": "seed", "external_id": f"obs-w{n}"})["id"]
            for n in range(4)
        ]
        for article_id in ids:
            assert stack.wait_final(article_id)["status"] == "enriched"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert f'wirefeed_queue_depth{{queue="{backend.queue}"}}' in metrics
        assert "wirefeed_enrich_task_duration_seconds_bucket" in metrics
        enriched_here = _sample(metrics, 'wirefeed_enrich_tasks_total{outcome="enriched"}')
        lines = [json.loads(line) for line in proc.log().splitlines() if line.startswith("{")]
        done = [line for line in lines if line["msg"] == "article enriched"]
        assert enriched_here == len(done)  # the children's counts reach the parent's endpoint
        for line in done:
            assert line["task_id"] and line["article_id"] in ids
    finally:
        proc.stop()
