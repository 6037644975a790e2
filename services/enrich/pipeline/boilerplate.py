"""Strip in-text boilerplate lines ("Read also| ...", "Advertisement", ...) and set aside credits.

The rules are data (see data/boilerplate_rules.json): each has an id, a pattern matched against a
whole line, a length cap (a long paragraph is never boilerplate) and examples that tests check.
Two optional parts of a rule handle what one line cannot:

- `list_header`: a header line ("RELATED STORIES") whose list of headlines follows on the next
  lines; those headline-like lines go too, under the same rule id.
- `trailing` (credit rules): a credit appended to the last sentence of a paragraph
  ("... he said. (Reporting by X)") is split off and moved to `credits`, the sentence stays.
- `tail_lines`: the rule only applies to the last N lines of the text (author bios, tip lines:
  the same sentence higher up is part of the story); `head_lines` likewise to the first N
  (bylines and datelines: the page's furniture above the lede).
- `names_beside`: a line that is only a name, just above or below a line the rule removed, goes
  with it ("Article by" / "Kareem Smith"; "PETER CHRISTOPHER" / "peter@paper.tt").
- kind `inline`: the pattern is searched inside a line and only the match (its `cut` group if
  it has one) is removed: a pop-up profile card glued into a sentence.

`suspects` (same file) are weaker patterns that remove nothing: a kept line matching one is
reported, so the record can say it may still hold a prompt or teaser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.enrich.pipeline.blocks import line_key
from services.enrich.pipeline.document import Credit, Removal
from services.enrich.pipeline.textmap import TextMap

DEFAULT_MAX_CHARS = 300
# A headline in a related-stories list: short, no sentence-final punctuation, not a quote.
_HEADLINE_MAX_CHARS = 150
_HEADLINE_MAX_LINES = 8
_SENTENCE_END = tuple('.!?"”’:;,)')
_QUOTE_START = tuple("\"“‘'")
# A line that is only a person's name, as bylines set it: two to four capitalised words.
_BARE_NAME = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|da|del|al|bin)){1,3}")
_BARE_NAME_MAX_CHARS = 40


def _bare_name(line: str) -> bool:
    return len(line) <= _BARE_NAME_MAX_CHARS and _BARE_NAME.fullmatch(line.strip()) is not None


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern, re.IGNORECASE) if pattern else None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    pattern: re.Pattern[str]
    max_chars: int = DEFAULT_MAX_CHARS
    kind: str = "boilerplate"  # or "credit": moved to `credits` instead of dropped
    description: str = ""
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()
    list_header: re.Pattern[str] | None = None
    trailing: re.Pattern[str] | None = None
    tail_lines: int | None = None
    head_lines: int | None = None
    names_beside: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        trailing = data.get("trailing")
        return cls(
            id=data["id"],
            pattern=re.compile(data["pattern"], re.IGNORECASE),
            max_chars=int(data.get("max_chars", DEFAULT_MAX_CHARS)),
            kind=data.get("kind", "boilerplate"),
            description=data.get("description", ""),
            examples=tuple(data.get("examples", ())),
            counterexamples=tuple(data.get("counterexamples", ())),
            list_header=_compile(data.get("list_header")),
            # Only after the end of a sentence, so a credit never cuts one in half.
            trailing=_compile(rf"(?<=[.!?\"”’])\s+(?:{trailing})\s*$" if trailing else None),
            tail_lines=data.get("tail_lines"),
            head_lines=data.get("head_lines"),
            names_beside=data.get("names_beside", False),
        )

    def matches(self, line: str, *, lines_before: int = 0, lines_after: int = 0) -> bool:
        """Whole-line match; `lines_before`/`lines_after`: how many lines of the text come
        before and after this one."""
        if self.kind == "inline":
            return False
        if self.tail_lines is not None and lines_after >= self.tail_lines:
            return False
        if self.head_lines is not None and lines_before >= self.head_lines:
            return False
        return len(line) <= self.max_chars and self.pattern.fullmatch(line) is not None

    def inline_spans(self, line: str) -> list[tuple[int, int]]:
        """For an inline rule: the spans of the line to cut."""
        if self.kind != "inline":
            return []
        spans = []
        for found in self.pattern.finditer(line):
            group = "cut" if "cut" in self.pattern.groupindex else 0
            start, end = found.span(group)
            if 0 <= start < end and end - start <= self.max_chars:
                spans.append((start, end))
        return spans

    def starts_list(self, line: str) -> bool:
        return self.list_header is not None and self.list_header.fullmatch(line) is not None

    def trailing_start(self, line: str) -> int | None:
        """Where a credit appended to this line begins, if there is one."""
        found = self.trailing.search(line) if self.trailing else None
        return found.start() if found else None


@dataclass(frozen=True, slots=True)
class Suspect:
    """A line pattern that removes nothing but makes a kept line worth a warning."""

    id: str
    pattern: re.Pattern[str]
    max_chars: int = DEFAULT_MAX_CHARS

    def matches(self, line: str) -> bool:
        return len(line) <= self.max_chars and self.pattern.search(line) is not None


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    # Rule sets for sources with their own adjustments, keyed by domain ("example.com").
    per_source: Mapping[str, RuleSet] = field(default_factory=dict)
    suspects: tuple[Suspect, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, disabled: Iterable[str] = ()) -> RuleSet:
        """Rules from the data file, minus the ones switched off. Per-source sections:
        {"sources": {"example.com": {"disable": ["watch"], "rules": [{...}]}}}."""
        off = set(disabled)
        rules = tuple(Rule.from_dict(r) for r in data["rules"] if r["id"] not in off)
        suspects = tuple(
            Suspect(s["id"], re.compile(s["pattern"], re.IGNORECASE), int(s["max_chars"]))
            for s in data.get("suspects", ())
        )
        per_source = {}
        for source, adjust in data.get("sources", {}).items():
            source_off = off | set(adjust.get("disable", ()))
            extra = tuple(Rule.from_dict(r) for r in adjust.get("rules", ()) if r["id"] not in off)
            kept = tuple(r for r in rules if r.id not in source_off)
            per_source[_domain(source)] = cls(kept + extra, suspects=suspects)
        return cls(rules, per_source, suspects)

    def for_source(self, source: str | None) -> RuleSet:
        """The rules for a source: its own section, or its parent domain's ("www.example.com"
        and "news.example.com" use "example.com"), or the defaults."""
        domain = _domain(source or "")
        while domain:
            if domain in self.per_source:
                return self.per_source[domain]
            _, _, domain = domain.partition(".")
        return self

    def match(self, line: str, *, lines_before: int = 0, lines_after: int = 0) -> Rule | None:
        for rule in self.rules:
            if rule.matches(line, lines_before=lines_before, lines_after=lines_after):
                return rule
        return None

    def inline_cuts(self, line: str) -> list[tuple[Rule, int, int]]:
        """Inline rules' spans in this line, in order, never overlapping."""
        cuts = sorted(
            ((start, end, rule) for rule in self.rules for start, end in rule.inline_spans(line)),
            key=lambda cut: (cut[0], -cut[1]),
        )
        kept: list[tuple[Rule, int, int]] = []
        for start, end, rule in cuts:
            if not kept or start >= kept[-1][2]:
                kept.append((rule, start, end))
        return kept

    def suspect(self, line: str) -> Suspect | None:
        return next((s for s in self.suspects if s.matches(line)), None)

    def trailing_credit(self, line: str) -> tuple[Rule, int] | None:
        """The credit rule and where its credit begins, if one is appended to this line."""
        for rule in self.rules:
            if rule.kind == "credit" and (start := rule.trailing_start(line)) is not None:
                return rule, start
        return None


