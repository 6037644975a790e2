"""Fix the shape of spans the model cuts wrongly, from how names are written in English prose.

- a list is not one name: "Aberdeen, Hull and Great Yarmouth" -> three places, and a plural
  possessive joins two names: "United Nations' World Food Programme" -> two organisations;
- a descriptor in front is not part of the name: "Telehealth company Hims & Hers Health";
- a score behind a team or player is not part of it: "Arsenal 2-1", "Alvarez 6-3 6-2";
- a colon or a dash ends a name: "Apple Arcade: So" -> "Apple Arcade" (titles of works and
  events keep theirs: "Star Wars: The Last Jedi");
- two names glued together where a page lost the space between them ("Kristi NoemKristi Lynn
  Noem", from a pop-up profile card) are split where the glue is, if each half is a word the
  article writes on its own and the glued word occurs nowhere else ("YouTube" stays whole);
- an organisation's name runs on through "of"/"and" where the model stopped early:
  "Communications Authority" + " of Kenya", "Department for Energy Security" + " and Net Zero".
"""

from __future__ import annotations

import re

from services.enrich.pipeline.entities import RawMention

# Lowercase words that belong inside names ("Bank of England", "Museum am Rothenbaum").
NAME_FUNCTION_WORDS = frozenset(
    [
        "of", "for", "and", "the", "on", "in", "at", "to", "upon", "de", "du", "des", "la",
        "le", "les", "el", "los", "las", "da", "di", "do", "dos", "das", "del", "della", "von",
        "van", "der", "den", "am", "im", "zum", "zur", "für", "und", "et", "sur", "sans", "y",
        "e", "bin", "ibn", "al", "en", "&",
    ]
)  # fmt: skip
_LIST_SEPARATOR = re.compile(r",\s+(?:and\s+)?|\s+and\s+")
# Plural possessive only: "Nations' World Food Programme"; "Children's Hospital" is one name.
_POSSESSIVE_JOIN = re.compile(r"(?<=\ws)['’]\s+(?=[A-Z])")
_SCORE = re.compile(r"(?:\s+\d+[-–]\d+)+$")  # "Alvarez 6-3 6-2": every set
_TAIL_BREAK = re.compile(r"\s*:\s|\s[-–—]{1,2}\s")
_KEEPS_TAIL = frozenset({"WORK_OF_ART", "EVENT", "LAW"})
_GLUE = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z]{2})")
_WORD = re.compile(r"[\w'’-]+")
_ORG_HEADS = frozenset(
    [
        "Authority", "Ministry", "Department", "University", "Bank", "Commission", "Council",
        "Institute", "Office", "Agency", "Association", "Federation", "Union", "Board", "Court",
        "Academy", "College", "School", "Museum", "Society", "Party", "Church", "League",
        "Chamber", "Corporation", "Organisation", "Organization", "Service", "Centre", "Center",
    ]
)  # fmt: skip
# Capitalised words, joined by "of"/"the" ("Developing Societies", "the Study of Law").
_CAPITALISED_RUN = r"(?:the )?[A-Z][\w'’&-]*(?: (?:(?:of|the) )?[A-Z][\w'’&-]*)*(?![\w'’&-])"
_OF_CONTINUATION = re.compile(rf" (?:of|for) {_CAPITALISED_RUN}")
_AND_CONTINUATION = re.compile(rf" and {_CAPITALISED_RUN}")


def _piece(m: RawMention, offset: int, text: str, label: str) -> RawMention:
    return RawMention(text, label, m.start + offset, m.start + offset + len(text))


def split_joined(m: RawMention) -> list[RawMention]:
    """A comma list of places, or two names joined by a possessive, become separate mentions."""
    if "," in m.text:
        # The model runs place lists together ("Guildford, Surrey"); people stay people.
        label = "PERSON" if m.label == "PERSON" else "GPE"
        return _split_at(m, _LIST_SEPARATOR, label)
    joint = _POSSESSIVE_JOIN.search(m.text)
    if joint and len(m.text[: joint.start()].split()) >= 2:  # not "Investors' Chronicle"
        return _split_at(m, _POSSESSIVE_JOIN, m.label)
    return [m]


def _split_at(m: RawMention, separator: re.Pattern[str], label: str) -> list[RawMention]:
    pieces, cursor = [], 0
    for found in [*separator.finditer(m.text), None]:
        end = found.start() if found else len(m.text)
        part = m.text[cursor:end]
        if part and part[:1].isupper():
            pieces.append(_piece(m, cursor, part, label))
        cursor = found.end() if found else end
    return pieces


def drop_descriptor(m: RawMention) -> RawMention:
    """Keep what follows the last ordinary lowercase word: "Telehealth company Hims & Hers"."""
    words = m.text.split(" ")
    for index in range(len(words) - 2, 0, -1):
        word = words[index]
        if word.islower() and word not in NAME_FUNCTION_WORDS:
            offset = len(" ".join(words[: index + 1])) + 1
            return _piece(m, offset, m.text[offset:], m.label)
    return m


def drop_score(m: RawMention) -> RawMention:
    found = _SCORE.search(m.text)
    return _piece(m, 0, m.text[: found.start()], m.label) if found else m


def drop_tail(m: RawMention) -> RawMention:
    if m.label in _KEEPS_TAIL:
        return m
    found = _TAIL_BREAK.search(m.text)
    return _piece(m, 0, m.text[: found.start()], m.label) if found and found.start() else m


def split_glued(m: RawMention, text: str) -> list[RawMention]:
    """Split a mention at a glued pair of names ("NoemSouth"); see the module's notes."""
    cuts = []
    for word in _WORD.finditer(m.text):
        for glue in _GLUE.finditer(word.group(0)):
            left, right = word.group(0)[: glue.start()], word.group(0)[glue.start() :]
            if _glued(word.group(0), left, right, text):
                cuts.append(word.start() + glue.start())
    if not cuts:
        return [m]
    pieces, cursor = [], 0
    for cut in [*cuts, len(m.text)]:
        part = m.text[cursor:cut].strip()
        if part:
            offset = cursor + m.text[cursor:cut].index(part)
            pieces.append(_piece(m, offset, part, m.label))
        cursor = cut
    return pieces


def _glued(word: str, left: str, right: str, text: str) -> bool:
    if len(re.findall(rf"(?<![\w'’-]){re.escape(word)}(?![\w'’-])", text)) > 1:
        return False
    return all(
        re.search(rf"(?<![\w'’-]){re.escape(half)}(?![\w'’-])", text) for half in (left, right)
    )


def extend_organisation(m: RawMention, text: str) -> RawMention:
    """Run an ORG on over " of Kenya" after a head word, or over " and Net Zero" after "for"."""
    if m.label != "ORG":
        return m
    following = text[m.end : m.end + 120]
    found = None
    if m.text.split()[-1] in _ORG_HEADS:
        found = _OF_CONTINUATION.match(following)
    elif " for " in m.text:
        found = _AND_CONTINUATION.match(following)
    if found is None:
        return m
    name = m.text + found.group(0)
    return RawMention(name, m.label, m.start, m.start + len(name))
