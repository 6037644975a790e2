"""Lines a page shows only inside page furniture (blocks.py): related lists, author boxes, share
and newsletter blocks, headline runs, on page shapes like the ones the real pages show."""

from __future__ import annotations

import trafilatura

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.pipeline.blocks import furniture_lines, line_key
from services.enrich.pipeline.extract import extract_html
from tests.unit.test_extract_and_quality import LEDE, SECOND, THIRD

ARTICLE = f"{LEDE}\n{SECOND}\n{THIRD}"
HEADLINES = (
    "Lisbon clears its streets after the worst flood in a decade",
    "Ten pictures of the storm from across Portugal",
    "Why the Tagus keeps flooding, and what could stop it",
)
BIO = "Ana Costa covers weather and climate for the paper from its Lisbon newsroom."


def _page(after: str = "", before: str = "", container: str = "article-body") -> str:
    return (
        "<html><head><title>Storm</title></head><body><main><h1>Storm Irene floods the Tagus"
        f"</h1>{before}<div class='{container}'><p>{LEDE}</p><p>{SECOND}</p><p>{THIRD}</p>"
        f"{after}</div></main></body></html>"
    )


def _links(tag: str = "li") -> str:
    return "".join(f"<{tag}><a href='/s{i}'>{h}</a></{tag}>" for i, h in enumerate(HEADLINES))


def _furniture(page: str, text: str) -> dict[str, str]:
    return dict(furniture_lines(trafilatura.load_html(page), text))


def test_a_headline_list_inside_the_story_goes_with_raw_offsets(
    pipeline_config: PipelineConfig,
) -> None:
    # phillyvoice.com's shape: a "MORE ..." list of links between two parts of the story,
    # no class, which trafilatura keeps as article text.
    story = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n"))
    page = (
        "<html><body><main><h1>Storm</h1><div class='rich-text'>"
        f"{story}<ul><li>MORE STORMS</li>{_links()}</ul>{story.replace('Lisbon', 'Porto')}"
        "</div></main></body></html>"
    )
    extracted = extract_html(page)
    assert HEADLINES[0] in extracted.text  # trafilatura keeps it: why this step exists
    record = enrich(SubmittedDocument(html=page), pipeline_config)
    assert not any(h in record.clean_text for h in HEADLINES)
    assert LEDE in record.clean_text and THIRD.replace("Lisbon", "Porto") in record.clean_text
    removed = [r for r in record.removals if r.rule == "block-link-list"]
    assert [r.text for r in removed] == ["- MORE STORMS", *(f"- {h}" for h in HEADLINES)]
    for removal in removed:  # audited like any removal: raw offsets into the extracted text
        assert record.source_text[removal.raw_start : removal.raw_end] == removal.text


def test_a_list_of_links_is_furniture_whatever_its_class() -> None:
    found = _furniture(
        _page(after=f"<ul>{_links()}</ul>"), ARTICLE + "\n- " + "\n- ".join(HEADLINES)
    )
    assert {found.get(line_key(h)) for h in HEADLINES} == {"block-link-list"}


def test_a_list_of_described_links_is_article_text() -> None:
    items = "".join(
        f"<li><a href='/r{i}'>Report {i}</a>: {LEDE}</li>" for i in range(len(HEADLINES))
    )
    text = ARTICLE + "\n" + "\n".join(f"- Report {i}: {LEDE}" for i in range(3))
    assert _furniture(_page(after=f"<ul>{items}</ul>"), text) == {}


def test_a_run_of_whole_link_lines_is_a_headline_list() -> None:
    page = _page(after=_links("p"))
    found = _furniture(page, ARTICLE + "\n" + "\n".join(HEADLINES))
    assert {found.get(line_key(h)) for h in HEADLINES} == {"block-link-run"}
    # Two linked lines are no run: a source or a "read the report" link in the story stays.
    two = _page(
        after="".join(f"<p><a href='/{i}'>{h}</a></p>" for i, h in enumerate(HEADLINES[:2]))
    )
    assert _furniture(two, ARTICLE + "\n" + "\n".join(HEADLINES[:2])) == {}


