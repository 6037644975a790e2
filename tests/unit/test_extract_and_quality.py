"""Page-level extraction (two passes, tables, metadata) and the record's quality flags."""

from __future__ import annotations

from dataclasses import replace

import pytest
import trafilatura
from lxml import etree  # type: ignore[import-untyped]
from trafilatura.settings import Document

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.pipeline.extract import (
    _DATE_PARAMS,
    PRECISION,
    PRECISION_FALLBACKS,
    RECALL,
    SHORT_CHARS,
    ExtractionError,
    extract_html,
)
from services.enrich.pipeline.extract import _run as run_pass_as_extract_html_does
from services.enrich.pipeline.passes import prune_page
from services.enrich.pipeline.quality import Quality, cut_off, has_article

LEDE = (
    "Heavy rain fell on Lisbon on Monday as Storm Irene moved north from Morocco, the "
    "Portuguese weather agency said, and rivers in the Tagus valley rose above their banks."
)
SECOND = (
    "Prime Minister Luis Montenegro told reporters in Lisbon that emergency teams were ready "
    "across the country and that schools in Porto would stay closed until Wednesday."
)
THIRD = (
    "Forecasters said the storm would weaken as it crossed into Spain on Tuesday night, but "
    "warned that more rain was expected along the coast through the weekend."
)


