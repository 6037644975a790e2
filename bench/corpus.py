"""A deterministic corpus of realistic news articles, 300-1,500 words, built from the team's
development set and the seed articles by recombining their paragraphs.

Each variant keeps one article's lead and title (so it reads like one story), then appends body
paragraphs from other articles until it reaches a target length drawn uniformly from the range.
The boilerplate lines the sources carry ("Read also| ...") come along, so the pipeline has real
stripping work to do. Nothing is stored: the same seed gives the same corpus.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEVSET_DIR = REPO / "eval" / "devset"
SEEDS_DIR = REPO / "seeds"


@dataclass(frozen=True, slots=True)
class BenchArticle:
    key: str
    source: str | None
    title: str | None
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())

    def as_ingest(self, *, salt: str = "") -> dict[str, object]:
        """The article as a producer would POST it; `salt` makes its dedupe key unique."""
        return {
            "source": self.source,
            "external_id": f"{self.key}{salt}",
            "title": self.title,
            "text": self.text,
        }


def _originals() -> list[tuple[str | None, str | None, list[str]]]:
    found = []
    for path in sorted(DEVSET_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append((data.get("source"), data.get("title"), _paragraphs(data["text"])))
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        found.append((None, None, _paragraphs(path.read_text(encoding="utf-8"))))
    return found


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def build_corpus(
    size: int = 300, *, min_words: int = 300, max_words: int = 1500, seed: int = 5
) -> list[BenchArticle]:
    rng = random.Random(seed)
    originals = _originals()
    pool = [p for _, _, paragraphs in originals for p in paragraphs[1:]]
    corpus = []
    for number in range(size):
        source, title, paragraphs = originals[number % len(originals)]
        target = rng.randint(min_words, max_words)
        body = list(paragraphs)
        words = sum(len(p.split()) for p in body)
        while words < target:
            paragraph = rng.choice(pool)
            body.insert(rng.randint(1, len(body)), paragraph)
            words += len(paragraph.split())
        while words > max_words and len(body) > 2:
            words -= len(body.pop(rng.randint(1, len(body) - 1)).split())
        corpus.append(BenchArticle(f"bench-{seed}-{number:05d}", source, title, "\n".join(body)))
    return corpus


if __name__ == "__main__":
    articles = build_corpus()
    sizes = sorted(a.words for a in articles)
    print(
        f"{len(articles)} articles, {sum(sizes)} words, min {sizes[0]}, "
        f"median {sizes[len(sizes) // 2]}, max {sizes[-1]}"
    )
