"""One label per entity, decided by the evidence of the whole article rather than by the model's
guess at one occurrence.

- a surname is evidence for its full name: where "Rudolph" is a PERSON in at least half of its
  mentions, "Mason Rudolph" tagged ORG is that person too (and then joins it, see canonical.py);
- a "person" that is a known city ("Missoula", "Daejeon": data/known_cities.txt, no name that is
  also a first name, surname or word) and never speaks, owns or ends a full name in the article
  is that city;
- where a one-word "person" is written as a place ("at al-Tanf", "near al-Tanf") more often than
  as someone who speaks or acts, and no full name in the article ends with it, it is a place;
- the other way round, a one-word "place" that speaks ("Belichick said") and that the article
  never places (no "in/at/near Belichick"), that is no known place and no part of a longer
  name, is a person;
- a known place or organisation that ends the one full PERSON name in the article ("Neil
  Jordan" ... "Jordan said"), that the article never places ("in Jordan") and that acts as a
  person at least once (speaks, owns, "who", or a person's cue below), is that person;
- a one-word name written the way news writes only people is a person in all its mentions:
  an age after it ("Vuorinen, 31,"), a relative ("Vuorinen's wife"), "he" or "she" as what it
  said ("Vuorinen said he"), or a sportsperson's role or seeding before it ("top seed
  Vuorinen", "striker Vuorinen", "Mr Vuorinen"), unless it is a known place or organisation
  or the article places it;
- a one-word "person" that opens an organisation's name in the article ("Barrick" beside
  "Barrick Gold Corp") or that a company's cue stands beside ("Cofinec said its", "Zenith
  shares fell", "shares in Banespa") is that organisation, unless a full name in the article
  ends with it or a person's cue stands beside it;
- a city or a "person" that beats, draws with or loses to another side is a team ("Newcastle
  beat Southampton", "Derbyshire lost to Kent"): an ORG. Countries keep their label (national
  sides are named after the place), and so do people with a full name in the article or a
  person's cue above that the article never places ("top seed Vuorinen beat Alvarez").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from services.enrich.pipeline.entities import RawMention
from services.enrich.pipeline.mention_rules import NOT_A_PERSON_WORDS
from shared.aliases import AliasTable, alias_key

_PERSON_FROM = frozenset({"ORG", "GPE", "LOC", "NORP", "FAC"})
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|al-\w+|(?:bin|de|van|von|der|da|di|le|la))$")
_PLACE_BEFORE = re.compile(r"\b(?:in|at|near|outside|around|across|towards?|into)\s$")
_PERSON_AFTER = re.compile(
    r"^(?:['’]s\b|,?\s+(?:said|says|told|added|wrote|asked|argued|believes|thinks|who)\b)"
)
# Any sign of a place blocks the speech rule: "a teacher from Leeds, said".
_ANY_PLACE_BEFORE = re.compile(
    r"\b(?:in|at|near|outside|around|across|towards?|into|from|of|to|via)\s$"
)
_POSSESSIVE_AFTER = re.compile(r"['’]s\b")
_SAID_BEFORE = re.compile(r"\b(?:said|says|told)\s$")
_SPEAKS_AFTER = re.compile(r"^,?\s+(?:said|says|told|added|explained|admitted|joked|who)\b")
MIN_PLACE_EVIDENCE = 2
_MATCH_VERBS = (
    r"beat|beats|defeated|defeats|drew with|draw with|lost to|lose to|edged|thrashed|routed|"
    r"hammered|overcame|outplayed|eliminated|knocked out"
)
_TEAM_AFTER = re.compile(rf"^\s+(?:{_MATCH_VERBS})\s+(?:the\s+)?[A-Z]")
_TEAM_BEFORE = re.compile(rf"(?:\b(?:{_MATCH_VERBS})|\bv|\bvs\.?|\bversus)\s+(?:the\s+)?$")
_TEAM_FROM = frozenset({"PERSON", "GPE", "LOC"})
# What news writes after a person's name only: an age, a relative, "said he".
_PERSON_CUE_AFTER = re.compile(
    r"^(?:,\s\d{1,2},"
    r"|['’]s\s+(?:wife|husband|father|mother|son|daughter|brother|sister|girlfriend|boyfriend"
    r"|fianc[ée]e?|parents|birthday|childhood)\b"
    r"|,?\s+(?:said|says|told\s+\w+|added|admitted|explained|insisted)\s+(?:that\s+)?(?:he|she)\b)"
)
# ... and before it: a sportsperson's role or seeding, or a courtesy title the model left out.
_PERSON_CUE_BEFORE = re.compile(
    r"(?:\b(?:compatriot|team-?mate|striker|midfielder|defender|goalkeeper|winger|quarterback"
    r"|pitcher|golfer|world\s+number\s+(?:one|two|three|\d+)|seed|seeded)"
    r"|\b(?:Mr|Mrs|Ms|Dr))\.?\s$",
    re.IGNORECASE,  # "Striker Brankovic" opening a sentence
)
_PERSON_CUED_FROM = frozenset({"ORG", "GPE", "LOC", "FAC", "PERSON"})  # not NORP: "the Marines"


def _majority(mentions: list[RawMention]) -> dict[str, Counter[str]]:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        votes[alias_key(m.text)][m.label] += 1
    return votes


def _looks_like_a_name(words: list[str]) -> bool:
    return 2 <= len(words) <= 4 and all(
        _NAME_WORD.match(w) and w not in NOT_A_PERSON_WORDS and not any(c.isdigit() for c in w)
        for w in words
    )


def vote_labels(
    mentions: list[RawMention],
    text: str,
    aliases: AliasTable,
    cities: frozenset[str] = frozenset(),
) -> list[RawMention]:
    """The step: surnames' votes first, then places by name and by context, then teams."""
    mentions = people_by_speech(people_by_surname(mentions, aliases), text, aliases)
    mentions = places_by_name(mentions, text, aliases, cities)
    mentions = places_by_context(mentions, text, aliases, cities)
    mentions = people_by_cues(known_surnames_as_people(mentions, text, aliases), text, aliases)
    mentions = organisations_by_context(mentions, text, aliases)
    return teams_by_context(mentions, text, aliases)


