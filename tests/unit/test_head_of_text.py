"""What a page shows above its lede (headline, byline, dateline) is not article text: it is the
record's title, author and date. The lines go, audited, and the same words lower in the story
stay."""

from __future__ import annotations

import trafilatura

from services.enrich.pipeline.boilerplate import RuleSet
from services.enrich.pipeline.extract import HEADLINE_RULE, headline_lines
from tests.unit.test_boilerplate import BODY, RULES, strip

TITLE = "David Estwick and Ronnie Yearwood to contest DLP's top post - Barbados Today"


def _removed(text: str, rules: RuleSet = RULES) -> list[tuple[str, str]]:
    return [(r.rule, r.text) for r in strip(text, rules).removals]


def test_a_byline_block_above_the_lede_goes() -> None:
    text = f"By EARYEL BOWLEG\nTribune Staff Reporter\nebowleg@tribunemedia.net\n{BODY}"
    assert _removed(text) == [
        ("byline", "By EARYEL BOWLEG"),
        ("byline", "Tribune Staff Reporter"),
        ("byline", "ebowleg@tribunemedia.net"),
    ]
    assert strip(text).text.text == BODY


def test_a_name_beside_a_byline_cue_or_an_address_goes_with_it() -> None:
    cue = f"Article by\nKareem Smith\nPublished on\nApril 21, 2022\n{BODY}"
    assert [rule for rule, _ in _removed(cue)] == ["byline", "byline", "byline", "dateline"]
    address = f"PETER CHRISTOPHER\npeter.christopher@guardian.co.tt\n{BODY}"
    assert _removed(address) == [
        ("byline", "PETER CHRISTOPHER"),
        ("byline", "peter.christopher@guardian.co.tt"),
    ]


def test_a_name_alone_with_no_byline_beside_it_stays() -> None:
    text = f"Kareem Smith\n{BODY}\nStaff Writer\n{BODY}"
    # The role line goes; the name is not beside it.
    assert _removed(text) == [("byline", "Staff Writer")]


def test_dates_and_bylines_lower_in_the_story_stay() -> None:
    lower = "\n".join([BODY] * 8)
    text = f"{lower}\nApril 21, 2022\nBy Jane Doe\n{BODY}"
    assert _removed(text) == []


def test_the_headline_goes_also_with_a_byline_run_on_and_curly_quotes() -> None:
    tree = trafilatura.load_html(f"<html><head><title>{TITLE}</title></head><body></body></html>")
    line = "David Estwick and Ronnie Yearwood to contest DLP’s top post  - by Kareem Smith"
    found = headline_lines(tree, TITLE, f"{line}\n{BODY}")
    assert list(found.values()) == [HEADLINE_RULE]
    # A line that ends like a sentence is the article's own, even when it is the title.
    sentence = "David Estwick and Ronnie Yearwood to contest DLP's top post."
    assert headline_lines(tree, TITLE, f"{sentence}\n{BODY}") == {}
