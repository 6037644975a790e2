"""CoNLL-2003 English as a second, real-world entity benchmark for the wirefeed pipeline.

The data is built outside the repository by `python -m eval.realdata` (var/realdata/conll:
eng.train and the development split eng.testa, with provenance). eng.testb is the project's
held-out acceptance split: this module can read any file in the same format, but the team
neither runs nor tunes on testb.

How a CoNLL document becomes a wirefeed article:
- documents are the runs between `-DOCSTART-` lines; each sentence is detokenised into one line
  of running text (Reuters wire copy is one sentence per paragraph), so a document reads like a
  submitted article: headline, dateline ("LONDON 1996-08-30"), body;
- gold entities are the IOB1 chunks, kept as character spans of that text.

Scoring is by exact span and type (as conlleval does): a predicted mention counts only if its
start, end and type all match a gold chunk. Labels are mapped from the model's OntoNotes set:
PERSON -> PER, ORG -> ORG, GPE/LOC/FAC -> LOC (CoNLL's guidelines count facilities such as
stadiums and airports as locations), NORP/EVENT/PRODUCT/WORK_OF_ART/LAW/LANGUAGE -> MISC.
The headline figure is PER/ORG/LOC micro-F1 on the prose documents (see `is_prose`); MISC and
all documents are reported beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.scoring import Counts
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich_many

CONLL_DIR = Path(__file__).resolve().parent.parent / "var" / "realdata" / "conll"
HEADLINE_LABELS = ("PER", "ORG", "LOC")
ALL_LABELS = (*HEADLINE_LABELS, "MISC")
TO_CONLL = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    **dict.fromkeys(["NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"], "MISC"),
}
# A prose document: most of its body is ordinary lowercase words, few numbers (see is_prose).
MIN_PROSE_LOWERCASE_SHARE = 0.45
MAX_PROSE_NUMBER_SHARE = 0.10
MIN_PROSE_BODY_TOKENS = 30

_NO_SPACE_BEFORE = frozenset([",", ".", ":", ";", "?", "!", ")", "]", "}", "%", "'s", "'"])
_NO_SPACE_AFTER = frozenset(["(", "[", "{", "$"])
_CONTRACTION = re.compile(r"^(?:n't|'[a-z]{1,2})$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?[\d.,:/-]*\d[\d.,:/-]*$")

Span = tuple[int, int, str]  # start, end, CoNLL type


@dataclass(frozen=True, slots=True)
class ConllDocument:
    id: str
    text: str  # one sentence per line
    gold: frozenset[Span]
    tokens_per_line: tuple[tuple[str, ...], ...]

    @property
    def body_tokens(self) -> list[str]:
        """Every token after the headline and the dateline."""
        return [t for line in self.tokens_per_line[2:] for t in line]


def is_prose(document: ConllDocument) -> bool:
    """Running text, not a table or a results list: its body (after headline and dateline) is
    long enough, at least 45% ordinary lowercase words and at most 10% numbers. Results tables
    ("Rangers 10 8 1 1 25 6 25") and lists of scores are mostly capitalised names and figures;
    news prose is mostly lowercase words. On eng.train the lowercase share has two modes
    (tables and lists around 0.1, stories around 0.7) with a trough between 0.3 and 0.45; the
    number share then drops the financial result sheets that read like prose at the top."""
    body = document.body_tokens
    if len(body) < MIN_PROSE_BODY_TOKENS:
        return False
    lowercase = sum(t.isalpha() and t.islower() for t in body) / len(body)
    numbers = sum(bool(_NUMBER.match(t)) for t in body) / len(body)
    return lowercase >= MIN_PROSE_LOWERCASE_SHARE and numbers <= MAX_PROSE_NUMBER_SHARE


def _detokenise(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence as running text, and each token's character span in it."""
    text = ""
    spans: list[tuple[int, int]] = []
    open_quote = False
    glue_next = False
    for token in tokens:
        is_quote = token == '"'
        closing = is_quote and open_quote
        attach = (
            not text
            or glue_next
            or token in _NO_SPACE_BEFORE
            or bool(_CONTRACTION.match(token))
            or closing
        )
        if not attach:
            text += " "
        spans.append((len(text), len(text) + len(token)))
        text += token
        glue_next = token in _NO_SPACE_AFTER or (is_quote and not closing)
        if is_quote:
            open_quote = not open_quote
    return text, spans


