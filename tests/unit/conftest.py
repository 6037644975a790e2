"""Unit fixtures: the pipeline configuration and spaCy models, loaded once per session."""

from __future__ import annotations

from typing import Any

import pytest

from services.enrich.config import load_pipeline_config
from services.enrich.pipeline import PipelineConfig
from shared.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Packaged defaults only: a developer's .env must not change what the unit tests check.
    return Settings(_env_file=None)


@pytest.fixture(scope="session")
def pipeline_config(settings: Settings) -> PipelineConfig:
    return load_pipeline_config(settings)


@pytest.fixture(scope="session")
def bare_nlp(settings: Settings) -> Any:
    """The model as shipped, full default pipeline: what wirefeed is compared against."""
    import spacy

    return spacy.load(settings.spacy_model)
