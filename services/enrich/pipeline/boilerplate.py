"""Strip in-text boilerplate lines ("Read also| ...", "Advertisement", ...) and set aside credits.

The rules are data (see data/boilerplate_rules.json): each has an id, a pattern matched against a
whole line, a length cap (a long paragraph is never boilerplate) and examples that tests check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.enrich.pipeline.document import Credit, Removal
from services.enrich.pipeline.textmap import TextMap

DEFAULT_MAX_CHARS = 300


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    pattern: re.Pattern[str]
    max_chars: int = DEFAULT_MAX_CHARS
    kind: str = "boilerplate"  # or "credit": moved to `credits` instead of dropped
    description: str = ""
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        return cls(
            id=data["id"],
            pattern=re.compile(data["pattern"], re.IGNORECASE),
            max_chars=int(data.get("max_chars", DEFAULT_MAX_CHARS)),
            kind=data.get("kind", "boilerplate"),
            description=data.get("description", ""),
            examples=tuple(data.get("examples", ())),
            counterexamples=tuple(data.get("counterexamples", ())),
        )

    def matches(self, line: str) -> bool:
        return len(line) <= self.max_chars and self.pattern.fullmatch(line) is not None


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    # Per-source adjustments: {"example.com": {"disable": [...], "rules": [{...}, ...]}}
    per_source: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, disabled: Iterable[str] = ()) -> RuleSet:
        off = set(disabled)
        rules = tuple(Rule.from_dict(r) for r in data["rules"] if r["id"] not in off)
        return cls(rules=rules, per_source=data.get("sources", {}))

    def for_source(self, source: str | None) -> RuleSet:
        adjust = self.per_source.get(source or "")
        if not adjust:
            return self
        off = set(adjust.get("disable", ()))
        extra = tuple(Rule.from_dict(r) for r in adjust.get("rules", ()))
        return RuleSet(tuple(r for r in self.rules if r.id not in off) + extra, {})

    def match(self, line: str) -> Rule | None:
        for rule in self.rules:
            if rule.matches(line):
                return rule
        return None


@dataclass(frozen=True, slots=True)
class Stripped:
    text: TextMap
    removals: list[Removal]
    credits: list[Credit]


def strip_boilerplate(cleaned: TextMap, rules: RuleSet) -> Stripped:
    """Drop every line a rule matches; keep the rest, one paragraph per line."""
    kept: list[tuple[int, int]] = []
    removals: list[Removal] = []
    credits: list[Credit] = []
    position = 0
    for line in cleaned.text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        rule = rules.match(line)
        if rule is None:
            kept.append((start, end))
            continue
        raw_start, raw_end = cleaned.raw_span(start, end)
        if rule.kind == "credit":
            credits.append(Credit(text=line, raw_start=raw_start, raw_end=raw_end))
        else:
            removals.append(Removal(rule=rule.id, text=line, raw_start=raw_start, raw_end=raw_end))
    return Stripped(_join_lines(cleaned, kept), removals, credits)


def _join_lines(cleaned: TextMap, lines: list[tuple[int, int]]) -> TextMap:
    """Kept lines with the newline that followed each one, minus the last."""
    spans = [(start, end + 1) for start, end in lines[:-1]]
    if lines:
        spans.append(lines[-1])
    return cleaned.keep(spans)
