"""Corrections as revisions, retractions as tombstones, and the feed saying so exactly once:
the problems issue 10 lists, each answered on both store pairs with a real worker process."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from tests.support.processes import Proc, start_service, wait_until
from tests.support.services import Backend, free_port
from tests.support.stack import Stack

STORY = {
    "text": "Officials in Nairobi said on Monday that talks with Ghana would resume.",
    "source": "wire",
    "external_id": "story-1",
    "title": "Talks to resume",
}
CORRECTED = {
    **STORY,
    "text": "Officials in Nairobi said on Tuesday that talks with Ghana and Peru would resume.",
}


def _feed(stack: Stack, **params: Any) -> list[dict[str, Any]]:
    page = stack.api.get("/v1/feed", params={"after": "0", "limit": 500, **params})
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


def _events(stack: Stack) -> list[tuple[str, int, int]]:
    return [(i["event"], i["article"]["id"], i["revision"]) for i in _feed(stack)]


def _wait_revision(stack: Stack, article_id: int, revision: int) -> dict[str, Any]:
    def enriched() -> bool:
        record = stack.article(article_id)
        return record["revision"] == revision and record["status"] == "enriched"

    wait_until(enriched, 60, f"revision {revision} of article {article_id} to be enriched")
    return stack.article(article_id)


def test_correction_is_a_new_revision(stack: Stack) -> None:
    first = stack.post(STORY)
    original = stack.wait_final(first["id"])
    assert (first["revision"], original["revision"], original["revised_at"]) == (1, 1, None)

    again = stack.post({**STORY, "text": STORY["text"].replace(" ", "  ")})  # same, respaced
    assert (again["id"], again["duplicate"], again["revision"]) == (first["id"], True, 1)

    corrected = stack.post(CORRECTED)
    assert corrected["id"] == first["id"]
    assert (corrected["duplicate"], corrected["revision"]) == (False, 2)
    record = _wait_revision(stack, first["id"], 2)
    assert "Tuesday" in record["clean_text"] and record["revised_at"] is not None
    assert "Peru" in {e["name"] for e in record["entities"]}

    revisions = stack.api.get(f"/v1/articles/{first['id']}/revisions").json()["items"]
    assert [(r["revision"], r["status"], r["current"]) for r in revisions] == [
        (1, "enriched", False),
        (2, "enriched", True),
    ]
    old = stack.api.get(f"/v1/articles/{first['id']}/revisions/1").json()
    assert "Monday" in old["clean_text"] and old["raw"] == STORY["text"]
    assert "Peru" not in {e["name"] for e in old["entities"]}
    missing = stack.api.get(f"/v1/articles/{first['id']}/revisions/3")
    assert missing.status_code == 404 and "revisions 1 to 2" in missing.text

    assert _events(stack) == [("created", first["id"], 1), ("updated", first["id"], 2)]
    # Every event shows the article as it stands now (on PostgreSQL from the columns a trigger
    # rewrites with the enrichment): the latest revision's entities, without their mentions.
    for item in _feed(stack):
        assert item["entities"] == [{**e, "mentions": []} for e in record["entities"]]
        assert item["article"]["pipeline"] == record["pipeline"]
    # The entity index follows the latest revision: Peru finds it, counts stay exact.
    found = stack.api.get("/v1/articles", params={"entity": "Peru"}).json()["items"]
    assert [a["id"] for a in found] == [first["id"]]

    also_title = stack.post({**CORRECTED, "title": "Talks to resume on Tuesday"})
    assert (also_title["duplicate"], also_title["revision"]) == (False, 3)


def test_retraction_leaves_a_tombstone(stack: Stack) -> None:
    kept = stack.wait_final(stack.post({**STORY, "external_id": "kept"})["id"])
    gone = stack.wait_final(stack.post(STORY)["id"])

    answer = stack.ingest.delete(f"/v1/articles/{gone['id']}", params={"reason": "legal"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "id": gone["id"],
        "status": "retracted",
        "duplicate": False,
        "revision": 2,
    }
    record = stack.api.get(f"/v1/articles/{gone['id']}")
    assert record.status_code == 410
    assert record.json()["detail"]["reason"] == "legal"
    assert stack.api.get(f"/v1/articles/{gone['id']}/revisions").status_code == 410
    page = stack.api.get(f"/ui/articles/{gone['id']}")
    assert page.status_code == 410 and "retracted: legal" in page.text
    listed = [a["id"] for a in stack.api.get("/v1/articles").json()["items"]]
    assert listed == [kept["id"]]
    tombstones = stack.api.get("/v1/articles", params={"status": "retracted"}).json()["items"]
    assert [a["id"] for a in tombstones] == [gone["id"]]
    assert stack.api.get("/v1/articles", params={"entity": "Ghana"}).json()["items"] == [
        stack.api.get("/v1/articles").json()["items"][0]
    ]

    again = stack.ingest.delete(f"/v1/articles/{gone['id']}")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert stack.ingest.delete("/v1/articles/999999").status_code == 404

    by_post = stack.post(
        {"source": "wire", "external_id": "kept", "retracted": True, "retraction_reason": "dup"}
    )
    assert (by_post["id"], by_post["status"], by_post["revision"]) == (kept["id"], "retracted", 2)
    unknown = stack.ingest.post(
        "/v1/articles", json={"source": "wire", "external_id": "nope", "retracted": True}
    )
    assert unknown.status_code == 422 and "no article with source 'wire'" in unknown.text
    no_id = stack.ingest.post("/v1/articles", json={"source": "wire", "retracted": True})
    assert no_id.status_code == 422 and "external_id" in no_id.text

    assert _events(stack) == [
        ("created", kept["id"], 1),
        ("created", gone["id"], 1),
        ("retracted", gone["id"], 2),
        ("retracted", kept["id"], 2),
    ]
    assert [i["article"]["id"] for i in _feed(stack, event="retracted")] == [gone["id"], kept["id"]]


def test_an_entity_filtered_feed_hears_of_a_retraction(stack: Stack) -> None:
    """A retraction takes the article's entity rows away; a feed filtered by one of its
    entities must still carry the `retracted` event, and what becomes of the article after."""
    story = stack.wait_final(stack.post(STORY)["id"])
    other = stack.wait_final(stack.post({"text": "Lima hosted envoys from Chile on Friday."})["id"])

    def seen(**params: Any) -> list[tuple[str, int]]:
        return [(i["event"], i["article"]["id"]) for i in _feed(stack, **params)]

    assert seen(entity="Ghana") == [("created", story["id"])]
    assert stack.ingest.delete(f"/v1/articles/{story['id']}").status_code == 200
    withdrawn = [("created", story["id"]), ("retracted", story["id"])]
    assert seen(entity="Ghana") == withdrawn
    assert seen(entity="Ghana", entity_type="GPE") == withdrawn
    assert seen(entity="Chile") == [("created", other["id"])]
    assert stack.api.get("/v1/articles", params={"entity": "Ghana"}).json()["items"] == []

    reinstated = {**STORY, "text": "Officials in Nairobi said talks with Peru would resume."}
    _wait_revision(stack, stack.post(reinstated)["id"], 3)
    # Back, without Ghana: the Ghana view hears of it once more (its record no longer names
    # Ghana), and lists do not find it there.
    assert seen(entity="Ghana") == [*withdrawn, ("updated", story["id"])]
    assert seen(entity="Peru") == [*withdrawn, ("updated", story["id"])]
    assert stack.api.get("/v1/articles", params={"entity": "Ghana"}).json()["items"] == []


def test_an_entity_filtered_feed_hears_when_a_revision_drops_the_entity(stack: Stack) -> None:
    """A consumer following `entity=Ghana` got the article when it named Ghana; a correction
    that no longer names Ghana must reach it too, or it keeps a stale match for ever."""
    story = stack.wait_final(stack.post(STORY)["id"])

    def seen(**params: Any) -> list[tuple[str, int, int]]:
        return [(i["event"], i["article"]["id"], i["revision"]) for i in _feed(stack, **params)]

    without = {**STORY, "text": "Officials in Nairobi said on Tuesday that talks with Peru resume."}
    _wait_revision(stack, stack.post(without)["id"], 2)
    dropped = [("created", story["id"], 1), ("updated", story["id"], 2)]
    assert seen(entity="Ghana") == dropped
    assert seen(entity="Ghana", entity_type="GPE") == dropped
    assert stack.api.get("/v1/articles", params={"entity": "Ghana"}).json()["items"] == []
    ghana = stack.api.get("/v1/entities", params={"name": "Ghana"}).json()["items"]
    assert [e["article_count"] for e in ghana if e["name"] == "Ghana"] in ([], [0])

    _wait_revision(stack, stack.post(STORY | {"title": "Talks resume"})["id"], 3)  # Ghana again
    assert seen(entity="Ghana") == [*dropped, ("updated", story["id"], 3)]
    found = stack.api.get("/v1/articles", params={"entity": "Ghana"}).json()["items"]
    assert [a["id"] for a in found] == [story["id"]]


def _search(stack: Stack, q: str, **params: str) -> list[int]:
    """The ids a search finds, by relevance and newest first (the two PostgreSQL paths)."""
    found = []
    for sort in ("relevance", "newest"):
        page = stack.api.get("/v1/articles", params={"q": q, "sort": sort, **params})
        assert page.status_code == 200, page.text
        found.append([a["id"] for a in page.json()["items"]])
    assert found[0] == found[1]
    return found[0]


def _vector_is_current(stack: Stack, article_id: int) -> bool:
    """PostgreSQL: the article's row in article_search (what ranking reads, migration 0019) is
    the vector of its text as it stands; SQLite's FTS5 index is checked by the searches alone."""
    if stack.engine.dialect.name != "postgresql":
        return True
    with stack.engine.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT s.vector = a.search_vector "
                    "FROM article a JOIN article_search s ON s.article_id = a.id WHERE a.id = :id"
                ),
                {"id": article_id},
            ).scalar_one()
        )


