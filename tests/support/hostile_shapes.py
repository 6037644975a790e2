"""Hostile article shapes: inputs ingest accepts whose shape, not their topic, could make one
article cost a worker unbounded time or memory.

Each shape builds an article of about `size` characters (the ingest limit is 1,000,000), so the
same catalogue serves the reliability tests (one size) and bench/hostile_shapes.py (10k, 100k,
1M). Pure string building, deterministic, no randomness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import cycle, islice

_PROSE = (
    "The regional council in Lisbon approved the budget on Monday after a long debate.",
    "Maria Silva, the finance minister, told reporters that spending would rise next year.",
    "Opposition leaders in Porto said the plan ignored rural hospitals and schools.",
    "Analysts at Banco Santander expect growth of about two percent in the coming months.",
    "John Carter of the International Monetary Fund welcomed the decision in a statement.",
)
_GIVEN = (
    "Anna", "Boris", "Carla", "David", "Elena", "Felix", "Greta", "Hugo", "Irene", "Jonas",
    "Karin", "Lukas", "Marta", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara",
)  # fmt: skip
_SYLLABLES = ("ber", "dan", "kor", "lin", "mar", "nov", "ros", "sal", "tev", "vik", "wen", "zu")


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    description: str
    kind: str  # "text" or "html"
    build: Callable[[int], str]


def _repeat_to(pieces: tuple[str, ...] | list[str], size: int, sep: str) -> str:
    out: list[str] = []
    length = 0
    for piece in cycle(pieces):
        if length >= size:
            break
        out.append(piece)
        length += len(piece) + len(sep)
    return sep.join(out)[:size]


def one_line(size: int) -> str:
    """Ordinary prose, sentences joined by spaces: a whole article on one line."""
    return _repeat_to(_PROSE, size, " ")


def names_paragraph(size: int) -> str:
    """ "John Smith met Mary Jones. " repeated in one paragraph (the issue's second row)."""
    return ("John Smith met Mary Jones. " * (size // 27 + 1))[:size].rstrip()


def no_space(size: int) -> str:
    """Letters and punctuation without a single space or line break."""
    return ("Abcdefghij.klmnopqrst-UVWXYZ," * (size // 29 + 1))[:size]


def newlines(size: int) -> str:
    """Mostly line breaks (900,000 of 1,000,000 characters), a short word between runs."""
    unit = "Oslo" + "\n" * 36  # 90% newlines
    return ("Lima\n" + unit * (size // len(unit) + 1))[:size].rstrip("\n") + "\nThe end."


def _surname(index: int) -> str:
    a, b, c = (_SYLLABLES[(index // n) % len(_SYLLABLES)] for n in (1, 12, 144))
    return (a + b + c).capitalize()


def many_names(size: int) -> str:
    """Distinct person names, ten to a sentence: 100,000 names at 1,000,000 characters."""
    count = size // 10
    names = (f"{_GIVEN[i % len(_GIVEN)]} {_surname(i // len(_GIVEN))}" for i in range(count))
    lines: list[str] = []
    length = 0
    batch = list(islice(names, 10))
    while batch and length < size:
        line = ", ".join(batch[:-1]) + f" and {batch[-1]} met."
        lines.append(line)
        length += len(line) + 1
        batch = list(islice(names, 10))
    return "\n".join(lines)[:size]


def repeated_paragraphs(size: int) -> str:
    """The same short paragraph on every line: 30,000 of them at 1,000,000 characters."""
    paragraph = "The council in Lisbon met again on Monday, said Maria Silva."
    return ((paragraph + "\n") * (size // 33 + 1))[:size].rstrip("\n")


def invisible_marks(size: int) -> str:
    """Full-width letters, zero-width spaces and joiners, bidi embeddings and isolates inside
    otherwise ordinary sentences."""
    words = (
        "\u202aＴｈｅ\u202c",
        "ｃｏｕｎｃｉｌ\u200b",
        "in",
        "\u2067Ｌｉｓｂｏｎ\u2069",
        "met",
        "Ｍａｒｉａ\u200d",
        "\u200eＳｉｌｖａ\ufeff",
        "on",
        "Ｍｏｎｄａｙ\u2060.",
    )
    line = " ".join(words)
    return _repeat_to([line] * 9 + [line + "\n"], size, " ").replace("\n ", "\n")


def nested_html(size: int) -> str:
    """One paragraph inside <div>s nested as deep as the size allows (50,000 deep at 550 kB)."""
    depth = max(1, (size - 200) // 11)
    body = "<p>The council in Lisbon met on Monday, said Maria Silva, the minister.</p>"
    return f"<html><body>{'<div>' * depth}{body}{'</div>' * depth}</body></html>"


def table_html(size: int) -> str:
    """A page whose body is one huge table (60,000 rows at 1,000,000 characters; end tags
    omitted, as HTML allows) after a short article paragraph."""
    rows = max(1, (size - 300) // 16)
    cells = "".join(f"<tr><td>{i:07d}" for i in range(rows))
    return (
        "<html><body><article><p>The council in Lisbon published its accounts on Monday, "
        f"said Maria Silva.</p></article><table>{cells}</table></body></html>"
    )


def navigation_only(size: int) -> str:
    """A page with nothing but a navigation menu: no article text at all."""
    items = max(1, (size - 100) // 40)
    links = "".join(f'<li><a href="/s/{i}">Section {i}</a></li>' for i in range(items))
    return f"<html><body><nav><ul>{links}</ul></nav></body></html>"


SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        Shape("one-line", "prose on one line", "text", one_line),
        Shape("names-paragraph", '"John Smith met Mary Jones. " in one paragraph', "text",
              names_paragraph),
        Shape("no-space", "no space or line break at all", "text", no_space),
        Shape("newlines", "90% line breaks", "text", newlines),
        Shape("many-names", "100,000 distinct names at 1M", "text", many_names),
        Shape("repeated-paragraphs", "30,000 copies of one paragraph at 1M", "text",
              repeated_paragraphs),
        Shape("invisible-marks", "full-width letters, zero-width and bidi marks", "text",
              invisible_marks),
        Shape("nested-html", "<div>s nested 50,000 deep at 550k", "html", nested_html),
        Shape("table-html", "60,000-row table at 1M", "html", table_html),
        Shape("navigation-only", "a page that is only a menu", "html", navigation_only),
    )
}  # fmt: skip
