"""The hand-labelled development set: eval/devset/*.json, one article per file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEVSET_DIR = Path(__file__).parent / "devset"
SCORED_LABELS = ("PERSON", "ORG", "GPE", "LOC")


@dataclass(frozen=True, slots=True)
class DevArticle:
    id: str
    source: str | None
    title: str | None
    text: str  # as submitted
    boilerplate_lines: tuple[str, ...]
    credit_lines: tuple[str, ...]
    entities: dict[str, tuple[str, ...]]  # label -> gold surface forms

    @property
    def body_lines(self) -> list[str]:
        """Every non-empty submitted line that is neither boilerplate nor a credit."""
        not_body = set(self.boilerplate_lines) | set(self.credit_lines)
        return [line for line in self.text.split("\n") if line.strip() and line not in not_body]


def load_devset(directory: Path = DEVSET_DIR) -> list[DevArticle]:
    articles = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        articles.append(
            DevArticle(
                id=data["id"],
                source=data.get("source"),
                title=data.get("title"),
                text=data["text"],
                boilerplate_lines=tuple(data.get("boilerplate_lines", ())),
                credit_lines=tuple(data.get("credit_lines", ())),
                entities={label: tuple(data["entities"].get(label, ())) for label in SCORED_LABELS},
            )
        )
    return articles
