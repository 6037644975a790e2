"""The linker's decision, pure: a surname alone joins the one store PERSON that is frequent and
recent; stale or infrequent ones neither join nor make it ambiguous; the record says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.enrich.entity_links import Candidate, LinkPolicy, decide_link
from shared.entity_links import labels_compatible
from shared.reenrich_jobs import Selector

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
POLICY = LinkPolicy(min_articles=2, recent_days=180)


def seen(
    days_ago: float, entity_id: int = 1, name: str = "Donald Trump", count: int = 5
) -> Candidate:
    return Candidate(entity_id, name, count, NOW - timedelta(days=days_ago))


def test_one_recent_frequent_full_name_is_joined() -> None:
    link = decide_link("Trump", "PERSON", [seen(3)], seen_at=NOW, policy=POLICY)
    assert link is not None and link.entity_id == 1 and link.label == "PERSON"
    assert "'Donald Trump' (5 articles, last seen 2026-11-27)" in link.reason


def test_a_full_name_not_seen_within_the_window_is_not_joined() -> None:
    link = decide_link("Trump", "PERSON", [seen(181)], seen_at=NOW, policy=POLICY)
    assert link is not None and link.entity_id is None
    assert "not named within 180 days" in link.reason and "2026-06-02" in link.reason


def test_the_window_is_counted_back_from_the_article_not_from_today() -> None:
    """An archive article from a year ago links to what was current then."""
    year_ago = NOW - timedelta(days=365)
    stale_then = Candidate(1, "Donald Trump", 5, year_ago - timedelta(days=200))
    current_then = Candidate(1, "Donald Trump", 5, year_ago - timedelta(days=10))
    stale = decide_link("Trump", "PERSON", [stale_then], seen_at=year_ago, policy=POLICY)
    current = decide_link("Trump", "PERSON", [current_then], seen_at=year_ago, policy=POLICY)
    assert stale is not None and stale.entity_id is None
    assert current is not None and current.entity_id == 1


def test_stale_and_infrequent_namesakes_do_not_make_it_ambiguous() -> None:
    candidates = [
        seen(2, 1, "Donald Trump"),
        seen(900, 2, "Fred Trump"),  # last named long ago
        seen(1, 3, "Ivana Trump", count=1),  # one article: not yet a safe target
    ]
    link = decide_link("Trump", "PERSON", candidates, seen_at=NOW, policy=POLICY)
    assert link is not None and link.entity_id == 1


def test_two_recent_frequent_namesakes_are_ambiguous() -> None:
    candidates = [seen(2, 1, "Boris Johnson"), seen(5, 2, "Magic Johnson")]
    link = decide_link("Johnson", "PERSON", candidates, seen_at=NOW, policy=POLICY)
    assert link is not None and link.entity_id is None and "ambiguous" in link.reason
    # Read as an ORG by the model, an ambiguous surname simply stays that ORG, said nothing of.
    assert decide_link("Johnson", "ORG", candidates, seen_at=NOW, policy=POLICY) is None


def test_a_surname_the_model_called_an_org_joins_the_person() -> None:
    link = decide_link("Trump", "ORG", [seen(1)], seen_at=NOW, policy=POLICY)
    assert link is not None and link.entity_id == 1 and link.label == "PERSON"
    assert "(model said ORG)" in link.reason


def test_nothing_to_say_without_a_frequent_full_name() -> None:
    assert decide_link("Trump", "PERSON", [], seen_at=NOW, policy=POLICY) is None
    lone = [seen(1, count=1)]
    assert decide_link("Trump", "PERSON", lone, seen_at=NOW, policy=POLICY) is None


def test_the_policy_is_a_setting() -> None:
    wide = LinkPolicy(min_articles=1, recent_days=1000)
    assert decide_link("Trump", "PERSON", [seen(900, count=1)], seen_at=NOW, policy=wide)


def test_naive_datetimes_from_sqlite_read_as_utc() -> None:
    naive = Candidate(1, "Donald Trump", 5, (NOW - timedelta(days=1)).replace(tzinfo=None))
    link = decide_link("Trump", "PERSON", [naive], seen_at=NOW, policy=POLICY)
    assert link is not None and link.entity_id == 1


def test_person_and_org_are_one_kind_for_names() -> None:
    assert labels_compatible("ORG", "PERSON") and labels_compatible("GPE", "GPE")
    assert not labels_compatible("GPE", "PERSON")


def test_a_correction_job_selector_survives_storage() -> None:
    selector = Selector(entities=(4,), record_entity=4, linked_only=True, names=("trump",))
    assert Selector.of(selector.as_dict()) == selector
    assert Selector.of({"stale": True, "since": "2026-01-01T00:00:00+00:00"}).since is not None
