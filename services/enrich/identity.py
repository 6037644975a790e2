"""What produced an enrichment: the pipeline's code version, the model, and hashes of the data
it was configured with. Stored on every record (`pipeline`), so `wirefeed reenrich --stale` can
find the records an edit of the rules, the aliases or the model left behind.

Computed from files and package metadata only (no model load), so the `wirefeed reenrich`
command and every worker agree on it cheaply.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from services.enrich.config import (
    PACKAGED_CITIES,
    PACKAGED_GIVEN_NAMES,
    PACKAGED_MORE_GIVEN_NAMES,
    PACKAGED_NOT_NAMES,
    PACKAGED_RULES,
)
from shared.aliases import PACKAGED_ALIASES
from shared.settings import Settings

# Bump when a change to the pipeline's code changes what it produces for the same input.
PIPELINE_VERSION = "7"  # 2: HTML fallbacks only on short pages; 3: standfirst, known cities;
# 4: lines shown only in page furniture blocks removed (blocks.py); 5: given name joined to its
# surname, person evidence from the article (mention_rules.py, label_evidence.py); 6: captions,
# pull quotes and the kept headline removed, laws not organisations, capitalised common words
# dropped, datelines and news desks (mention_rules.py); 7: bylines and datelines above the
# lede, slide counters, the headline with a byline run on; known names joined by "and",
# names after titles only people bear


@dataclass(frozen=True, slots=True)
class PipelineIdentity:
    version: str
    model: str
    model_version: str
    rules_hash: str
    aliases_hash: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @property
    def hash(self) -> str:
        """One short value for the whole identity, indexed on the article row."""
        canonical = json.dumps(self.as_dict(), sort_keys=True).encode()
        return hashlib.sha256(canonical).hexdigest()[:16]


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def _model_version(model: str) -> str:
    for distribution in (model, model.replace("_", "-")):
        try:
            return version(distribution)
        except PackageNotFoundError:
            continue
    return "unknown"


def pipeline_identity(settings: Settings) -> PipelineIdentity:
    rules_path = settings.boilerplate_rules_path or PACKAGED_RULES
    disabled = ",".join(sorted(settings.disabled_rules)).encode()
    return PipelineIdentity(
        version=PIPELINE_VERSION,
        model=settings.spacy_model,
        model_version=_model_version(settings.spacy_model),
        # The rules as configured, and the name lists the entity rules read.
        rules_hash=_digest(
            Path(rules_path).read_bytes(),
            disabled,
            PACKAGED_GIVEN_NAMES.read_bytes(),
            PACKAGED_MORE_GIVEN_NAMES.read_bytes(),
            PACKAGED_NOT_NAMES.read_bytes(),
            PACKAGED_CITIES.read_bytes(),
        ),
        aliases_hash=_digest(Path(settings.aliases_path or PACKAGED_ALIASES).read_bytes()),
    )