def _domain(source: str) -> str:
    return source.strip().casefold().removeprefix("www.")


def _looks_like_headline(line: str) -> bool:
    text = line.strip()
    return (
        0 < len(text) <= _HEADLINE_MAX_CHARS
        and not text.endswith(_SENTENCE_END)
        and not text.startswith(_QUOTE_START)
        and len(text.split()) >= 3
    )


@dataclass(frozen=True, slots=True)
class Stripped:
    text: TextMap
    removals: list[Removal]
    credits: list[Credit]


@dataclass(slots=True)
class _Stripper:
    cleaned: TextMap
    # Per kept line: the spans of it that stay, and where the line ends.
    kept: list[tuple[list[tuple[int, int]], int]] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)

    def remove(self, rule: Rule, start: int, end: int) -> None:
        self.remove_as(rule.id, start, end, credit=rule.kind == "credit")

    def take_name_above(self, rule: Rule, line_start: int) -> None:
        """The line kept just before `line_start`, when it is only a name, goes under `rule`."""
        if not self.kept:
            return
        pieces, end = self.kept[-1]
        if end != line_start - 1 or len(pieces) != 1:
            return
        start, kept_end = pieces[0]
        if kept_end == end and _bare_name(self.cleaned.text[start:end]):
            self.kept.pop()
            self.remove(rule, start, end)

    def remove_as(self, rule_id: str, start: int, end: int, *, credit: bool = False) -> None:
        raw_start, raw_end = self.cleaned.raw_span(start, end)
        text = self.cleaned.text[start:end]
        if credit:
            self.credits.append(Credit(text=text, raw_start=raw_start, raw_end=raw_end))
        else:
            self.removals.append(Removal(rule_id, text, raw_start, raw_end))


