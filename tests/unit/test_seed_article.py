"""The seed article against its hand-labelled gold (tests/data/seed_gold.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.enrich.pipeline import EnrichedDocument, PipelineConfig, SubmittedDocument, enrich

ROOT = Path(__file__).parents[2]
GOLD = json.loads((ROOT / "tests" / "data" / "seed_gold.json").read_text(encoding="utf-8"))
SEED = (ROOT / "seeds" / "000_f0d86fc9665b4378.txt").read_text(encoding="utf-8")
GOLD_ENTITIES = [(label, e) for label, entities in GOLD["entities"].items() for e in entities]


@pytest.fixture(scope="module")
def seed(pipeline_config: PipelineConfig) -> EnrichedDocument:
    return enrich(SubmittedDocument(text=SEED), pipeline_config)


def _without_article(surface: str) -> str:
    return surface.removeprefix("The ").removeprefix("the ")


def test_boilerplate_lines_are_removed(seed: EnrichedDocument) -> None:
    assert [r.text for r in seed.removals] == GOLD["boilerplate_lines"]
    assert "Read also" not in seed.clean_text
    assert seed.clean_text.count("\n") + 1 == GOLD["body_paragraphs"]


@pytest.mark.parametrize("name", GOLD["must_have_minimum"])
def test_must_have_entity_is_present(seed: EnrichedDocument, name: str) -> None:
    assert name in {e.name for e in seed.entities}


@pytest.mark.parametrize("name", GOLD["must_not_appear"])
def test_entity_only_in_boilerplate_is_absent(seed: EnrichedDocument, name: str) -> None:
    assert name not in {e.name for e in seed.entities}
    assert all(name not in m.text for e in seed.entities for m in e.mentions)


@pytest.mark.parametrize(
    ("label", "gold"), GOLD_ENTITIES, ids=[e["name"] for _, e in GOLD_ENTITIES]
)
def test_gold_mentions_resolve_to_their_entity(
    seed: EnrichedDocument, label: str, gold: dict
) -> None:
    for surface in gold["mentions"]:
        owners = {
            (e.name, e.label)
            for e in seed.entities
            for m in e.mentions
            if m.text == _without_article(surface)
        }
        assert owners, f"{surface!r} is not tagged"
        # Where the gold allows it (a metonym, a capital), the surface may be its own entity.
        allowed = {(gold["name"], label)} | ({(surface, label)} if "note" in gold else set())
        assert owners <= allowed, f"{surface!r} resolves to {owners}"


def test_language_is_detected_as_english(seed: EnrichedDocument) -> None:
    assert seed.language == "en"
    assert seed.language_confidence is not None and seed.language_confidence > 0.9
    assert seed.entities_skipped_reason is None
