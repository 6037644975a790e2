"""Scores shared by the harness and the quality-floor tests.

Entities are scored per article as the set of distinct (surface form, label) pairs, surfaces
normalised the same way for every system, against the gold surface forms.
Boilerplate is scored per line: a line survives if it is still a whole line of the clean text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from eval.devset import SCORED_LABELS, DevArticle

_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$")
_EDGE = "\"“”‘’'`()[]{},;:.!?*|-–— "

Pair = tuple[str, str]  # (normalised surface, label)


def normalise_surface(surface: str) -> str:
    # Invisible format characters (a page's soft hyphens) are not part of the name: the
    # pipeline's cleaning drops them, a label copied from the page keeps them.
    surface = "".join(ch for ch in surface if unicodedata.category(ch) != "Cf")
    text = " ".join(surface.split()).strip(_EDGE)
    text = _LEADING_THE.sub("", text)
    if _POSSESSIVE.search(text):
        text = text[:-1] if text.endswith("s'") or text.endswith("s’") else text[:-2]
    return text.strip(_EDGE)


def normalise_line(line: str) -> str:
    return " ".join(html.unescape(line).split())


def pairs(mentions: Iterable[tuple[str, str]]) -> set[Pair]:
    """Distinct normalised (surface, label) pairs, scored labels only."""
    return {
        (norm, label)
        for surface, label in mentions
        if label in SCORED_LABELS and (norm := normalise_surface(surface))
    }


def gold_pairs(article: DevArticle) -> set[Pair]:
    return pairs((s, label) for label, surfaces in article.entities.items() for s in surfaces)


def wirefeed_mentions(enriched: Mapping) -> list[tuple[str, str]]:
    """(surface, label) of every mention in a `to_dict()` record: what a consumer sees."""
    return [(m["text"], m["label"]) for e in enriched["entities"] for m in e["mentions"]]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class EntityScore:
    by_label: dict[str, Counts] = field(
        default_factory=lambda: {label: Counts() for label in SCORED_LABELS}
    )
    errors: list[tuple[str, str, Pair]] = field(default_factory=list)  # (article, "fp"/"fn", pair)

    def add_article(self, article_id: str, predicted: set[Pair], gold: set[Pair]) -> None:
        for label in SCORED_LABELS:
            p = {x for x in predicted if x[1] == label}
            g = {x for x in gold if x[1] == label}
            self.by_label[label].add(Counts(len(p & g), len(p - g), len(g - p)))
            self.errors += [(article_id, "fp", x) for x in sorted(p - g)]
            self.errors += [(article_id, "fn", x) for x in sorted(g - p)]

    @property
    def micro(self) -> Counts:
        total = Counts()
        for counts in self.by_label.values():
            total.add(counts)
        return total


@dataclass(slots=True)
class BoilerplateScore:
    boilerplate_lines: int = 0
    leaked: list[str] = field(default_factory=list)
    body_lines: int = 0
    lost: list[str] = field(default_factory=list)
    credit_lines: int = 0
    credits_moved: int = 0

    def add_article(self, article: DevArticle, clean_text: str, credits: list[str]) -> None:
        clean_lines = {normalise_line(line) for line in clean_text.split("\n")}
        credit_texts = {normalise_line(c) for c in credits}
        self.boilerplate_lines += len(article.boilerplate_lines)
        self.leaked += [b for b in article.boilerplate_lines if normalise_line(b) in clean_lines]
        body = article.body_lines
        self.body_lines += len(body)
        self.lost += [b for b in body if normalise_line(b) not in clean_lines]
        self.credit_lines += len(article.credit_lines)
        self.credits_moved += sum(normalise_line(c) in credit_texts for c in article.credit_lines)

    @property
    def leak_rate(self) -> float:
        return len(self.leaked) / self.boilerplate_lines if self.boilerplate_lines else 0.0

    @property
    def keep_rate(self) -> float:
        return 1 - len(self.lost) / self.body_lines if self.body_lines else 1.0
