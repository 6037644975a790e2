"""The enrichment pipeline: pure functions, no database, no Celery, no settings."""

from services.enrich.pipeline.boilerplate import RuleSet
from services.enrich.pipeline.document import EnrichedDocument, SubmittedDocument
from services.enrich.pipeline.extract import ExtractionError
from services.enrich.pipeline.run import PipelineConfig, enrich, enrich_many

__all__ = [
    "EnrichedDocument",
    "ExtractionError",
    "PipelineConfig",
    "RuleSet",
    "SubmittedDocument",
    "enrich",
    "enrich_many",
]
