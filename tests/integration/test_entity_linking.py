"""One entity across articles (issue 10, item 4): "Trump" alone joins the store's Donald Trump
when he is the only Trump it knows (with the reason recorded), so `?entity=Donald Trump` finds
the article; an ambiguous surname stays separate, and says why. Both store pairs."""

from __future__ import annotations

from typing import Any

from tests.support.stack import Stack


def _entity(record: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [e for e in record["entities"] if e["name"] == name]
    return found


def _enriched(stack: Stack, text: str, n: int) -> dict[str, Any]:
    record = stack.wait_final(
        stack.post({"text": text, "source": "link", "external_id": str(n)})["id"]
    )
    assert record["status"] == "enriched", record["error"]
    return record


def test_surname_alone_joins_the_only_known_full_name(stack: Stack) -> None:
    full = [
        "Donald Trump spoke to supporters in Ohio on Monday. Trump said jobs would return.",
        "Donald Trump met governors in Washington on Tuesday, and Trump promised new roads.",
    ]
    for n, text in enumerate(full):
        _enriched(stack, text, n)
    donald = _entity(_enriched(stack, full[0] + " (repeat)", 9), "Donald Trump")

    alone = _enriched(stack, "Trump told reporters on Friday that tariffs would rise.", 3)
    trump = _entity(alone, "Trump")
    assert trump["id"] == donald["id"]
    assert trump["link"]["linked"] is True and "'Donald Trump'" in trump["link"]["reason"]
    assert trump["label"] == "PERSON"

    found = stack.api.get("/v1/articles", params={"entity": "Donald Trump"}).json()["items"]
    assert alone["id"] in {a["id"] for a in found}


def test_ambiguous_surname_stays_separate(stack: Stack) -> None:
    texts = [
        "Boris Johnson spoke in London on Monday. Johnson said talks would go on.",
        "Boris Johnson visited Leeds on Tuesday, where Johnson met workers.",
        "Magic Johnson opened a gym in Los Angeles on Monday. Johnson said it was a dream.",
        "Magic Johnson watched the game in Detroit, and Johnson cheered.",
    ]
    for n, text in enumerate(texts):
        _enriched(stack, text, n)
    alone = _enriched(stack, "Johnson said on Friday that he would not comment.", 7)
    johnson = _entity(alone, "Johnson")
    assert johnson["link"]["linked"] is False and "ambiguous" in johnson["link"]["reason"]
    names = {
        e["name"] for e in stack.api.get("/v1/entities", params={"name": "Johnson"}).json()["items"]
    }
    assert "Johnson" in names


def test_surname_joins_only_a_full_name_named_recently(stack: Stack) -> None:
    """ "Recent" is counted back from the article's date: the same store links an archive
    article of that time and leaves a story published long after separate, saying why."""

    def post(text: str, n: int, published: str) -> dict[str, Any]:
        article = {
            "text": text,
            "source": "recent",
            "external_id": str(n),
            "published_at": published,
        }
        record = stack.wait_final(stack.post(article)["id"])
        assert record["status"] == "enriched", record["error"]
        return record

    full = "Donald Trump spoke to supporters in Ohio. Trump said jobs would return."
    for n in range(2):
        post(f"{full} ({n})", n, "2024-01-10T12:00:00Z")
    alone = "Mr. Trump said on Friday that tariffs would rise."

    later = _entity(post(alone, 5, "2025-03-01T12:00:00Z"), "Trump")  # 416 days later
    assert later["link"]["linked"] is False
    assert "not named within 180 days" in later["link"]["reason"]
    assert "'Donald Trump' (last seen 2024-01-10)" in later["link"]["reason"]

    then = _entity(post(alone + " (archive)", 6, "2024-02-01T12:00:00Z"), "Trump")
    assert then["link"]["linked"] is True and "last seen 2024-01-10" in then["link"]["reason"]
