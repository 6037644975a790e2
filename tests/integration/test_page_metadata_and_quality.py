"""HTML pages through a real worker: the page's own metadata fills the article's fields (so
published_from/to find it), and quality flags are stored and filterable."""

from __future__ import annotations

from tests.support.stack import Stack

BODY = (
    "<p>Heavy rain fell on Lisbon on Monday as Storm Irene moved north from Morocco, the "
    "Portuguese weather agency said, and rivers in the Tagus valley rose above their banks.</p>"
    "<p>Prime Minister Luis Montenegro told reporters in Lisbon that emergency teams were ready "
    "across the country and that schools in Porto would stay closed until Wednesday.</p>"
    "<p>Forecasters said the storm would weaken as it crossed into Spain on Tuesday night, but "
    "warned that more rain was expected along the coast through the weekend.</p>"
)


def page(*, head: str = "", body: str = BODY) -> str:
    return f"<html><head>{head}</head><body><article>{body}</article></body></html>"


PAGE_HEAD = (
    '<meta property="og:title" content="Storm Irene floods the Tagus valley">'
    '<meta property="og:site_name" content="Example Post">'
    '<link rel="canonical" href="https://example.pt/2025/03/04/storm-irene">'
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    '"NewsArticle", "headline": "Storm Irene floods the Tagus valley", "datePublished": '
    '"2025-03-04T09:30:00+01:00", "author": {"@type": "Person", "name": "Ana Costa"}}</script>'
)


def test_html_article_gets_the_pages_title_date_and_url(stack: Stack) -> None:
    record = stack.wait_final(stack.post({"html": page(head=PAGE_HEAD), "source": "ex.pt"})["id"])
    assert record["status"] == "enriched", record["error"]
    assert record["title"] == "Storm Irene floods the Tagus valley"
    assert record["published_at"] == "2025-03-04T08:30:00Z"
    assert record["url"] == "https://example.pt/2025/03/04/storm-irene"
    assert record["author"] == "Ana Costa"
    assert record["site_name"] == "Example Post"
    assert record["quality"] == [] and record["quality_detail"] == {}

    def found(**window: str) -> list[int]:
        items = stack.api.get("/v1/articles", params=window).json()["items"]
        return [item["id"] for item in items]

    assert found(published_from="2025-03-04T00:00:00Z", published_to="2025-03-05T00:00:00Z") == [
        record["id"]
    ]
    assert found(published_from="2025-03-05T00:00:00Z") == []
    assert found(published_to="2025-03-04T08:00:00Z") == []


def test_the_producers_own_fields_win_over_the_page(stack: Stack) -> None:
    sent = {
        "html": page(head=PAGE_HEAD),
        "title": "Producer title",
        "published_at": "2025-01-01T00:00:00Z",
        "url": "https://producer.example/a",
    }
    record = stack.wait_final(stack.post(sent)["id"])
    assert record["status"] == "enriched", record["error"]
    assert record["title"] == "Producer title"
    assert record["published_at"] == "2025-01-01T00:00:00Z"
    assert record["url"] == "https://producer.example/a"
    assert record["metadata"]["title"] == "Storm Irene floods the Tagus valley"  # still audited


def test_navigation_only_page_is_flagged_not_enriched_as_an_article(stack: Stack) -> None:
    menu = page(body="<ul><li>Home</li><li>About</li><li>Contact</li><li>Sport</li></ul>")
    article = stack.wait_final(stack.post({"html": page(head=PAGE_HEAD)})["id"])
    nav = stack.wait_final(stack.post({"html": menu})["id"])
    assert nav["status"] == "enriched", nav["error"]
    assert "no_article_found" in nav["quality"]
    assert nav["clean_text"] == "" and nav["entities"] == []
    assert nav["quality_detail"]["no_article_found"]
    # Nothing silently lost: what was set aside is audited.
    for removal in nav["removals"]:
        assert nav["source_text"][removal["raw_start"] : removal["raw_end"]] == removal["text"]

    def ids(**params: str) -> list[int]:
        return [i["id"] for i in stack.api.get("/v1/articles", params=params).json()["items"]]

    assert ids(quality="no_article_found") == [nav["id"]]
    assert ids(quality_not="no_article_found") == [article["id"]]
    listed = stack.api.get("/v1/articles", params={"quality": "no_article_found"}).json()
    assert listed["items"][0]["quality"] == nav["quality"]


def test_unknown_quality_flag_is_refused_with_its_name(stack: Stack) -> None:
    response = stack.api.get("/v1/articles", params={"quality": "bogus"})
    assert response.status_code == 422
    assert "quality" in response.text
