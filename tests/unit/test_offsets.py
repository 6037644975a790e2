"""Every mention and removal points at its text, in the clean text and in the submitted text."""

from __future__ import annotations

import html

import pytest

from services.enrich.pipeline import EnrichedDocument, PipelineConfig, SubmittedDocument, enrich

PLAIN = (
    "WASHINGTON (Reuters) - President Donald Trump met Japanese Prime Minister Shigeru Ishiba "
    "at the White House on Monday.\n"
    "Read also| Markets rally as Tokyo reopens\n"
    "Trump said the talks with Ishiba went well. Toyota and Sony shares rose in Tokyo.\n"
    "(Reporting by Jane Doe; Editing by John Roe)"
)
# HTML entities, non-breaking and zero-width characters, CRLF and tabs around the names.
MESSY = (
    "\ufeffLONDON &mdash; Bank of England Governor Andrew Bailey said on Thursday\u00a0that "
    "inflation&nbsp;was easing.\r\n\r\n  \t&quot;We are not there yet,&quot; Bailey told "
    "the Treasury Committee in\u200b London.  \r\n"
    "Chancellor Rachel Reeves, speaking in Leeds, welcomed the remarks &amp; the data."
)
PAGE = """<html><head><title>Fed holds rates steady</title></head><body>
<nav><a href="/">Home</a> | <a href="/markets">Markets</a></nav>
<article><h1>Fed holds rates steady</h1>
<p>WASHINGTON &mdash; The Federal Reserve held interest rates steady on Wednesday, and Chair
Jerome Powell said officials needed more evidence that inflation was cooling.</p>
<p>Read also| Stocks slip as bond yields climb</p>
<p>Powell told reporters in Washington that the labour market remained solid, while Treasury
Secretary Scott Bessent said the White House respected the central bank&#39;s independence.</p>
<p>Economists at Goldman Sachs and JPMorgan expect the first cut in September, although
several officials, including Governor Christopher Waller, have argued for moving sooner.</p>
</article><footer>Copyright 2025 Example News Inc.</footer></body></html>"""


def _audit_form(raw: str) -> str:
    """What a raw span should read as once cleaned: entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(raw).replace("\u200b", "").split())


def _mentions(enriched: EnrichedDocument):
    return [m for e in enriched.entities for m in e.mentions]


@pytest.mark.parametrize(
    "document",
    [SubmittedDocument(text=PLAIN), SubmittedDocument(text=MESSY), SubmittedDocument(html=PAGE)],
    ids=["plain", "entities-and-odd-whitespace", "html"],
)
def test_spans_read_as_the_mention(document: SubmittedDocument, pipeline_config: PipelineConfig):
    enriched = enrich(document, pipeline_config)
    mentions = _mentions(enriched)
    assert mentions
    for m in mentions:
        assert enriched.clean_text[m.start : m.end] == m.text
        assert _audit_form(enriched.source_text[m.raw_start : m.raw_end]) == m.text


def test_plain_text_raw_spans_are_exact(pipeline_config: PipelineConfig) -> None:
    enriched = enrich(SubmittedDocument(text=PLAIN), pipeline_config)
    assert enriched.source_text == PLAIN
    for m in _mentions(enriched):
        assert PLAIN[m.raw_start : m.raw_end] == m.text
    for item in (*enriched.removals, *enriched.credits):
        assert PLAIN[item.raw_start : item.raw_end] == item.text


def test_messy_text_names_survive_cleaning(pipeline_config: PipelineConfig) -> None:
    enriched = enrich(SubmittedDocument(text=MESSY), pipeline_config)
    names = {e.name for e in enriched.entities}
    assert {"Andrew Bailey", "Rachel Reeves", "London"} <= names
    bailey = next(e for e in enriched.entities if e.name == "Andrew Bailey")
    assert {m.text for m in bailey.mentions} == {"Andrew Bailey", "Bailey"}


def test_html_page_is_extracted_and_stripped(pipeline_config: PipelineConfig) -> None:
    enriched = enrich(SubmittedDocument(html=PAGE), pipeline_config)
    assert "Home" not in enriched.clean_text and "Read also" not in enriched.clean_text
    # The <h1> trafilatura keeps as the first line is the record's title, not a paragraph.
    assert [(r.rule, r.text) for r in enriched.removals][:1] == [
        ("headline", "Fed holds rates steady")
    ]
    assert [r.rule for r in enriched.removals][1:] == ["read-also"]
    assert enriched.metadata.get("title") == "Fed holds rates steady"
    assert not enriched.clean_text.startswith("Fed holds rates steady")
    assert {"Jerome Powell", "Federal Reserve"} <= {e.name for e in enriched.entities}