def html(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body><article>{body}</article></body></html>"


ARTICLE = html(f"<p>{LEDE}</p><p>{SECOND}</p><p>{THIRD}</p>")


def test_results_table_in_an_article_is_kept() -> None:
    table = (
        "<table><tr><th>Station</th><th>Rainfall</th></tr>"
        "<tr><td>Lisbon Airport</td><td>84 mm</td></tr>"
        "<tr><td>Porto Serra do Pilar</td><td>61 mm</td></tr></table>"
    )
    extracted = extract_html(html(f"<p>{LEDE}</p>{table}<p>{SECOND}</p>"))
    assert "Lisbon Airport" in extracted.text and "84 mm" in extracted.text
    assert LEDE in extracted.text and SECOND in extracted.text


def _chars(text: str) -> int:
    return len("".join(text.split()))


def test_a_long_page_runs_two_fast_passes_and_keeps_the_longer() -> None:
    paragraphs = "".join(f"<p>{LEDE}</p><p>{SECOND}</p><p>{THIRD}</p>" for _ in range(3))
    extracted = extract_html(html(paragraphs))
    assert set(extracted.candidate_chars) == {"precision", "recall"}
    assert min(extracted.candidate_chars.values()) >= SHORT_CHARS
    kept = extracted.candidate_chars[extracted.extraction]
    assert kept == max(extracted.candidate_chars.values()) == _chars(extracted.text)


def test_a_short_page_runs_the_precision_pass_again_with_fallbacks() -> None:
    extracted = extract_html(ARTICLE)
    chars = extracted.candidate_chars
    assert max(chars["precision"], chars["recall"]) < SHORT_CHARS
    assert set(chars) == {"precision", "recall", "precision+fallbacks"}
    # The pass with fallbacks replaces the fast precision pass; the longer of it and recall.
    assert extracted.extraction in ("precision+fallbacks", "recall")
    compared = (chars["precision+fallbacks"], chars["recall"])
    assert chars[extracted.extraction] == max(compared) == _chars(extracted.text)


def test_publication_time_comes_from_the_page_when_the_url_only_gives_the_day() -> None:
    head = (
        '<link rel="canonical" href="https://example.pt/2025/03/04/storm">'
        '<meta property="article:published_time" content="2025-03-04T09:30:00+01:00">'
        '<meta property="og:site_name" content="Example Post">'
    )
    extracted = extract_html(html(f"<p>{LEDE}</p><p>{SECOND}</p>", head))
    assert extracted.date == "2025-03-04T09:30:00+01:00"
    assert extracted.url == "https://example.pt/2025/03/04/storm"
    assert extracted.site_name == "Example Post"


def test_parsing_once_gives_what_two_separate_passes_give() -> None:
    """The page is parsed and its metadata read once; each pass must still see what a pass
    of its own (parsing the HTML, reading metadata) would have seen."""
    head = (
        "<title>Storm Irene floods the Tagus valley | Example Post</title>"
        '<meta name="author" content="Ana Costa">'
        '<meta property="og:description" content="Rivers rose above their banks.">'
        '<link rel="canonical" href="https://example.pt/2025/03/04/storm">'
    )
    # Text in a bare <div>: the recall pass keeps it, the precision pass does not.
    page = html(f"<p>{LEDE}</p><div>{SECOND}</div><p>{THIRD}</p>", head)
    extracted = extract_html(page)
    assert extracted.candidate_chars["recall"] > extracted.candidate_chars["precision"]
    for extraction in (PRECISION, RECALL, PRECISION_FALLBACKS):
        alone = trafilatura.bare_extraction(
            page,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            deduplicate=False,
            date_extraction_params=_DATE_PARAMS,
            **extraction.options,
        )
        assert isinstance(alone, Document)
        assert extracted.candidate_chars[extraction.name] == len("".join(alone.text.split()))
        if extracted.extraction == extraction.name:
            assert extracted.text == alone.text
        found = (extracted.title, extracted.author, extracted.url, extracted.description)
        assert found == (alone.title, alone.author, alone.url, alone.description)
        assert extracted.site_name == alone.sitename


COMMENTS = f'<div class="comments"><ul><li>{THIRD}</li></ul></div>'
FORUM = '<script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script>'


@pytest.mark.parametrize(
    "page",
    [
        ARTICLE,  # short: the fallback pass runs
        html(f"<p>{LEDE}</p><div>{SECOND}</div>{COMMENTS}"),  # a comment section to prune
        html(f"<p>{LEDE}</p>{COMMENTS}", head=FORUM),  # a forum: recall keeps its "comments"
        "<html><body><div><span>Storm Irene</span><br/>Rain in Lisbon.</div></body></html>",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",  # nothing to extract
    ],
)
def test_shared_pruning_gives_what_bare_extraction_gives(page: str) -> None:
    """passes.py prunes the page once for every pass; each pass's text must be what
    bare_extraction (which prunes again) gives, and the parsed tree must stay as it was."""
    tree = trafilatura.load_html(page)
    before = etree.tostring(tree)
    pruned = prune_page(tree)
    for extraction in (PRECISION, RECALL, PRECISION_FALLBACKS):
        text = run_pass_as_extract_html_does(pruned, extraction, None)
        alone = trafilatura.bare_extraction(
            tree,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            **extraction.options,
        )
        assert text == (alone.text if isinstance(alone, Document) else "")
    assert etree.tostring(tree) == before


def test_empty_page_has_no_article() -> None:
    with pytest.raises(ExtractionError):
        extract_html("<html><body></body></html>")


def test_page_without_any_text_still_fails_loudly(pipeline_config: PipelineConfig) -> None:
    with pytest.raises(ExtractionError, match="no article text could be extracted"):
        enrich(SubmittedDocument(html="<html><body><div></div></body></html>"), pipeline_config)


def test_navigation_page_is_set_aside_with_every_line_audited(
    pipeline_config: PipelineConfig,
) -> None:
    menu = "<ul><li>Home</li><li>About us</li><li>Contact</li><li>World news</li></ul>"
    record = enrich(SubmittedDocument(html=html(menu)), pipeline_config)
    assert Quality.no_article_found in record.quality
    assert record.clean_text == "" and record.entities == []
    assert record.removals and {r.rule for r in record.removals} == {"no-article"}
    for removal in record.removals:
        assert record.source_text[removal.raw_start : removal.raw_end] == removal.text


def test_real_article_has_no_flags(pipeline_config: PipelineConfig) -> None:
    record = enrich(SubmittedDocument(html=ARTICLE), pipeline_config)
    assert record.quality == []
    assert LEDE in record.clean_text and THIRD in record.clean_text
    assert record.metadata["extraction"]["kept"] in ("precision+fallbacks", "recall")


def test_text_that_is_only_boilerplate_is_flagged_empty(pipeline_config: PipelineConfig) -> None:
    text = "Advertisement\nSubscribe to our newsletter\nShare this article"
    record = enrich(SubmittedDocument(text=text), pipeline_config)
    assert record.clean_text == ""
    assert record.quality == [Quality.empty_after_cleaning]
    assert len(record.removals) == 3


def test_short_text_is_flagged_too_short(pipeline_config: PipelineConfig) -> None:
    record = enrich(SubmittedDocument(text=LEDE), pipeline_config)
    assert Quality.too_short in record.quality
    assert (
        Quality.too_short
        not in enrich(SubmittedDocument(text=f"{LEDE}\n{SECOND}\n{THIRD}"), pipeline_config).quality
    )


def test_kept_prompt_line_is_flagged_possible_boilerplate(pipeline_config: PipelineConfig) -> None:
    prompt = "Readers can claim the offer with promo code STORM25 until Friday"
    record = enrich(SubmittedDocument(text=f"{LEDE}\n{prompt}\n{SECOND}\n{THIRD}"), pipeline_config)
    assert prompt in record.clean_text  # no rule removes it ...
    assert Quality.possible_boilerplate in record.quality  # ... but the record says so
    (detail,) = record.quality_detail[Quality.possible_boilerplate]
    assert detail["line"] == prompt


def test_text_cut_mid_sentence_is_flagged_truncated(pipeline_config: PipelineConfig) -> None:
    cut = "Officials in Porto said the river would crest on Wednesday morning and that residents of"
    record = enrich(SubmittedDocument(text=f"{LEDE}\n{SECOND}\n{cut}"), pipeline_config)
    assert Quality.truncated_extraction in record.quality


class UnsureDetector:
    """What lingua's low-accuracy mode answered for short English: Dutch at 0.59."""

    def detect(self, text: str) -> tuple[str, float] | None:
        return ("nl", 0.586)


def test_unsure_language_is_not_reported_and_is_flagged(pipeline_config: PipelineConfig) -> None:
    config = replace(pipeline_config, language_detector=UnsureDetector())
    record = enrich(SubmittedDocument(text=f"{LEDE}\n{SECOND}"), config)
    assert record.language is None and record.language_confidence == 0.586
    assert Quality.language_uncertain in record.quality
    assert "'nl'" in record.quality_detail[Quality.language_uncertain]
    assert record.metadata["language_guess"] == {"language": "nl", "confidence": 0.586}
    assert record.entities  # an unsure guess never stops the tagging


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Home | About | Contact\nWorld\nSport", False),
        (LEDE, True),
        ("Short line.\nAnother one.", False),
    ],
)
def test_has_article(text: str, expected: bool) -> None:
    assert has_article(text) is expected


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        (LEDE, False),
        ("- 200 g flour\n- 2 eggs", False),  # a list item is not a cut sentence
        (
            f"{LEDE}\nThe agency said the rain would continue, and officials warned residents...",
            True,
        ),
        (f"{LEDE}\n{SECOND[:-40]}", True),
    ],
)
def test_cut_off(text: str, cut: bool) -> None:
    assert (cut_off(text) is not None) is cut