def _sole_full_name_ends(mentions: list[RawMention]) -> set[str]:
    """Last words that end exactly one multi-word PERSON name in the article."""
    owners: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        if m.label == "PERSON" and " " in m.text:
            owners[alias_key(m.text.split()[-1])].add(alias_key(m.text))
    return {last for last, names in owners.items() if len(names) == 1}


def _acts_as_person(m: RawMention, text: str) -> bool:
    after = text[m.end : m.end + 40]
    return bool(
        _PERSON_AFTER.match(after)
        or _PERSON_CUE_AFTER.match(after)
        or _SAID_BEFORE.search(text, max(0, m.start - 12), m.start)
        or _PERSON_CUE_BEFORE.search(text, max(0, m.start - 30), m.start)
    )


def _placed(m: RawMention, text: str) -> bool:
    """ "in Jordan", but not "in Jordan's film"."""
    return bool(
        _ANY_PLACE_BEFORE.search(text, max(0, m.start - 12), m.start)
        and not _POSSESSIVE_AFTER.match(text, m.end)
    )


def known_surnames_as_people(
    mentions: list[RawMention], text: str, aliases: AliasTable
) -> list[RawMention]:
    """A known place or organisation that is the surname of the article's one person of that
    name, never placed, and acting as a person somewhere, is that person everywhere."""
    surnames = _sole_full_name_ends(mentions)
    alone = defaultdict(list)
    for m in mentions:
        key = alias_key(m.text)
        if " " not in m.text and key in surnames and _known_non_person(aliases, key):
            alone[key].append(m)
    people = {
        key
        for key, found in alone.items()
        if not any(_placed(m, text) for m in found) and any(_acts_as_person(m, text) for m in found)
    }
    if not people:
        return mentions
    return [
        RawMention(m.text, "PERSON", m.start, m.end)
        if " " not in m.text and alias_key(m.text) in people
        else m
        for m in mentions
    ]


def _person_cued(mentions: list[RawMention], text: str, aliases: AliasTable) -> set[str]:
    """One-word names that a person's cue stands beside somewhere in the article (see the
    module's notes), that are no known place or organisation."""
    cued, placed = set(), set()
    for m in mentions:
        if " " in m.text or m.label not in _PERSON_CUED_FROM:
            continue
        if _placed(m, text):  # "a teacher from Leeds, said she"
            placed.add(alias_key(m.text))
        elif _PERSON_CUE_AFTER.match(text[m.end : m.end + 40]) or _PERSON_CUE_BEFORE.search(
            text, max(0, m.start - 30), m.start
        ):
            cued.add(alias_key(m.text))
    return {key for key in cued - placed if not _known_non_person(aliases, key)}


