"""Boilerplate rules: real-looking lines in both directions, each rule's own examples, credits,
headline lists, and rules switched on and off by configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.enrich.config import PACKAGED_RULES, load_rules
from services.enrich.pipeline.boilerplate import RuleSet, strip_boilerplate
from services.enrich.pipeline.clean import clean_text
from services.enrich.pipeline.textmap import TextMap
from shared.settings import Settings

CASES = json.loads((Path(__file__).parents[1] / "data" / "boilerplate_cases.json").read_text())
RULES_DATA = json.loads(PACKAGED_RULES.read_text(encoding="utf-8"))
RULES = RuleSet.from_dict(RULES_DATA)
LINE_RULES = [r for r in RULES_DATA["rules"] if r.get("kind") != "inline"]
INLINE_RULES = [r for r in RULES_DATA["rules"] if r.get("kind") == "inline"]
RULE_EXAMPLES = [(r["id"], e) for r in LINE_RULES for e in r.get("examples", ())]
RULE_COUNTEREXAMPLES = [
    (r["id"], e) for r in RULES_DATA["rules"] for e in r.get("counterexamples", ())
]
INLINE_EXAMPLES = [(r["id"], e) for r in INLINE_RULES for e in r.get("examples", ())]


def strip(text: str, rules: RuleSet = RULES):
    return strip_boilerplate(clean_text(TextMap.identity(text)), rules)


BODY = "The central bank left rates unchanged on Tuesday, citing sticky inflation."


@pytest.mark.parametrize("line", CASES["remove"])
def test_boilerplate_line_is_removed(line: str) -> None:
    stripped = strip(f"{BODY}\n{line}\n{BODY}")
    assert stripped.text.text == f"{BODY}\n{BODY}"
    assert [r.text for r in stripped.removals] == [line]


@pytest.mark.parametrize("line", CASES["keep"])
def test_body_line_is_kept(line: str) -> None:
    stripped = strip(f"{BODY}\n{line}\n{BODY}")
    assert stripped.text.text == f"{BODY}\n{line}\n{BODY}"
    assert stripped.removals == [] and stripped.credits == []


@pytest.mark.parametrize(("rule_id", "example"), RULE_EXAMPLES)
def test_rule_matches_its_examples(rule_id: str, example: str) -> None:
    # As the last line of a text: rules kept to the tail of an article see it too.
    matched = RULES.match(example, lines_after=0)
    assert matched is not None and matched.id == rule_id


@pytest.mark.parametrize(("rule_id", "counterexample"), RULE_COUNTEREXAMPLES)
def test_no_rule_matches_a_counterexample(rule_id: str, counterexample: str) -> None:
    assert RULES.match(counterexample, lines_after=0) is None
    assert RULES.inline_cuts(counterexample) == []


@pytest.mark.parametrize(("rule_id", "example"), INLINE_EXAMPLES)
def test_inline_rule_cuts_only_its_span(rule_id: str, example: str) -> None:
    stripped = strip(f"{BODY}\n{example}")
    (removal,) = stripped.removals
    assert removal.rule == rule_id
    kept = stripped.text.text.split("\n")[1]
    assert kept and len(kept) < len(example) and removal.text not in kept


def test_removal_records_rule_and_span_in_submitted_text() -> None:
    text = f"{BODY}\n  Read also|  Markets slide  \n{BODY}"
    (removal,) = strip(text).removals
    assert removal.rule == "read-also"
    assert text[removal.raw_start : removal.raw_end] == "Read also|  Markets slide"


def test_credit_line_moves_to_credits() -> None:
    credit = "(Reporting by Jane Doe in Berlin; Editing by John Roe)"
    stripped = strip(f"{BODY}\n{credit}")
    assert stripped.text.text == BODY
    assert [c.text for c in stripped.credits] == [credit]
    assert stripped.removals == []


def test_credit_appended_to_last_paragraph_is_split_off() -> None:
    credit = "(Reporting by Jane Doe; Editing by John Roe)"
    text = f"{BODY}\nThe vote is expected on Thursday, officials said. {credit}"
    stripped = strip(text)
    assert stripped.text.text == f"{BODY}\nThe vote is expected on Thursday, officials said."
    (moved,) = stripped.credits
    assert moved.text == credit
    assert text[moved.raw_start : moved.raw_end] == credit


def test_parenthesis_inside_a_sentence_is_not_a_credit() -> None:
    line = "The report (written by two former judges) was published on Monday."
    assert strip(f"{BODY}\n{line}").text.text == f"{BODY}\n{line}"


def test_headlines_under_a_related_header_go_with_it() -> None:
    text = "\n".join(
        [
            BODY,
            "RELATED STORIES",
            "Wildfire smoke forecast to reach two cities by weekend",
            "Government pledges more water bombers for the west",
            "Crews worked through the night to hold the fire line.",
        ]
    )
    stripped = strip(text)
    assert stripped.text.text == f"{BODY}\nCrews worked through the night to hold the fire line."
    assert {r.rule for r in stripped.removals} == {"related"}
    assert len(stripped.removals) == 3


def test_headlines_under_a_german_teaser_header_go_with_it() -> None:
    text = "\n".join(
        [
            BODY,
            "Empfohlene Beiträge",
            "Process Mining und Verhaltensvielfalt miteinander versöhnen",
            "Die Kasse zahlt künftig auch für digitale Anwendungen.",
        ]
    )
    stripped = strip(text)
    assert stripped.text.text == f"{BODY}\nDie Kasse zahlt künftig auch für digitale Anwendungen."
    assert [r.rule for r in stripped.removals] == ["read-also-intl", "read-also-intl"]


def test_a_related_line_with_its_headline_does_not_open_a_list() -> None:
    text = f"{BODY}\nRelated: Central bank holds rates\nMarket reaction in three charts"
    assert strip(text).text.text == f"{BODY}\nMarket reaction in three charts"


def test_disabled_rule_is_not_applied() -> None:
    rules = RuleSet.from_dict(RULES_DATA, disabled=["watch"])
    assert strip(f"{BODY}\nWATCH: The launch", rules).removals == []


def test_per_source_section_disables_and_adds_rules() -> None:
    data = {
        **RULES_DATA,
        "sources": {
            "example.com": {
                "disable": ["advertisement"],
                "rules": [{"id": "example-promo", "pattern": "Example Plus: .*"}],
            }
        },
    }
    rules = RuleSet.from_dict(data)
    text = f"{BODY}\nAdvertisement\nExample Plus: try it free"
    for source in ("example.com", "www.example.com", "news.example.com"):
        stripped = strip(text, rules.for_source(source))
        assert stripped.text.text == f"{BODY}\nAdvertisement"
        assert [r.rule for r in stripped.removals] == ["example-promo"]
    # Other sources keep the defaults.
    assert [r.rule for r in strip(text, rules.for_source("other.org")).removals] == [
        "advertisement"
    ]


def test_rules_path_and_disabled_rules_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custom = {
        "rules": [
            {"id": "promo", "pattern": "Buy now.*"},
            {"id": "advertisement", "pattern": "Advertisement"},
            {"id": "watch", "pattern": "Watch:.*"},
        ],
        "sources": {"shop.example": {"disable": ["promo"]}},
    }
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(custom), encoding="utf-8")
    monkeypatch.setenv("WIREFEED_BOILERPLATE_RULES_PATH", str(path))
    monkeypatch.setenv("WIREFEED_DISABLED_RULES", "advertisement, watch")
    rules = load_rules(Settings(_env_file=None))
    assert [r.id for r in rules.rules] == ["promo"]
    assert rules.for_source("shop.example").rules == ()


def test_author_bio_goes_only_at_the_end_of_the_story() -> None:
    bio = "Jane Doe is a senior reporter at Example News covering energy and climate."
    assert [r.rule for r in strip(f"{BODY}\n{BODY}\n{bio}").removals] == ["author-bio"]
    # The same sentence high up in a story is part of it.
    early = strip(f"{bio}\n{BODY}\n{BODY}\n{BODY}\n{BODY}")
    assert early.removals == [] and bio in early.text.text


def test_profile_card_glued_into_a_sentence_is_cut_and_audited() -> None:
    line = (
        "South Dakota Gov. Kristi NoemKristi Lynn NoemSouth Dakota governor signs bill on ballot "
        "measuresTrump says he will campaign in the stateMORE (R) on Tuesday signed the bill."
    )
    text = f"{BODY}\n{line}"
    stripped = strip(text)
    assert stripped.text.text.split("\n")[1] == (
        "South Dakota Gov. Kristi Noem (R) on Tuesday signed the bill."
    )
    (removal,) = stripped.removals
    assert removal.rule == "profile-card"
    assert text[removal.raw_start : removal.raw_end] == removal.text
    assert removal.text.startswith("Kristi Lynn Noem") and removal.text.endswith("MORE")


def test_suspect_line_is_reported_not_removed() -> None:
    from services.enrich.pipeline.boilerplate import suspect_lines

    prompt = "Use promo code SAVE20 at checkout"
    stripped = strip(f"{BODY}\n{prompt}")
    assert prompt in stripped.text.text
    assert suspect_lines(stripped.text.text, RULES) == [("prompt", prompt)]


@pytest.mark.parametrize(
    ("suspect_id", "example"),
    [(s["id"], e) for s in RULES_DATA.get("suspects", ()) for e in s.get("examples", ())],
)
def test_suspect_matches_its_examples(suspect_id: str, example: str) -> None:
    found = RULES.suspect(example)
    assert found is not None and found.id == suspect_id