def strip_boilerplate(
    cleaned: TextMap, rules: RuleSet, furniture: Mapping[str, str] | None = None
) -> Stripped:
    """Drop every line a rule matches; keep the rest, one paragraph per line. `furniture`: line
    key (blocks.line_key) -> rule id, the lines an HTML page shows only in page furniture
    (blocks.py); they go first, under that id."""
    state = _Stripper(cleaned)
    open_list: Rule | None = None  # the rule whose headline list we are inside
    listed = 0
    name_rule: Rule | None = None  # a byline line was removed: a name just below goes too
    position = 0
    lines = cleaned.text.split("\n")
    for index, line in enumerate(lines):
        start, end = position, position + len(line)
        position = end + 1
        if furniture and (block_rule := furniture.get(line_key(line))) is not None:
            state.remove_as(block_rule, start, end)
            continue
        if open_list is not None and listed < _HEADLINE_MAX_LINES and _looks_like_headline(line):
            state.remove(open_list, start, end)
            listed += 1
            continue
        open_list = None
        if name_rule is not None and _bare_name(line):
            state.remove(name_rule, start, end)
            name_rule = None
            continue
        name_rule = None
        rule = rules.match(line, lines_before=index, lines_after=len(lines) - 1 - index)
        if rule is not None:
            if rule.names_beside:
                state.take_name_above(rule, start)
                name_rule = rule
            state.remove(rule, start, end)
            if rule.starts_list(line):
                open_list, listed = rule, 0
            continue
        keep_end = end
        appended = rules.trailing_credit(line)
        if appended is not None:
            credit_rule, cut = appended
            gap = len(line[cut:]) - len(line[cut:].lstrip())
            state.remove(credit_rule, start + cut + gap, end)
            keep_end = start + cut
        state.kept.append((_cut_inline(state, rules, start, keep_end), end))
    return Stripped(_join_lines(cleaned, state.kept), state.removals, state.credits)


def _cut_inline(state: _Stripper, rules: RuleSet, start: int, end: int) -> list[tuple[int, int]]:
    """The pieces of [start, end) left once inline rules' spans are removed (and recorded)."""
    pieces = []
    piece_start = start
    for rule, cut_start, cut_end in rules.inline_cuts(state.cleaned.text[start:end]):
        state.remove(rule, start + cut_start, start + cut_end)
        pieces.append((piece_start, start + cut_start))
        piece_start = start + cut_end
    pieces.append((piece_start, end))
    return pieces


def _join_lines(cleaned: TextMap, lines: list[tuple[list[tuple[int, int]], int]]) -> TextMap:
    """Kept lines, each followed by the newline that ended it (but the last)."""
    spans: list[tuple[int, int]] = []
    for index, (pieces, line_end) in enumerate(lines):
        spans.extend(pieces)
        if index < len(lines) - 1:
            spans.append((line_end, line_end + 1))
    return cleaned.keep([(a, b) for a, b in spans if b > a])


def suspect_lines(text: str, rules: RuleSet) -> list[tuple[str, str]]:
    """(suspect id, line) for every kept line that looks like a prompt or teaser."""
    found = []
    for line in text.split("\n"):
        suspect = rules.suspect(line)
        if suspect is not None:
            found.append((suspect.id, line))
    return found