def _known_non_person(aliases: AliasTable, surface: str) -> bool:
    known = aliases.lookup(surface)
    return known is not None and known.label not in (None, "PERSON")


def people_by_cues(mentions: list[RawMention], text: str, aliases: AliasTable) -> list[RawMention]:
    """A one-word name beside a person's cue is a person in all its mentions."""
    people = _person_cued(mentions, text, aliases)
    return [
        RawMention(m.text, "PERSON", m.start, m.end)
        if m.label != "PERSON" and " " not in m.text and alias_key(m.text) in people
        else m
        for m in mentions
    ]


def people_by_surname(mentions: list[RawMention], aliases: AliasTable) -> list[RawMention]:
    """A multi-word name tagged as something else, whose last word the article tags as a PERSON
    at least as often as anything else, is that person ("Iga Swiatek" ORG beside "Swiatek"
    once ORG, once PERSON: a tie goes to the person, a full name being what it looks like)."""
    votes = _majority(mentions)
    surnames = {
        key
        for key, counts in votes.items()
        if " " not in key and counts["PERSON"] >= sum(counts.values()) / 2
    }
    corrected = []
    for m in mentions:
        words = m.text.split()
        if (
            m.label in _PERSON_FROM
            and len(words) > 1
            and alias_key(words[-1]) in surnames
            and _looks_like_a_name(words)
            and aliases.lookup(m.text) is None
        ):
            m = RawMention(m.text, "PERSON", m.start, m.end)
        corrected.append(m)
    return corrected


def people_by_speech(
    mentions: list[RawMention], text: str, aliases: AliasTable
) -> list[RawMention]:
    """A one-word GPE that speaks and is never placed is a person (see the module's notes)."""
    in_longer = {alias_key(w) for m in mentions if " " in m.text for w in m.text.split()}
    speaks: set[str] = set()
    placed: set[str] = set()
    for m in mentions:
        if m.label != "GPE" or " " in m.text:
            continue
        key = alias_key(m.text)
        if _ANY_PLACE_BEFORE.search(text, max(0, m.start - 12), m.start):
            placed.add(key)
        if _SPEAKS_AFTER.match(text[m.end : m.end + 20]):
            speaks.add(key)
    people = {key for key in speaks - placed - in_longer if aliases.lookup(key) is None}
    return [
        RawMention(m.text, "PERSON", m.start, m.end)
        if m.label == "GPE" and alias_key(m.text) in people
        else m
        for m in mentions
    ]


def _surnames(mentions: list[RawMention]) -> set[str]:
    return {
        alias_key(m.text.split()[-1]) for m in mentions if m.label == "PERSON" and " " in m.text
    }


def places_by_name(
    mentions: list[RawMention], text: str, aliases: AliasTable, cities: frozenset[str]
) -> list[RawMention]:
    """A "person" named like a known city that never acts as one ("Missoula said",
    "Missoula's") and ends no full name in the article ("Tom Dedham") is that city."""
    candidates = {alias_key(m.text) for m in mentions if m.label == "PERSON" and m.text in cities}
    if not candidates:
        return mentions
    acts = {
        alias_key(m.text)
        for m in mentions
        if alias_key(m.text) in candidates and _PERSON_AFTER.match(text[m.end : m.end + 20])
    }
    places = {key for key in candidates - acts - _surnames(mentions) if aliases.lookup(key) is None}
    return [
        RawMention(m.text, "GPE", m.start, m.end)
        if m.label == "PERSON" and alias_key(m.text) in places
        else m
        for m in mentions
    ]


