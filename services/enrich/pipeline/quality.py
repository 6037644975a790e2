"""Quality flags: what a consumer should know before trusting a record's clean text.

Every flag is explained in docs/quality.md. They are measured, never guessed from the source:

- no_article_found: an HTML page whose extracted text has only lines no article has (no line
  reads like prose: a menu "Home | About | Contact"); the text is then not enriched. (A page
  with no text at all still fails with "no article text could be extracted".)
- empty_after_cleaning: there was text, but every line was boilerplate.
- too_short: fewer than MIN_WORDS words of clean text.
- language_uncertain: the detector could not tell the language (too little text, or unsure).
- possible_boilerplate: a kept line looks like a prompt or teaser (the rules' `suspects`).
- truncated_extraction: the text stops mid-sentence: its last line is prose-length and ends
  without closing punctuation, or ends with an ellipsis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Quality(StrEnum):
    no_article_found = "no_article_found"
    empty_after_cleaning = "empty_after_cleaning"
    too_short = "too_short"
    language_uncertain = "language_uncertain"
    possible_boilerplate = "possible_boilerplate"
    truncated_extraction = "truncated_extraction"


MIN_WORDS = 40
# A line that reads like prose: this many words, or fewer ending like a sentence.
PROSE_LINE_WORDS = 15
SENTENCE_LINE_WORDS = 6
# An article has at least this many words in prose lines.
MIN_PROSE_WORDS = 12
# A last line at least this long that ends without closing punctuation was cut off.
CUT_LINE_CHARS = 80
_CLOSING = tuple('.!?"”’)»]:;')
_ELLIPSIS = ("...", "…", "[…]", "[...]")
_LIST_OR_TABLE = ("|", "-", "•", "*")


def _words(line: str) -> int:
    return len(line.split())


def _is_prose(line: str) -> bool:
    words = _words(line)
    return words >= PROSE_LINE_WORDS or (
        words >= SENTENCE_LINE_WORDS and line.rstrip().endswith(_CLOSING)
    )


def has_article(text: str) -> bool:
    """Whether any of the text reads like an article rather than navigation or labels."""
    return sum(_words(line) for line in text.split("\n") if _is_prose(line)) >= MIN_PROSE_WORDS


def cut_off(text: str) -> str | None:
    """Why the text looks cut off at its end, or None."""
    last = text.rstrip().rsplit("\n", 1)[-1].strip()
    if last.startswith(_LIST_OR_TABLE) or last.endswith("|"):
        return None  # a list item or table row: no sentence to finish
    if last.endswith(_ELLIPSIS) and _words(last) >= SENTENCE_LINE_WORDS:
        return "the text ends with an ellipsis"
    if len(last) >= CUT_LINE_CHARS and not last.endswith(_CLOSING):
        return "the last paragraph ends mid-sentence"
    return None


@dataclass(slots=True)
class QualityReport:
    flags: list[str] = field(default_factory=list)
    detail: dict[str, object] = field(default_factory=dict)

    def add(self, flag: Quality, detail: object) -> None:
        self.flags.append(flag.value)
        self.detail[flag.value] = detail


def assess(
    *,
    clean_text: str,
    before_cleaning: str,
    no_article_reason: str | None,
    language_uncertain_reason: str | None,
    suspect_lines: list[tuple[str, str]],
) -> QualityReport:
    report = QualityReport()
    words = _words(clean_text)
    if no_article_reason is not None:
        report.add(Quality.no_article_found, no_article_reason)
    elif not clean_text.strip() and before_cleaning.strip():
        report.add(Quality.empty_after_cleaning, "every line was removed as boilerplate")
    if 0 < words < MIN_WORDS:
        report.add(Quality.too_short, f"{words} words (fewer than {MIN_WORDS})")
    if language_uncertain_reason is not None and clean_text.strip():
        report.add(Quality.language_uncertain, language_uncertain_reason)
    if suspect_lines:
        report.add(
            Quality.possible_boilerplate,
            [{"pattern": kind, "line": line[:200]} for kind, line in suspect_lines[:10]],
        )
    if clean_text.strip() and (reason := cut_off(clean_text)) is not None:
        report.add(Quality.truncated_extraction, reason)
    return report
