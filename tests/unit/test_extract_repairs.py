"""The standfirst a page shows above its article, put back when trafilatura leaves it out; the
page metadata read without what wirefeed never uses."""

from __future__ import annotations

import pytest
import trafilatura

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.pipeline.extract import _DATE_PARAMS, extract_html, read_metadata
from services.enrich.pipeline.standfirst import missing_deck
from tests.unit.test_extract_and_quality import LEDE, SECOND, THIRD

DECK = "Schools close and rivers rise as the first storm of the winter crosses Portugal."


def _fast_passes(page: str) -> list[str]:
    texts = []
    for options in ({"favor_precision": True}, {"favor_recall": True}):
        found = trafilatura.bare_extraction(page, include_comments=False, fast=True, **options)
        texts.append(found.text if found is not None else "")
    return texts


# ---- standfirst -----------------------------------------------------------------------------


def _page(header: str, footer: str = "", description: str = DECK) -> str:
    return (
        f'<html><head><title>Storm</title><meta name="description" content="{description}">'
        f"</head><body><nav><a href='/'>Home</a></nav><main><header><h1>Storm Irene floods "
        f"the Tagus valley</h1>{header}</header><div class='article-body'><p>{LEDE}</p>"
        f"<p>{SECOND}</p><p>{THIRD}</p></div></main><footer>{footer}</footer></body></html>"
    )


def test_the_deck_shown_above_the_article_is_put_back_first(
    pipeline_config: PipelineConfig,
) -> None:
    page = _page(f"<p class='standfirst'>{DECK}</p>")
    assert not any(DECK in text for text in _fast_passes(page))  # why the repair exists
    extracted = extract_html(page)
    assert extracted.text.startswith(f"{DECK}\n") and extracted.standfirst_added
    assert LEDE in extracted.text
    record = enrich(SubmittedDocument(html=page), pipeline_config)
    assert record.clean_text.startswith(DECK)
    assert record.metadata["extraction"]["standfirst_added"] is True
    assert record.source_text == extracted.text  # raw offsets point into this text


def _deck(page: str, text: str = f"{LEDE}\n{SECOND}\n{THIRD}") -> str | None:
    return missing_deck(trafilatura.load_html(page), DECK, text)


def test_a_description_shown_only_below_the_article_is_not_a_deck() -> None:
    assert _deck(_page("", footer=f"<p>{DECK}</p>")) is None


def test_a_description_the_page_never_shows_is_not_added() -> None:
    assert _deck(_page("")) is None


def test_a_description_quoted_inside_a_longer_paragraph_is_not_a_deck() -> None:
    assert _deck(_page(f"<p>Earlier today: {DECK} More soon.</p>")) is None


def test_the_deck_is_not_added_twice() -> None:
    page = _page(f"<p>{DECK}</p>")
    assert _deck(page) == DECK
    assert _deck(page, text=f"{DECK}\n{LEDE}") is None


def test_a_short_or_cut_description_is_not_a_deck() -> None:
    for description in ("Storm news from Portugal.", DECK[:60] + "..."):
        page = _page(f"<p>{description}</p>", description=description)
        assert missing_deck(trafilatura.load_html(page), description, LEDE) is None


def test_a_description_that_is_a_headline_not_a_sentence_is_not_a_deck() -> None:
    headline = "Storm Irene closes schools and floods the Tagus valley"
    page = _page(f"<h2>{headline}</h2>", description=headline)
    assert missing_deck(trafilatura.load_html(page), headline, LEDE) is None


# ---- metadata -------------------------------------------------------------------------------

HEAD = (
    "<title>Storm Irene floods the Tagus valley | Example Post</title>"
    '<meta name="author" content="Ana Costa">'
    f'<meta property="og:description" content="{DECK}">'
    '<meta property="og:site_name" content="@examplepost">'
    '<meta property="article:published_time" content="2025-03-04T09:30:00+01:00">'
    '<link rel="canonical" href="https://example.pt/2025/03/04/storm">'
    '<meta property="article:tag" content="weather">'
    '<script type="application/ld+json">{"@context": "https://schema.org", '
    '"@type": "NewsArticle", "headline": "Storm Irene floods the Tagus valley", '
    '"author": {"@type": "Person", "name": "Ana Costa"}, '
    '"datePublished": "2025-03-04T09:30:00+01:00"}</script>'
)


@pytest.mark.parametrize(
    "head",
    [
        HEAD,
        "<title>Storm</title>",  # nothing but a title: every fallback search runs
        '<meta name="author" content="Costa">',  # one-word author: not trusted
        '<link rel="canonical" href="https://www.example.pt/storm">',  # site name from the URL
    ],
)
def test_page_metadata_reads_what_trafilatura_reads(head: str) -> None:
    page = (
        f"<html><head>{head}</head><body><article><p class='byline'>By Ana Costa</p>"
        f"<p>{LEDE}</p><p>{SECOND}</p></article></body></html>"
    )
    tree = trafilatura.load_html(page)
    ours = read_metadata(tree)
    theirs = trafilatura.extract_metadata(tree, date_config=dict(_DATE_PARAMS), extensive=False)
    fields = ("title", "author", "date", "url", "sitename", "description")
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