def places_by_context(
    mentions: list[RawMention],
    text: str,
    aliases: AliasTable,
    cities: frozenset[str] = frozenset(),
) -> list[RawMention]:
    """A one-word name the model calls a PERSON at least once, that the article places ("at
    al-Tanf") at least twice and more often than it has it speak ("al-Tanf said") or own
    something ("al-Tanf's"), that ends no full name in the article and is not a known name,
    is a place in all its mentions. So is a known city the model calls an organisation ("in
    Doboj", "in Linz") that the article places once and never gives a company's cue."""
    surnames = _surnames(mentions)
    called_person = {alias_key(m.text) for m in mentions if m.label == "PERSON"}
    named_cities = {
        alias_key(m.text)
        for m in mentions
        if m.label == "ORG" and " " not in m.text and m.text in cities
    }
    # A company's cue beside any mention of the name counts against it ("Linz said its profit");
    # only the candidates' mentions are tested.
    city_organisations = named_cities - {
        alias_key(m.text)
        for m in mentions
        if alias_key(m.text) in named_cities and _company_cued(m, text)
    }
    candidates = called_person | city_organisations
    place: Counter[str] = Counter()
    person: Counter[str] = Counter()
    for m in mentions:
        key = alias_key(m.text)
        if " " in m.text or key not in candidates:
            continue
        if _PLACE_BEFORE.search(text, max(0, m.start - 12), m.start):
            place[key] += 1
        if _PERSON_AFTER.match(text[m.end : m.end + 20]):
            person[key] += 1
    places = {
        key
        for key, count in place.items()
        if count >= (1 if key in city_organisations else MIN_PLACE_EVIDENCE)
        and count > person[key]
        and key not in surnames
        and aliases.lookup(key) is None
    }
    if not places:
        return mentions
    return [
        RawMention(m.text, "GPE", m.start, m.end)
        if m.label in ("PERSON", "ORG") and alias_key(m.text) in places
        else m
        for m in mentions
    ]


# What news writes beside a company's name only: its shares, "said its" (a person says "his").
_COMPANY_AFTER = re.compile(
    r"^(?:['’]s?\s+(?:shares|stock|net\s+profit|profits?|earnings|revenues?|sales|board"
    r"|chief\s+executive|subsidiary|unit)\b"
    r"|\s+(?:shares|stock)\s+(?:rose|fell|gained|lost|jumped|slipped|climbed|dropped|were|closed)\b"
    r"|,?\s+(?:said|says|reported|announced)\s+its\b)"
)
_COMPANY_BEFORE = re.compile(r"\b(?:shares|stake|stakes)\s+(?:in|of)\s$")


def _company_cued(m: RawMention, text: str) -> bool:
    return bool(
        _COMPANY_AFTER.match(text[m.end : m.end + 40])
        or _COMPANY_BEFORE.search(text, max(0, m.start - 16), m.start)
    )


def organisations_by_context(
    mentions: list[RawMention], text: str, aliases: AliasTable
) -> list[RawMention]:
    """A one-word "person" that opens an organisation's name or that a company's cue stands
    beside is that organisation (see the module's notes)."""
    openers = {alias_key(m.text.split()[0]) for m in mentions if m.label == "ORG" and " " in m.text}
    people = _surnames(mentions) | _person_cued(mentions, text, aliases)
    organisations = set()
    for m in mentions:
        if m.label != "PERSON" or aliases.lookup(m.text) is not None:
            continue
        key = alias_key(m.text)
        if " " not in m.text and key not in people and (key in openers or _company_cued(m, text)):
            organisations.add(key)
    if not organisations:
        return mentions
    return [
        RawMention(m.text, "ORG", m.start, m.end)
        if m.label == "PERSON" and alias_key(m.text) in organisations
        else m
        for m in mentions
    ]


def teams_by_context(
    mentions: list[RawMention], text: str, aliases: AliasTable
) -> list[RawMention]:
    """Names that play a match somewhere in the article are teams there and everywhere, unless
    the other side is a person ("Nadal beat Federer" where "Rafael Nadal" is named)."""
    people = {
        alias_key(part)
        for m in mentions
        if m.label == "PERSON" and " " in m.text
        for part in (m.text, m.text.split()[-1])
    } | _person_cued(mentions, text, aliases)
    teams = set()
    for index, m in enumerate(mentions):
        key = alias_key(m.text)
        if m.label not in _TEAM_FROM or key in people:
            continue
        known = aliases.lookup(m.text)
        if known is not None and known.label in ("GPE", "LOC", "NORP"):
            continue
        if _TEAM_AFTER.match(text[m.end : m.end + 40]):
            opponent = mentions[index + 1] if index + 1 < len(mentions) else None
        elif _TEAM_BEFORE.search(text, max(0, m.start - 20), m.start):
            opponent = mentions[index - 1] if index else None
        else:
            continue
        if opponent is None or alias_key(opponent.text) not in people:
            teams.add(key)
    if not teams:
        return mentions
    return [
        RawMention(m.text, "ORG", m.start, m.end)
        if m.label in _TEAM_FROM and alias_key(m.text) in teams
        else m
        for m in mentions
    ]
