"""One label per entity, decided by the evidence of the whole article rather than by the model's
guess at one occurrence.

- a surname is evidence for its full name: where "Rudolph" is a PERSON in most of its mentions,
  "Mason Rudolph" tagged ORG is that person too (and then joins it, see canonical.py);
- a "person" that is a known city ("Missoula", "Daejeon": data/known_cities.txt, no name that is
  also a first name, surname or word) and never speaks, owns or ends a full name in the article
  is that city;
- where a one-word "person" is written as a place ("at al-Tanf", "near al-Tanf") more often than
  as someone who speaks or acts, and no full name in the article ends with it, it is a place;
- the other way round, a one-word "place" that speaks ("Belichick said") and that the article
  never places (no "in/at/near Belichick"), that is no known place and no part of a longer
  name, is a person;
- a city or a "person" that beats, draws with or loses to another side is a team ("Newcastle
  beat Southampton", "Derbyshire lost to Kent"): an ORG. Countries keep their label (national
  sides are named after the place), and so do people with a full name in the article.
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
_SPEAKS_AFTER = re.compile(r"^,?\s+(?:said|says|told|added|explained|admitted|joked|who)\b")
MIN_PLACE_EVIDENCE = 2
_MATCH_VERBS = (
    r"beat|beats|defeated|defeats|drew with|draw with|lost to|lose to|edged|thrashed|routed|"
    r"hammered|overcame|outplayed|eliminated|knocked out"
)
_TEAM_AFTER = re.compile(rf"^\s+(?:{_MATCH_VERBS})\s+(?:the\s+)?[A-Z]")
_TEAM_BEFORE = re.compile(rf"(?:\b(?:{_MATCH_VERBS})|\bv|\bvs\.?|\bversus)\s+(?:the\s+)?$")
_TEAM_FROM = frozenset({"PERSON", "GPE", "LOC"})


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
    mentions = places_by_context(places_by_name(mentions, text, aliases, cities), text, aliases)
    return teams_by_context(mentions, text, aliases)


def people_by_surname(mentions: list[RawMention], aliases: AliasTable) -> list[RawMention]:
    """A multi-word name tagged as something else, whose last word the article mostly tags as
    a PERSON, is that person."""
    votes = _majority(mentions)
    surnames = {
        key
        for key, counts in votes.items()
        if " " not in key and counts["PERSON"] > sum(counts.values()) / 2
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
    mentions: list[RawMention], text: str, aliases: AliasTable
) -> list[RawMention]:
    """A one-word name the model calls a PERSON at least once, that the article places ("at
    al-Tanf") at least twice and more often than it has it speak ("al-Tanf said") or own
    something ("al-Tanf's"), that ends no full name in the article and is not a known name,
    is a place in all its mentions."""
    surnames = _surnames(mentions)
    called_person = {alias_key(m.text) for m in mentions if m.label == "PERSON"}
    place: Counter[str] = Counter()
    person: Counter[str] = Counter()
    for m in mentions:
        key = alias_key(m.text)
        if " " in m.text or key not in called_person:
            continue
        if _PLACE_BEFORE.search(text, max(0, m.start - 12), m.start):
            place[key] += 1
        if _PERSON_AFTER.match(text[m.end : m.end + 20]):
            person[key] += 1
    places = {
        key
        for key, count in place.items()
        if count >= MIN_PLACE_EVIDENCE
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
    }
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