def test_an_author_box_and_a_newsletter_prompt_go() -> None:
    box = f"<div class='author-box'><p>{BIO}</p></div>"
    signup = "<div class='newsletter-signup'><p>Get our weather briefing every morning</p></div>"
    found = _furniture(
        _page(after=box + signup), f"{ARTICLE}\n{BIO}\nGet our weather briefing every morning"
    )
    assert found == {
        line_key(BIO): "block-author-bio",
        line_key("Get our weather briefing every morning"): "block-newsletter",
    }


def test_a_teaser_that_repeats_the_lede_keeps_the_lede() -> None:
    teaser = f"<aside class='related'><p>{LEDE}</p></aside>"
    assert _furniture(_page(after=teaser), ARTICLE) == {}


def test_a_layout_class_that_names_furniture_keeps_the_article() -> None:
    # Real article containers: a share bar docked beside it, a layout with a sidebar, a
    # promoted node, an expander.
    for container in (
        "article-container docked-sharebar-content-container",
        "main sidebar-right",
        "node node-article node-promoted",
        "text js_readmore",
        "PageContentSidebar",
    ):
        page = _page(container=container)
        assert _furniture(page, ARTICLE) == {}, container
        record = extract_html(page)
        # Only the headline (the record's title, kept by trafilatura as the first line) goes.
        assert record.furniture == {"StormIrenefloodstheTagus": "headline"}, container


def test_small_blocks_with_lying_class_names_inside_the_article_stay() -> None:
    # Each paragraph in its own "social" wrapper, each under a third of the text: every line
    # would be furniture, and more than half the kept text is never removed as furniture.
    text = f"{ARTICLE}\n{ARTICLE.replace('Lisbon', 'Porto')}"
    paragraphs = "".join(f"<div class='social-block'><p>{p}</p></div>" for p in text.split("\n"))
    page = f"<html><body><main>{paragraphs}</main></body></html>"
    assert _furniture(page, text) == {}


def test_a_caption_inside_the_story_goes_and_the_paragraph_it_repeats_stays(
    pipeline_config: PipelineConfig,
) -> None:
    # dailymail.co.uk's shape: picture captions in <p class="imageCaption"> between paragraphs,
    # one repeating a paragraph of the story with "(pictured, ...)" added.
    caption = f"{SECOND[:-1]} (pictured, the flooded quay at dawn)"
    figure = f"<div class='mol-img-group'><img src='/a.jpg'><p class='imageCaption'>{caption}</p>"
    page = _page(before="").replace(f"<p>{THIRD}</p>", f"{figure}</div><p>{THIRD}</p>")
    assert caption in extract_html(page).text  # trafilatura keeps it
    record = enrich(SubmittedDocument(html=page), pipeline_config)
    assert caption not in record.clean_text
    assert SECOND in record.clean_text.split("\n")
    assert [r.rule for r in record.removals if r.text == caption] == ["block-caption"]


def test_a_pull_quote_goes_and_the_paragraph_it_quotes_stays(
    pipeline_config: PipelineConfig,
) -> None:
    # theintercept.com's shape: a sentence of a paragraph shown again, large, on its own line.
    quoted = "The river rose faster than anyone here has ever seen it rise"
    paragraph = f'"{quoted}," said the harbour master, who has worked the quay for thirty years.'
    page = _page(after=f"<blockquote><p>“{quoted}.”</p></blockquote><p>{paragraph}</p>")
    record = enrich(SubmittedDocument(html=page), pipeline_config)
    lines = record.clean_text.split("\n")
    assert paragraph in lines and f"“{quoted}.”" not in lines
    assert [r.rule for r in record.removals if quoted in r.text] == ["pull-quote"]
    # A subheading that repeats a phrase of the story is not a pull quote.
    heading = "Floodwaters reached Lisbon's riverside districts"
    page = _page(after=f"<h2>{heading}</h2><p>{heading} by noon on Monday, police said.</p>")
    assert heading in enrich(SubmittedDocument(html=page), pipeline_config).clean_text


def test_a_first_sentence_used_as_the_title_stays() -> None:
    # A short notice whose <title> is its own first sentence: that sentence is the article.
    page = (
        _page()
        .replace("<title>Storm</title>", f"<meta property='og:title' content='{LEDE}'>")
        .replace("<h1>Storm Irene floods the Tagus</h1>", "")
    )
    extracted = extract_html(page)
    assert extracted.title == LEDE
    assert LEDE in extracted.text.split("\n")
    assert line_key(LEDE) not in extracted.furniture