def _chunks(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """IOB1/IOB2 tags -> (first token, last token + 1, type)."""
    chunks: list[tuple[int, int, str]] = []
    start, kind = -1, ""
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, tag_kind = tag.partition("-")
        continues = prefix == "I" and tag_kind == kind
        if kind and not continues:
            chunks.append((start, index, kind))
            kind = ""
        if prefix in ("B", "I") and not continues:
            start, kind = index, tag_kind
    return chunks


def _build(doc_id: str, sentences: list[list[tuple[str, str]]]) -> ConllDocument:
    lines: list[str] = []
    gold: set[Span] = set()
    offset = 0
    for sentence in sentences:
        words = [w for w, _ in sentence]
        line, spans = _detokenise(words)
        for first, last, kind in _chunks([t for _, t in sentence]):
            gold.add((offset + spans[first][0], offset + spans[last - 1][1], kind))
        lines.append(line)
        offset += len(line) + 1
    return ConllDocument(
        doc_id, "\n".join(lines), frozenset(gold), tuple(tuple(w for w, _ in s) for s in sentences)
    )


def read_conll(path: Path) -> list[ConllDocument]:
    documents: list[ConllDocument] = []
    sentences: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []

    def close_document() -> None:
        if sentence:
            sentences.append(list(sentence))
            sentence.clear()
        if sentences:
            documents.append(_build(f"{path.name}:{len(documents) + 1}", list(sentences)))
            sentences.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            close_document()
        elif not line.strip():
            if sentence:
                sentences.append(list(sentence))
                sentence.clear()
        else:
            fields = line.split()
            sentence.append((fields[0], fields[-1]))
    close_document()
    return documents


@dataclass(slots=True)
class SpanScore:
    by_label: dict[str, Counts] = field(
        default_factory=lambda: {label: Counts() for label in ALL_LABELS}
    )
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)  # doc, fp/fn, type, text

    def add(self, doc: ConllDocument, predicted: set[Span]) -> None:
        for label in ALL_LABELS:
            p = {s for s in predicted if s[2] == label}
            g = {s for s in doc.gold if s[2] == label}
            self.by_label[label].add(Counts(len(p & g), len(p - g), len(g - p)))
            for kind, wrong in (("fp", p - g), ("fn", g - p)):
                self.errors += [(doc.id, kind, label, doc.text[s:e]) for s, e, _ in sorted(wrong)]

    def micro(self, labels: Iterable[str] = HEADLINE_LABELS) -> Counts:
        total = Counts()
        for label in labels:
            total.add(self.by_label[label])
        return total


def _mapped(mentions: Iterable[tuple[int, int, str]]) -> set[Span]:
    return {(s, e, TO_CONLL[label]) for s, e, label in mentions if label in TO_CONLL}


def wirefeed_spans(documents: Sequence[ConllDocument], config: PipelineConfig) -> list[set[Span]]:
    """Every mention the pipeline outputs, placed by its offsets into the submitted text."""
    enriched = enrich_many([SubmittedDocument(text=d.text) for d in documents], config)
    return [
        _mapped((m.raw_start, m.raw_end, m.label) for e in record.entities for m in e.mentions)
        for record in enriched
    ]


def bare_spans(documents: Sequence[ConllDocument], nlp: Any) -> list[set[Span]]:
    """The model as shipped (full default pipeline) on the same text."""
    return [
        _mapped((ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
        for doc in nlp.pipe(d.text for d in documents)
    ]


@dataclass(slots=True)
class ConllReport:
    documents: int
    prose_documents: int
    wirefeed_prose: SpanScore
    bare_prose: SpanScore
    wirefeed_all: SpanScore
    bare_all: SpanScore


def evaluate_conll(
    documents: Sequence[ConllDocument], config: PipelineConfig, bare_nlp: Any
) -> ConllReport:
    ours = wirefeed_spans(documents, config)
    theirs = bare_spans(documents, bare_nlp)
    report = ConllReport(len(documents), 0, SpanScore(), SpanScore(), SpanScore(), SpanScore())
    for doc, predicted, bare in zip(documents, ours, theirs, strict=True):
        report.wirefeed_all.add(doc, predicted)
        report.bare_all.add(doc, bare)
        if is_prose(doc):
            report.prose_documents += 1
            report.wirefeed_prose.add(doc, predicted)
            report.bare_prose.add(doc, bare)
    return report


def _table(wirefeed: SpanScore, bare: SpanScore) -> list[str]:
    rows = ["| type | wirefeed P | R | F1 | bare spaCy P | R | F1 |", "| --- " * 7 + "|"]
    for label in (*ALL_LABELS, "PER/ORG/LOC"):
        cells = []
        for score in (wirefeed, bare):
            c = score.micro() if label == "PER/ORG/LOC" else score.by_label[label]
            cells += [f"{c.precision:.1%}", f"{c.recall:.1%}", f"{c.f1:.1%}"]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def render_conll(report: ConllReport, *, split: str, model: str, command: str) -> str:
    gain = report.wirefeed_prose.micro().f1 - report.bare_prose.micro().f1
    lines = [
        f"# wirefeed entities on CoNLL-2003 {split}",
        "",
        f"Command: `{command}` (model {model}; data from `python -m eval.realdata`).",
        "",
        "Exact-span scoring (start, end and type must all match a gold chunk). Labels mapped:",
        "PERSON -> PER, ORG -> ORG, GPE/LOC/FAC -> LOC, NORP/EVENT/PRODUCT/WORK_OF_ART/LAW/",
        "LANGUAGE -> MISC. wirefeed: every mention the pipeline outputs, by its offsets into the",
        "submitted text; bare spaCy: the model's full default pipeline on the same text.",
        "",
        f"## Prose documents ({report.prose_documents} of {report.documents})",
        "",
        "Prose: a body (after headline and dateline) of at least 30 tokens, at least 45% of them",
        "lowercase words and at most 10% numbers; results tables and score lists are left out.",
        "",
        *_table(report.wirefeed_prose, report.bare_prose),
        "",
        f"PER/ORG/LOC F1 gain over bare spaCy on prose: {gain * 100:+.1f} points.",
        "",
        f"## All documents ({report.documents})",
        "",
        *_table(report.wirefeed_all, report.bare_all),
    ]
    return "\n".join(lines) + "\n"
