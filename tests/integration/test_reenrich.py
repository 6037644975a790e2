"""The feed as events, every record naming its pipeline, and `wirefeed reenrich`: a rule change
re-enriches what it affects on the reenrich queue, with an `updated` event only where the
result changed; a stopped run resumes. Both store pairs, real worker processes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.enrich.identity import pipeline_identity
from shared.celery_app import make_celery
from shared.reenrich_jobs import Selector
from shared.settings import Settings
from tests.support.processes import REPO, Proc, backend_env
from tests.support.services import Backend
from tests.support.stack import Stack
from wirefeed.reenrich_cli import run_reenrich

WITH_BOILERPLATE = {
    "text": "Officials in Nairobi met envoys from Ghana on Monday.\n"
    "Read also| Markets rally as rates hold steady",
    "source": "reenrich-test",
    "external_id": "with-boilerplate",
}
PLAIN = {
    "text": "The council in Lisbon approved the budget on Tuesday after a long debate.",
    "source": "reenrich-test",
    "external_id": "plain",
}


def _feed(stack: Stack) -> list[dict[str, Any]]:
    page = stack.api.get("/v1/feed", params={"after": "0", "limit": 500})
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


def _search(stack: Stack, q: str) -> list[int]:
    page = stack.api.get("/v1/articles", params={"q": q})
    assert page.status_code == 200, page.text
    return [a["id"] for a in page.json()["items"]]


def _settings(backend: Backend, **changes: Any) -> Settings:
    return Settings(
        database_url=backend.database_url,
        broker_url=backend.broker_url,
        task_queue=backend.queue,
        **changes,
    )


def test_feed_events_and_pipeline_identity(stack: Stack) -> None:
    first = stack.wait_final(stack.post(WITH_BOILERPLATE)["id"])
    assert first["status"] == "enriched" and first["revision"] == 1
    expected = pipeline_identity(_settings(stack.backend)).as_dict()
    assert first["pipeline"] == expected
    [item] = _feed(stack)
    assert (item["seq"], item["event"], item["revision"]) == (1, "created", 1)
    assert item["article"]["id"] == first["id"] and item["article"]["pipeline"] == expected
    assert item["entities"] and all(e["mentions"] == [] for e in item["entities"])


def _reenrich_worker(backend: Backend, log_dir: Path, queue: str, **env: str) -> Proc:
    """A worker of the changed pipeline that consumes only its reenrich queue."""
    argv = ["worker", "--concurrency", "1", "--queues", queue]
    proc = Proc("reenrich-worker", argv, backend_env(backend, **env), log_dir)
    proc.wait_for_log(" ready.", timeout=120)
    return proc


def test_rule_change_reenriches_stale_records(stack: Stack, log_dir: Path) -> None:
    ids = [stack.wait_final(stack.post(a)["id"])["id"] for a in (WITH_BOILERPLATE, PLAIN)]
    before = {i: stack.article(i) for i in ids}
    assert [r["rule"] for r in before[ids[0]]["removals"]] == ["read-also"]
    assert _search(stack, "markets rally") == []  # the removed line is not searchable

    # The session's worker runs the old pipeline on the default reenrich queue: the changed
    # pipeline gets a reenrich queue of its own, as a deployment rolling out a change would.
    queue = f"re{stack.backend.queue}-changed"
    changed = _settings(stack.backend, disabled_rules=["read-also"], reenrich_queue=queue)
    worker = _reenrich_worker(
        stack.backend,
        log_dir,
        queue,
        WIREFEED_DISABLED_RULES="read-also",
        WIREFEED_REENRICH_QUEUE=queue,
    )
    celery = make_celery(changed)

    def stale_run(**options: Any) -> tuple[int, str]:
        """`reenrich --stale` for the changed pipeline: exit code and what it printed."""
        out = io.StringIO()
        code = run_reenrich(
            selector=Selector(stale=True),
            settings=changed,
            engine=stack.engine,
            celery=celery,
            out=out,
            **options,
        )
        return code, out.getvalue()

    try:
        assert stale_run(dry_run=True)[1].startswith("would re-enrich 2 article(s)")
        code, printed = stale_run(poll=0.2)
        assert code == 0 and "done 2/2" in printed, printed
        # nothing stale now
        assert stale_run(dry_run=True)[1].startswith("would re-enrich 0 article(s)")
    finally:
        celery.close()
        worker.stop()

    after = {i: stack.article(i) for i in ids}
    target = pipeline_identity(changed).as_dict()
    assert all(a["pipeline"] == target for a in after.values())
    assert after[ids[0]]["removals"] == [] and "Read also" in after[ids[0]]["clean_text"]
    assert _search(stack, "markets rally") == [ids[0]]  # search follows the re-enriched text
    assert after[ids[1]]["entities"] == before[ids[1]]["entities"]  # unchanged: no event
    items = _feed(stack)
    events = [(i["event"], i["article"]["id"], i["revision"]) for i in items]
    assert events == [("created", ids[0], 1), ("created", ids[1], 1), ("updated", ids[0], 1)]
    # Each event shows the article as it stands now, the unchanged one included (only its
    # pipeline was rewritten): on PostgreSQL the feed's columns followed the enrichment.
    for item in items:
        now = after[item["article"]["id"]]
        assert item["article"]["pipeline"] == target
        assert item["entities"] == [{**e, "mentions": []} for e in now["entities"]]
    assert "article re-enriched" in worker.log()


class _CtrlCAfterFirstBatch(io.StringIO):
    """Output that presses Ctrl-C when the command reports its first queued batch."""

    def write(self, text: str, /) -> int:
        written = super().write(text)
        if ": queued " in text:
            raise KeyboardInterrupt
        return written


def test_reenrich_stops_and_resumes_on_the_default_worker(stack: Stack) -> None:
    """The session worker runs with default queues, so it takes reenrich tasks too. Same
    pipeline: every article is done without a change and without a feed event."""
    ids = [
        stack.post({**PLAIN, "external_id": f"resume-{n}", "text": f"{PLAIN['text']} ({n})"})["id"]
        for n in range(5)
    ]
    for article_id in ids:
        stack.wait_final(article_id)
    settings = _settings(stack.backend)
    selector = Selector(source="reenrich-test")
    celery = make_celery(settings)
    try:
        out = _CtrlCAfterFirstBatch()
        with pytest.raises(KeyboardInterrupt):
            run_reenrich(
                selector=selector,
                settings=settings,
                engine=stack.engine,
                celery=celery,
                out=out,
                window=2,
                poll=0.2,
            )
        assert "started re-enrichment job" in out.getvalue()
        assert out.getvalue().endswith("queued 2/5, done 0\n")

        out = io.StringIO()
        run_reenrich(
            selector=selector,
            settings=settings,
            engine=stack.engine,
            celery=celery,
            out=out,
            window=2,
            poll=0.2,
        )
    finally:
        celery.close()
    assert "resuming re-enrichment job" in out.getvalue(), out.getvalue()
    assert "2 queued so far" in out.getvalue()
    assert "done 5/5" in out.getvalue()
    assert [i["event"] for i in _feed(stack)] == ["created"] * 5


def test_reenrich_command_line(stack: Stack) -> None:
    stack.wait_final(stack.post(PLAIN)["id"])
    env = backend_env(stack.backend)

    def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "wirefeed.cli", "reenrich", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )

    done = cli("--stale", "--dry-run")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().startswith("would re-enrich 0 article(s)")
    bad = cli("--since", "yesterday")
    assert bad.returncode == 2 and "not an ISO 8601 date" in bad.stderr.decode()
    missing = cli("--job", "999")
    assert missing.returncode == 1 and "no re-enrichment job 999" in missing.stdout.decode()