def test_search_follows_revisions_and_retractions(stack: Stack) -> None:
    """A correction is found by its new words and no longer by the words it dropped; a
    retraction's text is found by no search, not even among the tombstones."""
    article_id = stack.post(STORY)["id"]
    stack.wait_final(article_id)
    assert _vector_is_current(stack, article_id)
    assert _search(stack, "Monday") == [article_id]
    assert _search(stack, "Peru OR Tuesday") == []

    stack.post(CORRECTED)
    _wait_revision(stack, article_id, 2)
    assert _vector_is_current(stack, article_id)
    assert _search(stack, "Peru") == [article_id]
    assert _search(stack, '"on Tuesday"') == [article_id]
    assert _search(stack, "Monday") == []

    assert stack.ingest.delete(f"/v1/articles/{article_id}").status_code == 200
    assert _vector_is_current(stack, article_id)
    assert _search(stack, "Peru") == []
    assert _search(stack, "Peru", status="retracted") == []


def test_one_batch_reports_one_status_per_id(stack: Stack) -> None:
    """The same article twice in one batch used to come back once `queued`, once `pending`."""
    body = {"text": "Lima hosted a summit on Friday with envoys from Chile."}
    response = stack.ingest.post("/v1/articles/batch", json=[body, body])
    assert response.status_code == 202, response.text
    first, second = (i["result"] for i in response.json()["items"])
    assert first["id"] == second["id"]
    assert (first["status"], second["status"]) == ("queued", "queued")
    assert (first["duplicate"], second["duplicate"]) == (False, True)


