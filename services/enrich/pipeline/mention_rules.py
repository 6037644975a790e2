"""Corrections to what the model tagged, each from a regularity of news text rather than of one
article: where the small model is reliably wrong, a plain rule is reliably right.

- a span never starts or ends in lowercase words ("state Department of Transportation");
- a job title or honorific is not part of a name ("Treasurer Jim Chalmers" -> "Jim Chalmers"),
  and one inside a span parts an organisation or place from a person ("Apple CEO Tim Cook" ->
  "Apple" + "Tim Cook");
- a full name that starts with a common given name is a PERSON, whatever the model said
  ("Clemens Fuest" tagged ORG);
- a one-word "person" written like a brand ("SpaceX", "OpenAI", "LSEG") is an ORG, and a
  "person" whose last word names a kind of thing ("Fitch Ratings", "Harmon Springs") is that;
- a common given name followed by a surname is a person even where the model saw nothing,
  and so is a one-word mention of a given name with its surname beside it ("Novak" ORG +
  "Djokovic" -> "Novak Djokovic" PERSON), or a one-word mention after a given name;
- a nationality in front of a full name is no part of it: "Australian Rodney Eyles" (ORG) ->
  "Australian" (NORP) + "Rodney Eyles" (PERSON);
- the dateline that opens a wire story ("KAMLOOPS, B.C. — ...") names a place, and so does a
  dateline on a line of its own under the headline ("BONN 1996-08-30", "IRVINE, Calif Aug 30"),
  with the name on the line above it when that line is only a name (the byline);
- a wire desk's sign-off names the desk, not its city: "-- Sydney Newsroom 61-2 9373-1800" is
  the organisation "Sydney Newsroom";
- the section slug that opens a headline in capitals ("SOCCER - ...", "PRESS DIGEST - ...")
  names nothing, unless it is a known name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.enrich.pipeline.entities import RawMention
from services.enrich.pipeline.prose import lowercase_words, opens_sentence
from services.enrich.pipeline.span_shapes import (
    NAME_FUNCTION_WORDS,
    drop_descriptor,
    drop_score,
    drop_tail,
    extend_organisation,
    split_glued,
    split_joined,
)
from shared.aliases import AliasTable

_TITLE_WORDS = (
    "President|Vice President|Prime Minister|Chancellor|Minister|Secretary|Treasurer|Premier|"
    "Governor|Gov|Senator|Sen|Representative|Rep|Congressman|Congresswoman|Mayor|Judge|Justice|"
    "Superintendent|Commissioner|Director|Chairman|Chairwoman|Chair|CEO|Coach|Manager|General|Gen|"
    "Lt|Col|Capt|Admiral|Sheikh|King|Queen|Prince|Princess|Pope|Cardinal|Archbishop|Bishop|Rev|"
    "Reverend|Dr|Prof|Professor|Mr|Mrs|Ms|Mx|Sir|Dame|Lord|Lady|Emir|Sultan|Ayatollah|Detective|"
    "Sergeant|Sgt|Inspector|Supt|Det|Constable|Corporal|Cpl|Councillor|Councilman|Councilwoman|"
    "Assemblyman|Assemblywoman|"
    "Ambassador|Spokesman|Spokeswoman|Spokesperson|Officer|Chief|Speaker|Attorney General"
)
_TITLE_QUALIFIERS = (
    "Vice|Deputy|Acting|Former|former|Interim|Chief|Crown|Foreign|Finance|Defen[cs]e|Interior|"
    "Health|Economy|Energy|Justice|Home|State|Lieutenant|Grand|Supreme|Senior|Junior|Head"
)
_LEADING_TITLE = re.compile(rf"^(?:(?:{_TITLE_QUALIFIERS})\s+)*(?:{_TITLE_WORDS})\.?\s+(?=\S)")
# Titles only a person bears (not "General", as in General Motors): a name after one is a
# person's even when the given name is not one the pipeline knows ("Detective Cowie Massy").
_PERSONAL_TITLE = re.compile(
    r"^(?:Mr|Mrs|Ms|Mx|Dr|Detective|Det|Superintendent|Supt|Sergeant|Sgt|Inspector|Constable|"
    r"Corporal|Cpl)\.?\s"
)
_INNER_TITLE = re.compile(
    rf"\s(?:(?:{_TITLE_QUALIFIERS})\s+)*(?:{_TITLE_WORDS})\.?\s+(?=[A-Z][a-z])"
)
# Lowercase words inside a name: "Mohammed bin Salman", "Ursula von der Leyen".
_NAME_PARTICLES = frozenset(
    [
        "bin", "ibn", "al", "de", "da", "di", "del", "della", "der", "den", "van", "von", "dos",
        "das", "du", "la", "le", "y", "e", "zu", "ter",
    ]
)  # fmt: skip
# A street is a facility, not a place the model may call a city ("Wellington Road" GPE), nor an
# organisation or a person named after one ("Joe Farrington Road" ORG).
_STREET_HEADS = frozenset(
    ["Street", "Road", "Avenue", "Drive", "Boulevard", "Highway", "Crescent", "Terrace"]
)
# The last word of a name that cannot be a person's: what kind of entity it names instead.
_HEAD_WORD_LABELS = {
    **dict.fromkeys(
        [
            "Inc", "Corp", "Co", "Ltd", "LLC", "Plc", "plc", "Group", "Bank", "University",
            "Institute", "Foundation", "Party", "Council", "Committee", "Commission", "Ministry",
            "Department", "Agency", "Authority", "Association", "Union", "Club", "FC", "United",
            "Airlines", "Airways", "Motors", "Holdings", "Capital", "Partners", "Technologies",
            "Systems", "Media", "News", "Times", "Post", "Journal", "Hospital", "School",
            "College", "Court", "Museum", "Festival", "Fund", "Trust", "Society", "Network",
            "Energy", "Labs", "Studios", "Records", "Health", "Brothers", "Sons", "Elementary",
            "Academy", "Games", "Ratings", "Bancorp", "Pharmaceuticals", "Insurance", "Airport",
            "Limited", "Company", "Corporation", "Coalition", "Alliance", "Tribunal",
        ],
        "ORG",
    ),
    **dict.fromkeys(["City", "County", "Province", "State", "Springs", "Town"], "GPE"),
    **dict.fromkeys(
        ["River", "Lake", "Mount", "Mountain", "Mountains", "Island", "Islands", "Valley", "Bay",
         "Beach", "Peninsula", "Desert", "Sea", "Ocean", "Gulf", "Coast"],
        "LOC",
    ),
    **dict.fromkeys(
        [*_STREET_HEADS, "Square", "Park", "Station", "Bridge", "Hall", "Centre", "Center",
         "Tower", "Stadium", "Arena", "Cup", "League", "Open"],
        "FAC",
    ),
}  # fmt: skip
NOT_A_PERSON_WORDS = frozenset(_HEAD_WORD_LABELS)
# The last word of a law's name, whatever the model called the whole ("Immigration and
# Nationality Act" ORG, "Volcker Rule" ORG): a law is not an organisation.
_LAW_HEADS = frozenset(["Act", "Rule", "Amendment", "Treaty"])
_BRAND_CASE = re.compile(r"^(?!(?:Mc|Mac|O'|O’|De|Di|Da|Du|La|Le|Van|Von)[A-Z])\w+[A-Z]\w*$")
_ACRONYM = re.compile(r"^[A-Z0-9&]{2,}$")
# "BERLIN (Reuters) -", "LONDON, July 7 (Reuters) -", "KAMLOOPS, B.C. —", "MUMBAI:"
# The story must go on in sentence case: "SOCCER - JAPAN GET LUCKY WIN" is a headline.
_DATELINE = re.compile(
    r"^(?P<place>[A-ZÀ-Þ][A-ZÀ-Þ'’.\-]+(?: [A-ZÀ-Þ][A-ZÀ-Þ'’.\-]+){0,3})"
    r"(?=(?:,[^\n—–():]{1,40}?)?\s*(?:\([^()\n]{1,40}\)\s*)?(?:—|–|--?|:)\s[^\n]{0,30}[a-z])"
)


# "BONN 1996-08-30", "IRVINE, Calif 1996-08-30", "LA CORUNA, Spain Aug 31": a place in capitals,
# perhaps its region, then the date and nothing else, within the first DATELINE_LINES lines.
DATELINE_LINES = 4
_DATE = (
    r"(?:\d{4}-\d{2}-\d{2}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
    r"\s\d{1,2}(?:,?\s\d{4})?)"
)
_DATELINE_LINE = re.compile(
    r"^(?P<place>[A-ZÀ-Þ][A-ZÀ-Þ'’.\-]+(?: [A-ZÀ-Þ][A-ZÀ-Þ'’.\-]+){0,3})"
    r"(?:,\s(?P<region>[A-Z][\w'’-]*\.?(?: [A-Z][\w'’-]*\.?){0,2}?))?"
    rf",?\s+{_DATE}\s*$"
)
# A byline: two or three capitalised words, perhaps after "By", and nothing else.
_BYLINE = re.compile(r"^(?:By\s)?(?P<name>[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){1,2})\s*$")


def _is_capitalised(word: str) -> bool:
    """ "Kyiv", "2024", and inner capitals too: "eBay", "iPhone" are names."""
    return word[:1].isdigit() or any(ch.isupper() for ch in word)


def _shifted(m: RawMention, text: str, start: int, label: str | None = None) -> RawMention:
    return RawMention(text, label or m.label, start, start + len(text))


def trim_lowercase_edges(m: RawMention) -> RawMention | None:
    """Drop lowercase words at the edges of a span; a place keeps its head ("Kunar province" ->
    "Kunar"), anything else ending in a common noun ("Gaza health ministry") is not a name."""
    words = m.text.split(" ")
    start = m.start
    while words and not _is_capitalised(words[0]) and words[0] not in _NAME_PARTICLES:
        start += len(words[0]) + 1
        words.pop(0)
    if words and not _is_capitalised(words[-1]) and m.label not in ("GPE", "LOC"):
        return None
    while words and not _is_capitalised(words[-1]):
        words.pop()
    if not words:
        return None
    return _shifted(m, " ".join(words), start)


def strip_title(m: RawMention) -> RawMention:
    found = _LEADING_TITLE.match(m.text)
    while found:
        m = _shifted(m, m.text[found.end() :], m.start + found.end())
        found = _LEADING_TITLE.match(m.text)
    return m


def split_at_title(m: RawMention) -> list[RawMention]:
    """ "Apple CEO Tim Cook" -> "Apple" (as the model labelled the whole) + "Tim Cook" (PERSON).
    What stands before the title keeps the model's label unless that was PERSON: then its kind
    is unknown and it is dropped (the known-names step and the model's other mentions cover
    "UK" in "UK Prime Minister Rishi Sunak")."""
    found = _INNER_TITLE.search(m.text)
    if found is None:
        return [m]
    person = m.text[found.end() :]
    words = person.split()
    if not 1 <= len(words) <= 3 or any(w in NOT_A_PERSON_WORDS for w in words):
        return [m]
    pieces = [_shifted(m, person, m.start + found.end(), "PERSON")]
    if m.label != "PERSON":
        pieces.insert(0, _shifted(m, m.text[: found.start()], m.start))
    return pieces


def split_nationality(
    m: RawMention, given_names: frozenset[str], aliases: AliasTable | None
) -> list[RawMention]:
    """ "Australian Rodney Eyles" -> the nationality and the person (see the module's notes)."""
    words = m.text.split(" ")
    if aliases is None or len(words) < 3 or aliases.lookup(m.text) is not None:
        return [m]
    known = aliases.lookup(words[0])
    if known is None or known.label != "NORP":
        return [m]
    if not _looks_like_full_name(words[1:], given_names):
        return [m]
    person = " ".join(words[1:])
    offset = len(words[0]) + 1
    return [_shifted(m, words[0], m.start, "NORP"), _shifted(m, person, m.start + offset, "PERSON")]


def split_trailing_person(m: RawMention, given_names: frozenset[str]) -> list[RawMention]:
    """ "Ministry of Finance Brian Manning" -> the organisation and the person: an
    organisation's name that runs on into a given name and a surname (a job title written
    without its "minister"). The organisation part must end in a word of its own kind
    ("Finance", not "of") and hold two words or more."""
    words = m.text.split(" ")
    if m.label != "ORG" or len(words) < 4:
        return [m]
    for cut in (len(words) - 2, len(words) - 3):
        head, person = words[:cut], words[cut:]
        if len(head) < 2 or head[-1].lower() in NAME_FUNCTION_WORDS:
            continue
        if _looks_like_full_name(person, given_names) and head[-1] not in given_names:
            organisation = " ".join(head)
            offset = len(organisation) + 1
            return [
                _shifted(m, organisation, m.start),
                _shifted(m, " ".join(person), m.start + offset, "PERSON"),
            ]
    return [m]


def _looks_like_full_name(words: list[str], given_names: frozenset[str]) -> bool:
    if not 2 <= len(words) <= 4 or words[0] not in given_names:
        return False
    for word in words[1:]:
        bare = word.rstrip(".,")
        if bare in NOT_A_PERSON_WORDS or any(ch.isdigit() or ch == "&" for ch in bare):
            return False
        if not (bare[:1].isupper() or bare in _NAME_PARTICLES):
            return False
        if _ACRONYM.match(bare):
            return False
    return True


def relabel(m: RawMention, given_names: frozenset[str]) -> RawMention:
    last_word = m.text.split()[-1] if " " in m.text else None
    if last_word in _LAW_HEADS and m.label != "LAW":
        return _shifted(m, m.text, m.start, "LAW")
    if last_word in _STREET_HEADS and m.label in ("GPE", "LOC", "ORG", "PERSON"):
        return _shifted(m, m.text, m.start, "FAC")
    if m.label != "PERSON":
        untitled = strip_title(m)
        words = untitled.text.split()
        known_given = given_names if not _PERSONAL_TITLE.match(m.text) else frozenset(words[:1])
        if _looks_like_full_name(words, known_given):
            return _shifted(untitled, untitled.text, untitled.start, "PERSON")
        return m
    m = strip_title(m)
    if " " not in m.text and (_BRAND_CASE.match(m.text) or _ACRONYM.match(m.text)):
        return _shifted(m, m.text, m.start, "ORG")
    head_label = _HEAD_WORD_LABELS.get(m.text.split()[-1]) if " " in m.text else None
    return _shifted(m, m.text, m.start, head_label) if head_label else m


_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?: [A-Z][\w’'-]*)+")
_POSSESSIVE_END = re.compile(r"['’]s?$")


def _covered(text: str, mentions: list[RawMention]) -> bytearray:
    """One byte per character of `text`, non-zero where a mention already stands."""
    covered = bytearray(len(text))
    for m in mentions:
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
    return covered


def untagged_full_names(
    text: str, mentions: list[RawMention], given_names: frozenset[str]
) -> list[RawMention]:
    """People the model missed: a common given name and one or two capitalised words, the end of
    a run of capitalised words ("Republican Curtis Sliwa" -> "Curtis Sliwa"), not tagged; the
    run may open with a tagged word ("Serbian" NORP in "Serbian Novak Djokovic")."""
    covered = _covered(text, mentions)
    found = []
    for run in _CAPITALISED_RUN.finditer(text):
        words = run.group(0).split(" ")
        starts = [
            run.start() + len(" ".join(words[:i])) + (1 if i else 0) for i in range(len(words))
        ]
        first = next(
            (
                i
                for i, w in enumerate(words)
                if w in given_names and not any(covered[starts[i] : run.end()])
            ),
            None,
        )
        if first is None or not 2 <= len(words) - first <= 3:
            continue
        name_words = words[first:]
        name_words[-1] = _POSSESSIVE_END.sub("", name_words[-1])
        if not _looks_like_full_name(name_words, given_names):
            continue
        name = " ".join(name_words)
        start = run.start() + len(" ".join(words[:first])) + (1 if first else 0)
        found.append(RawMention(name, "PERSON", start, start + len(name)))
    return found


# The last word of an organisation's name whose kind the word alone says.
_ORG_NAME_ENDS = frozenset(
    [
        "Coalition", "Alliance", "Association", "Council", "Committee", "Foundation", "Institute",
        "Federation", "Union", "Society", "Trust", "Commission", "Agency", "Authority",
    ]
)  # fmt: skip
# Capitalised words, the small words of a long name between them ("Alliance For Animal Rights
# and Kindness"): a name the model did not tag may be such a run.
_ORG_RUN = re.compile(
    r"[A-Z][\w'’&.-]*(?: (?:(?:of|for|and|the|on|to) )*[A-Z][\w'’&.-]*)+(?![\w'’&-])"
)
_MIN_ORG_LINE_LOWERCASE = 3  # lowercase words a line needs to be prose, not a title-case heading


def untagged_organisations(text: str, mentions: list[RawMention]) -> list[RawMention]:
    """Organisations the model missed: a run of capitalised words ending in a word that says
    what kind of body it is ("Future British Standards Coalition", "Bahamas Alliance For Animal
    Rights and Kindness"), inside prose, not overlapping any mention. A sentence's first word
    that the article also writes in lowercase ("Yesterday") is not part of the name."""
    covered = _covered(text, mentions)
    found = []
    for run in _ORG_RUN.finditer(text):
        name, start = run.group(0), run.start()
        if name.split(" ")[-1] not in _ORG_NAME_ENDS or any(covered[start : run.end()]):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", run.end())
        line = text[line_start : line_end if line_end != -1 else len(text)]
        if sum(1 for w in line.split() if w.islower()) < _MIN_ORG_LINE_LOWERCASE:
            continue
        first = name.split(" ")[0]
        if first == "The" or (
            opens_sentence(text, start) and first.lower() in lowercase_words(text)
        ):
            name, start = name[len(first) + 1 :], start + len(first) + 1
        if len(name.split(" ")) >= 2:
            found.append(RawMention(name, "ORG", start, start + len(name)))
    return found


_NEXT_WORD = re.compile(r" ([A-Z][\w'’-]+)")
_PREVIOUS_WORD = re.compile(r"(?<![\w'’.-])([A-Z][\w'’-]+) $")


def join_given_names(
    mentions: list[RawMention], text: str, given_names: frozenset[str]
) -> list[RawMention]:
    """A given name and the capitalised word beside it are one person, where the model tagged
    only one of the two ("Novak" ORG before "Djokovic") or tagged them apart. The word beside
    must read as a surname (no head word like "Group", no acronym) and be untagged or a
    one-word mention itself, which the joined name replaces."""
    starts = {m.start: m for m in mentions}
    covered = bytearray(len(text))
    for m in mentions:
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
    joined: dict[int, RawMention] = {}  # start of each replaced mention -> the joined name
    for m in mentions:
        if " " in m.text or m.start in joined:
            continue
        after = _NEXT_WORD.match(text, m.end)
        before = _PREVIOUS_WORD.search(text, max(0, m.start - 40), m.start)
        if m.text in given_names and after:
            first, last = m, (after.start(1), after.end(1))
        elif before and before.group(1) in given_names and not opens_sentence(text, m.start):
            first, last = None, (m.start, m.end)
            given = (before.start(1), before.end(1))
        else:
            continue
        begin = first.start if first else given[0]
        words = text[begin : last[1]].split(" ")
        if not _looks_like_full_name(_strip_possessive(words), given_names):
            continue
        end = begin + len(" ".join(_strip_possessive(words)))
        neighbour = starts.get(last[0] if first else begin)
        other = neighbour if neighbour is not None and neighbour is not m else None
        if other is not None and " " in other.text:
            continue
        if other is None and any(covered[n] for n in range(*(last if first else given))):
            continue
        name = RawMention(text[begin:end], "PERSON", begin, end)
        joined[m.start] = name
        if other is not None:
            joined[other.start] = name
    if not joined:
        return mentions
    kept = [joined.get(m.start, m) for m in mentions]
    return sorted({(m.start, m.end, m.label): m for m in kept}.values(), key=lambda m: m.start)


def _strip_possessive(words: list[str]) -> list[str]:
    return [*words[:-1], _POSSESSIVE_END.sub("", words[-1])]


def _without_nested(mentions: list[RawMention]) -> list[RawMention]:
    """Drop mentions inside another one (an organisation extended over "of Kenya")."""
    kept: list[RawMention] = []
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept


# Words that name an institution by its role, whichever country's: "the Government said" is no
# entity a reader could follow across articles (CoNLL and the real-page labels leave them out).
_GENERIC_INSTITUTIONS = frozenset(["Government", "Cabinet", "Opposition"])
_SHOUTED_WORD_MIN_LETTERS = 5  # "AIDS", "WHO" and "US" are acronyms that are also words


def _is_common_word(m: RawMention, text: str) -> bool:
    """A capitalised word opening a sentence ("Turnout was 66%") that the article also writes
    in lowercase is an ordinary word, not a name. So is a role ("the Government"), and a word
    in capitals ("ACCIDENT", a section label) the article also writes in lowercase, when it is
    too long to be an acronym that is also a word."""
    if " " in m.text or not m.text.isalpha():
        return False
    if m.text in _GENERIC_INSTITUTIONS:
        return True
    if m.text.isupper():
        return len(m.text) >= _SHOUTED_WORD_MIN_LETTERS and m.text.lower() in lowercase_words(text)
    return opens_sentence(text, m.start) and m.text.lower() in lowercase_words(text)


def dateline_place(text: str) -> RawMention | None:
    found = _DATELINE.match(text)
    if found is None or sum(ch.isalpha() for ch in found["place"]) < 3:
        return None
    place = found["place"].rstrip(".-")
    return RawMention(place, "GPE", 0, len(place))


_DESK_AFTER = re.compile(r" (?:Newsroom|Newsdesk|News Desk|Bureau)\b")


def as_news_desk(m: RawMention, text: str) -> RawMention:
    """ "Sydney" in "Sydney Newsroom": the desk, an organisation. Asked after the known names
    are found: the model, reading the sign-off line alone, often sees nothing there."""
    if (found := _DESK_AFTER.match(text, m.end)) is None:
        return m
    return RawMention(text[m.start : found.end()], "ORG", m.start, found.end())


# "SOCCER - JAPAN GET LUCKY WIN.", "PRESS DIGEST - Bulgaria - Aug 30."
_SLUG = re.compile(r"^[A-Z][A-Z&/ ]{2,30}?(?= - )")


def headline_slug_end(text: str) -> int:
    """Where the section slug of a headline in the first lines ends; 0 when there is none."""
    position = 0
    for line in text.split("\n", 2)[:2]:
        if (found := _SLUG.match(line)) is not None:
            return position + found.end()
        position += len(line) + 1
    return 0


def dateline_line(text: str) -> list[RawMention]:
    """The place (and region) of a dateline standing on its own line among the first few, and
    the byline above it when that line is only a name; [] when there is none."""
    position, previous = 0, None
    for line in text.split("\n", DATELINE_LINES)[:DATELINE_LINES]:
        found = _DATELINE_LINE.match(line)
        if found is not None and sum(ch.isalpha() for ch in found["place"]) >= 3:
            spans = [(found.start("place"), found["place"], "GPE")]
            if found["region"]:
                spans.append((found.start("region"), found["region"], "GPE"))
            if previous is not None and (byline := _BYLINE.match(previous[1])) is not None:
                offset = previous[0] - position
                spans.insert(0, (offset + byline.start("name"), byline["name"], "PERSON"))
            return [
                RawMention(t, kind, position + at, position + at + len(t)) for at, t, kind in spans
            ]
        previous = (position, line)
        position += len(line) + 1
    return []


def refine_mentions(
    mentions: Iterable[RawMention],
    *,
    text: str,
    given_names: frozenset[str],
    aliases: AliasTable | None = None,
) -> list[RawMention]:
    refined = []
    for mention in mentions:
        pieces = [
            person
            for joined in split_joined(drop_tail(mention))
            for glued in split_glued(joined, text)
            for titled in split_at_title(glued)
            for named in split_trailing_person(titled, given_names)
            for person in split_nationality(named, given_names, aliases)
        ]
        for piece in pieces:
            trimmed = trim_lowercase_edges(drop_descriptor(drop_score(piece)))
            if trimmed is not None:
                refined.append(relabel(trimmed, given_names))
    refined = _without_nested([extend_organisation(m, text) for m in refined])
    refined = join_given_names(refined, text, given_names)
    refined = sorted(
        [
            *refined,
            *untagged_full_names(text, refined, given_names),
            *untagged_organisations(text, refined),
        ],
        key=lambda m: m.start,
    )
    refined = [m for m in refined if not _is_common_word(m, text)]
    if slug_end := headline_slug_end(text):
        slug_start = text.rfind("\n", 0, slug_end) + 1
        refined = [
            m
            for m in refined
            if not (slug_start <= m.start and m.end <= slug_end)
            or (aliases is not None and aliases.lookup(m.text) is not None)
        ]
    if own_line := dateline_line(text):
        # What the line says replaces whatever the model read there ("DETROIT 1996-08-31" ORG).
        lines = (own_line[0].start, own_line[-1].end)
        refined = [m for m in refined if m.end <= lines[0] or m.start >= lines[1]]
        refined = sorted([*refined, *own_line], key=lambda m: m.start)
    # Under a headline, a dateline on its own line is the story's; the first line is no dateline.
    dateline = dateline_place(text) if not own_line else None
    if dateline is not None:
        # The dateline decides the label of its place throughout ("Kamloops" later is a GPE too).
        key = dateline.text.casefold()
        refined = [
            _shifted(m, m.text, m.start, "GPE") if m.text.casefold() == key else m
            for m in refined
            if m.start >= dateline.end
        ]
        refined.insert(0, dateline)
    return refined
