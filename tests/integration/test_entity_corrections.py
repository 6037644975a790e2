"""Editors correct the entity store (issue 10, item 4): `POST /v1/entities/{id}/merge` and
`/split` on the ingest service (ingest key), the affected articles re-tagged by the session's
real worker through the reenrich queue, each with one `updated` feed event; the linker keeps to
the correction with the next article. Both store pairs."""

from __future__ import annotations

import io
import time
from typing import Any

from services.ingest.editor import EntityEditor
from shared.celery_app import make_celery
from shared.reenrich_jobs import Selector
from shared.schemas import MergeIn
from shared.settings import Settings
from tests.support.services import free_port
from tests.support.stack import Stack
from wirefeed.reenrich_cli import run_reenrich

FULL = "Donald Trump met governors in Washington on Tuesday."
VARIANT = "Donald J. Trump spoke in Ohio on Monday. Trump said jobs would return."
ALONE = "Trump told reporters on Friday that tariffs would rise."


def _enriched(stack: Stack, text: str, external_id: str) -> dict[str, Any]:
    posted = stack.post({"text": text, "source": "corrections", "external_id": external_id})
    record = stack.wait_final(posted["id"])
    assert record["status"] == "enriched", record["error"]
    return record


def _entity(record: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [e for e in record["entities"] if e["name"] == name]
    return found


def _found(stack: Stack, entity: str) -> set[int]:
    page = stack.api.get("/v1/articles", params={"entity": entity})
    assert page.status_code == 200, page.text
    return {a["id"] for a in page.json()["items"]}


def _events(stack: Stack) -> list[tuple[str, int, str]]:
    items = stack.api.get("/v1/feed", params={"after": "0", "limit": 500}).json()["items"]
    return [(i["event"], i["article"]["id"], i["cause"]) for i in items]


def _wait_updated(stack: Stack, article_id: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ("updated", article_id, "reenrich") in _events(stack):
            return
        time.sleep(0.1)
    raise AssertionError(f"no re-tag event for article {article_id}: {_events(stack)}")


def test_merge_folds_an_entity_in_and_retags_its_articles(stack: Stack) -> None:
    full = _enriched(stack, FULL, "full")
    variant = _enriched(stack, VARIANT, "variant")
    donald = _entity(full, "Donald Trump")["id"]
    donald_j = _entity(variant, "Donald J. Trump")["id"]
    assert _found(stack, "Donald Trump") == {full["id"]}

    answer = stack.ingest.post(
        f"/v1/entities/{donald}/merge",
        json={"from_id": donald_j, "reason": "the same man", "editor": "ana"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["correction"]["kind"] == "merge"
    assert (body["correction"]["reason"], body["correction"]["editor"]) == ("the same man", "ana")
    assert body["correction"]["names"] == ["donald j. trump", "trump"]
    assert {"donald trump", "donald j. trump"} <= set(body["entity"]["aliases"])
    assert body["entity"]["article_count"] == 2
    assert (body["other"]["id"], body["other"]["merged_into"]) == (donald_j, donald)
    assert (body["retag"]["articles"], body["retag"]["queued"]) == (1, 1)

    # At once, by any of its names: the article rows moved with the merge.
    both = {full["id"], variant["id"]}
    assert _found(stack, "Donald Trump") == both
    assert _found(stack, "Donald J. Trump") == both
    # The merged id points at the one it joined.
    moved = stack.api.get(f"/v1/entities/{donald_j}", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == str(donald)
    assert moved.json()["merged_into"] == donald
    followed = stack.api.get(f"/v1/entities/{donald_j}")
    assert followed.status_code == 200 and followed.json()["id"] == donald
    [logged] = followed.json()["corrections"]
    assert (logged["kind"], logged["other_id"], logged["editor"]) == ("merge", donald_j, "ana")
    page = stack.api.get(f"/ui/entities/{donald_j}", follow_redirects=False)
    assert page.status_code == 307 and page.headers["location"] == f"/ui/entities/{donald}"
    listed = stack.api.get("/v1/entities", params={"name": "Donald J. Trump"}).json()["items"]
    assert [e["id"] for e in listed] == [donald]

    # The worker re-tags the article that named the merged entity: one `updated` event.
    _wait_updated(stack, variant["id"])
    retagged = _entity(stack.article(variant["id"]), "Donald J. Trump")
    assert retagged["id"] == donald and retagged["link"]["linked"] is True
    assert "an editor merged 'Donald J. Trump'" in retagged["link"]["reason"]

    # The next article naming the merged entity joins the one kept.
    later = _enriched(stack, "Donald J. Trump visited Texas on Wednesday.", "later")
    assert _entity(later, "Donald J. Trump")["id"] == donald
    assert _events(stack) == [
        ("created", full["id"], "revision"),
        ("created", variant["id"], "revision"),
        ("updated", variant["id"], "reenrich"),
        ("created", later["id"], "revision"),
    ]


def test_split_takes_a_surname_off_and_the_linker_keeps_to_it(stack: Stack) -> None:
    for n in range(2):
        _enriched(stack, f"{VARIANT.replace('J. ', '')} ({n})", f"full-{n}")
    alone = _enriched(stack, ALONE, "alone")
    donald = _entity(stack.article(alone["id"]), "Trump")["id"]
    assert alone["id"] in _found(stack, "Donald Trump")  # the linker joined them

    answer = stack.ingest.post(
        f"/v1/entities/{donald}/split",
        json={"aliases": ["Trump"], "reason": "not always him", "editor": "ana"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    new = body["other"]
    assert (new["name"], new["label"], new["aliases"]) == ("Trump", "PERSON", ["trump"])
    assert "trump" not in body["entity"]["aliases"]
    assert body["retag"]["articles"] == 1

    _wait_updated(stack, alone["id"])
    retagged = _entity(stack.article(alone["id"]), "Trump")
    assert (retagged["id"], retagged["label"]) == (new["id"], "PERSON")
    assert "an editor's correction" in retagged["link"]["reason"]
    assert alone["id"] not in _found(stack, "Donald Trump")
    assert _found(stack, "Trump") == {alone["id"]}

    # Donald Trump is still frequent and recent, yet "Trump" alone stays the editor's entity.
    again = _enriched(stack, "Trump said on Monday that the talks had failed.", "again")
    assert _entity(again, "Trump")["id"] == new["id"]
    assert [e for e, *_ in _events(stack)] == ["created"] * 3 + ["updated", "created"]


def test_refusals_say_what_was_wrong(stack: Stack) -> None:
    record = _enriched(stack, "Boris Johnson met Angela Merkel in Leeds on Monday.", "no")
    boris, merkel, leeds = (
        _entity(record, n)["id"] for n in ("Boris Johnson", "Angela Merkel", "Leeds")
    )

    def post(path: str, body: object) -> tuple[int, Any]:
        answer = stack.ingest.post(f"/v1/entities/{path}", json=body)
        return answer.status_code, answer.json().get("detail")

    assert post(f"{boris}/merge", {"from_id": boris}) == (
        422,
        f"from_id: cannot merge entity {boris} into itself",
    )
    assert post("99999/merge", {"from_id": boris}) == (404, "no entity with id 99999")
    assert post(f"{boris}/merge", {"from_id": 99999}) == (
        422,
        "from_id: no entity with id 99999",
    )
    status, detail = post(f"{boris}/merge", {"from_id": leeds})
    assert status == 422 and "not one kind of entity" in detail and "GPE" in detail
    status, detail = post(f"{boris}/merge", {"form_id": merkel})
    assert status == 422 and {tuple(e["loc"]) for e in detail} == {("from_id",), ("form_id",)}
    status, detail = post(f"{boris}/split", {"aliases": ["Leeds"]})
    assert status == 422 and "'leeds' not among the aliases of entity" in detail
    status, detail = post(f"{boris}/split", {"aliases": ["Boris Johnson"]})
    assert status == 422 and "the entity's own name" in detail
    status, detail = post(f"{boris}/split", {"aliases": []})
    assert status == 422 and detail[0]["loc"] == ["aliases"]
    wrong_type = stack.ingest.post(
        f"/v1/entities/{boris}/merge",
        content=b"from_id=3",
        headers={"content-type": "text/plain"},
    )
    assert wrong_type.status_code == 415

    assert post(f"{boris}/merge", {"from_id": merkel})[0] == 200
    status, detail = post(f"{boris}/merge", {"from_id": merkel})
    assert status == 409 and f"already merged into entity {boris}" in detail
    status, detail = post(f"{merkel}/split", {"aliases": ["merkel"]})
    assert status == 409 and f"split entity {boris} instead" in detail


def test_a_retag_the_broker_missed_is_finished_by_reenrich_job(stack: Stack) -> None:
    """The broker is down when the editor merges: the correction stands, nothing is queued,
    and `wirefeed reenrich --job ID` re-tags the articles later."""
    full = _enriched(stack, FULL, "full")
    variant = _enriched(stack, VARIANT, "variant")
    donald = _entity(full, "Donald Trump")["id"]
    donald_j = _entity(variant, "Donald J. Trump")["id"]
    settings = Settings(
        database_url=stack.backend.database_url,
        broker_url=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        task_queue=stack.backend.queue,
    )
    down = make_celery(settings, producer=True)
    try:
        done = EntityEditor(engine=stack.engine, celery=down).merge(
            donald, MergeIn(from_id=donald_j)
        )
    finally:
        down.close()
    assert (done.retag.articles, done.retag.queued) == (1, 0)
    assert _found(stack, "Donald Trump") == {full["id"], variant["id"]}

    up = make_celery(settings.model_copy(update={"broker_url": stack.backend.broker_url}))
    out = io.StringIO()
    try:
        code = run_reenrich(
            selector=Selector(),
            settings=settings,
            engine=stack.engine,
            celery=up,
            out=out,
            poll=0.2,
            job_id=done.retag.job_id,
        )
    finally:
        up.close()
    assert code == 0 and "done 1/1" in out.getvalue(), out.getvalue()
    assert "any pipeline" in out.getvalue()
    assert _entity(stack.article(variant["id"]), "Donald J. Trump")["id"] == donald