def test_same_text_from_another_source_is_its_own_article(stack: Stack) -> None:
    one = stack.post({"text": STORY["text"], "source": "outlet-a"})
    other = stack.post({"text": STORY["text"], "source": "outlet-b"})
    assert one["id"] != other["id"] and other["duplicate"] is False


def test_ten_concurrent_revisions_serialise(backend: Backend, stack: Stack, log_dir: Path) -> None:
    """Ten corrections of one article posted at once to a real ingest process: ten distinct
    revision numbers, every revision enriched, one feed event each, in revision order."""
    article_id = stack.wait_final(stack.post(STORY)["id"])["id"]
    port = free_port()
    ingest: Proc = start_service(backend, log_dir, "ingest", port)
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def post(n: int) -> None:
        body = {**STORY, "text": f"{STORY['text']} Update {n}: officials in Lima agreed."}
        response = httpx.post(f"http://127.0.0.1:{port}/v1/articles", json=body, timeout=30)
        with lock:
            answers.append({"http": response.status_code, **response.json()})

    try:
        threads = [threading.Thread(target=post, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        ingest.stop()
    assert {a["http"] for a in answers} == {202}
    assert {a["id"] for a in answers} == {article_id}
    assert sorted(a["revision"] for a in answers) == list(range(2, 12))
    _wait_revision(stack, article_id, 11)
    wait_until(lambda: len(_events(stack)) == 11, 60, "an event for every revision")
    events = _events(stack)
    assert events == [("created", article_id, 1)] + [
        ("updated", article_id, n) for n in range(2, 12)
    ]
    revisions = stack.api.get(f"/v1/articles/{article_id}/revisions").json()["items"]
    assert [r["revision"] for r in revisions] == list(range(1, 12))
    assert {r["status"] for r in revisions} == {"enriched"}
