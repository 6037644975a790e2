"""The values that flow through the pipeline. Plain data: no I/O, no ORM objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class SubmittedDocument:
    """An article as a producer sent it: `text` or `html`."""

    text: str | None = None
    html: str | None = None
    title: str | None = None
    source: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if (self.text is None) == (self.html is None):
            raise ValueError("a document needs exactly one of text or html")


@dataclass(frozen=True, slots=True)
class Removal:
    """A boilerplate line taken out of the body; the span is in the submitted text."""

    rule: str
    text: str
    raw_start: int
    raw_end: int


@dataclass(frozen=True, slots=True)
class Credit:
    """A wire credit line ("(Reporting by ...; Editing by ...)"): not body text, kept apart."""

    text: str
    raw_start: int
    raw_end: int


@dataclass(frozen=True, slots=True)
class Mention:
    text: str
    label: str  # the label after canonicalisation
    model_label: str  # what the model said, for audit
    start: int  # offsets into the clean text
    end: int
    raw_start: int  # offsets into the submitted text (the extracted text for HTML)
    raw_end: int


@dataclass(slots=True)
class EntityGroup:
    """One entity within one article: its canonical name and every mention of it."""

    name: str
    label: str
    mentions: list[Mention] = field(default_factory=list)
    salience: float = 0.0

    @property
    def count(self) -> int:
        return len(self.mentions)

    @property
    def first_offset(self) -> int:
        return min(m.start for m in self.mentions)

    @property
    def aliases(self) -> list[str]:
        return sorted({m.text for m in self.mentions})


@dataclass(frozen=True, slots=True)
class Extracted:
    """Text to enrich plus the page metadata HTML extraction found."""

    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO 8601, with a time and offset when the page gives them
    url: str | None = None  # canonical URL
    site_name: str | None = None
    description: str | None = None
    extraction: str | None = None  # which extraction pass was kept (HTML only)
    candidate_chars: dict[str, int] = field(default_factory=dict)  # per pass, for audit
    standfirst_added: bool = False  # the page's shown description was put before the text
    # Line key -> rule id: lines the page shows only in furniture blocks (blocks.py).
    furniture: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class EnrichedDocument:
    clean_text: str
    source_text: str  # the text offsets called "raw" refer to: as submitted, or extracted from HTML
    removals: list[Removal]
    credits: list[Credit]
    entities: list[EntityGroup]
    language: str | None
    language_confidence: float | None
    entities_skipped_reason: str | None
    metadata: dict[str, Any]
    stats: dict[str, Any]
    # Quality flags (see pipeline/quality.py, docs/quality.md) and what triggered each.
    quality: list[str] = field(default_factory=list)
    quality_detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, include_source_text: bool = False) -> dict[str, Any]:
        """JSON-ready form, used for storage, the API and `wirefeed enrich`."""
        data: dict[str, Any] = {
            "clean_text": self.clean_text,
            "language": self.language,
            "language_confidence": self.language_confidence,
            "entities_skipped_reason": self.entities_skipped_reason,
            "metadata": self.metadata,
            "quality": self.quality,
            "quality_detail": self.quality_detail,
            "removals": [asdict(r) for r in self.removals],
            "credits": [asdict(c) for c in self.credits],
            "entities": [
                {
                    "name": e.name,
                    "label": e.label,
                    "count": e.count,
                    "first_offset": e.first_offset,
                    "salience": e.salience,
                    "aliases": e.aliases,
                    "mentions": [asdict(m) for m in e.mentions],
                }
                for e in self.entities
            ],
            "stats": self.stats,
        }
        if include_source_text:
            data["source_text"] = self.source_text
        return data
