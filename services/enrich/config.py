"""Build the pipeline's configuration from settings: rules, aliases, the spaCy model and the
language detector (I/O)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from services.enrich.language_detector import load_language_detector
from services.enrich.pipeline import PipelineConfig, RuleSet
from shared.aliases import load_aliases
from shared.settings import Settings

PACKAGED_RULES = Path(__file__).parent / "pipeline" / "data" / "boilerplate_rules.json"
PACKAGED_GIVEN_NAMES = Path(__file__).parent / "pipeline" / "data" / "given_names.txt"
# Generated from maintained packages by `python -m eval.build_given_names`.
PACKAGED_MORE_GIVEN_NAMES = Path(__file__).parent / "pipeline" / "data" / "given_names_more.txt"
PACKAGED_NOT_NAMES = Path(__file__).parent / "pipeline" / "data" / "not_names.txt"
# Components NER does not need: en_core_web_sm's NER carries its own token-to-vector layer.
NER_ONLY_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


def load_rules(settings: Settings) -> RuleSet:
    with open(settings.boilerplate_rules_path or PACKAGED_RULES, encoding="utf-8") as handle:
        return RuleSet.from_dict(json.load(handle), disabled=settings.disabled_rules)


def load_word_list(path: Path) -> frozenset[str]:
    """One entry per line; blank lines and # comments ignored."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(s for line in lines if (s := line.strip()) and not s.startswith("#"))


def load_model(name: str) -> Any:
    import spacy  # heavy: imported only by processes that tag

    return spacy.load(name, exclude=NER_ONLY_EXCLUDE)


def load_pipeline_config(settings: Settings) -> PipelineConfig:
    return PipelineConfig(
        rules=load_rules(settings),
        aliases=load_aliases(settings.aliases_path),
        nlp=load_model(settings.spacy_model),
        language_detector=load_language_detector(),
        given_names=load_word_list(PACKAGED_GIVEN_NAMES)
        | load_word_list(PACKAGED_MORE_GIVEN_NAMES),
        not_names=load_word_list(PACKAGED_NOT_NAMES),
    )
