"""An article posted to ingest comes out of the read API enriched, via the broker and a worker."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.stack import Stack

REPO = Path(__file__).resolve().parents[2]
SEED = (REPO / "seeds" / "000_f0d86fc9665b4378.txt").read_text()
GOLD = json.loads((REPO / "tests" / "data" / "seed_gold.json").read_text())


def test_seed_article_comes_back_enriched(stack: Stack) -> None:
    accepted = stack.post({"text": SEED, "source": "seed", "external_id": "000"})
    assert accepted["duplicate"] is False
    assert accepted["status"] in ("pending", "queued")

    record = stack.wait_final(accepted["id"])

    assert record["status"] == "enriched", record["error"]
    assert "Read also" not in record["clean_text"]
    names = {e["name"] for e in record["entities"]}
    assert set(GOLD["must_have_minimum"]) <= names
    assert not names & set(GOLD["must_not_appear"])
    assert {r["rule"] for r in record["removals"]} == {"read-also"}
    assert [r["text"] for r in record["removals"]] == GOLD["boilerplate_lines"]
    for removal in record["removals"]:
        assert SEED[removal["raw_start"] : removal["raw_end"]] == removal["text"]
    for entity in record["entities"]:
        for mention in entity["mentions"]:
            assert record["clean_text"][mention["start"] : mention["end"]] == mention["text"]
            assert SEED[mention["raw_start"] : mention["raw_end"]] == mention["text"]
    assert record["feed_seq"] == 1
    assert record["language"] == "en" and record["language_confidence"] > 0.9
    assert record["entities_skipped_reason"] is None


def test_non_english_article_is_stored_without_entities(stack: Stack) -> None:
    text = (
        "Der Bundestag hat am Donnerstag den Haushalt für das kommende Jahr beschlossen. Die "
        "Opposition kritisierte die Pläne der Regierung scharf, weil sie nach ihrer Ansicht zu "
        "wenig für die Bahn und zu viel für neue Schulden vorsehen."
    )
    record = stack.wait_final(stack.post({"text": text, "language": "en"})["id"])
    assert record["status"] == "enriched", record["error"]
    assert record["language"] == "de" and record["language_confidence"] > 0.9
    assert record["entities"] == [] and "'de'" in record["entities_skipped_reason"]


def test_html_article_is_extracted_then_enriched(stack: Stack) -> None:
    page = (
        "<html><head><title>Storm hits coast</title></head><body><nav>Home | World | Sport</nav>"
        "<article><h1>Storm hits coast</h1>"
        "<p>Heavy rain fell on Lisbon on Monday as Storm Irene moved north from Morocco, "
        "the Portuguese weather agency said.</p>"
        "<p>Advertisement</p>"
        "<p>Prime Minister Luis Montenegro told reporters in Lisbon that emergency teams were "
        "ready across the country and that schools in Porto would stay closed.</p>"
        "<p>Read also| Madrid braces for record heat as Spain issues alerts</p>"
        "</article><footer>Contact us</footer></body></html>"
    )
    record = stack.wait_final(stack.post({"html": page, "source": "example.pt"})["id"])
    assert record["status"] == "enriched", record["error"]
    assert record["content_type"] == "html"
    assert "Home | World" not in record["clean_text"]
    assert "Madrid" not in record["clean_text"]
    assert {r["rule"] for r in record["removals"]} >= {"read-also", "advertisement"}
    names = {e["name"] for e in record["entities"]}
    assert {"Lisbon", "Luis Montenegro"} <= names
    assert "Spain" not in names and "Madrid" not in names
    source_text = record["source_text"]
    for entity in record["entities"]:
        for mention in entity["mentions"]:
            assert source_text[mention["raw_start"] : mention["raw_end"]] == mention["text"]


def test_duplicates_return_the_existing_article(stack: Stack) -> None:
    first = stack.post(
        {"text": "Berlin hosted the summit on Tuesday.", "source": "a", "external_id": "x1"}
    )
    again = stack.post(
        {"text": "Berlin hosted the summit on Tuesday.", "source": "a", "external_id": "x1"}
    )
    assert again == {**again, "id": first["id"], "duplicate": True, "revision": 1}
    # Different text under the same id is a correction: a new revision of the same article.
    revised = stack.post({"text": "Different text, same id.", "source": "a", "external_id": "x1"})
    assert revised == {**revised, "id": first["id"], "duplicate": False, "revision": 2}

    same_content = stack.post({"text": "  Berlin hosted the summit   on Tuesday. "})
    assert same_content["duplicate"] is False  # the first one had an external id
    repeat = stack.post({"text": "Berlin hosted the summit on Tuesday."})
    assert repeat["id"] == same_content["id"] and repeat["duplicate"] is True

    other_source = stack.post({"text": "Other.", "source": "b", "external_id": "x1"})
    assert other_source["id"] != first["id"]

    stack.wait_final(first["id"])
    listing = stack.api.get("/v1/articles", params={"limit": 100}).json()
    assert len(listing["items"]) == 3
