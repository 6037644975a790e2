"""Canonicalise mentions into entities: one name and one label per entity within an article.

- first the model's spans are corrected (mention_rules) and the occurrences it missed of names
  it found are added (propagate);
- a surname or short form joins the one full PERSON name it ends ("Putin" -> "Vladimir Putin"),
  and takes its label whatever the model said of that occurrence;
- the alias table names and labels known entities ("U.S." -> "United States", GPE);
- otherwise one surface form keeps one label: the one the model gave it most often.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from services.enrich.pipeline.document import EntityGroup, Mention
from services.enrich.pipeline.entities import RawMention
from services.enrich.pipeline.known_labels import apply_known_labels, untagged_known_names
from services.enrich.pipeline.label_evidence import people_by_surname, places_by_context
from services.enrich.pipeline.mention_rules import refine_mentions
from services.enrich.pipeline.propagate import propagate
from services.enrich.pipeline.textmap import TextMap
from shared.aliases import AliasTable, alias_key

_LEADING_ARTICLE = re.compile(r"^(?:the|The|THE)\s+")
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sir|Dame)\.?\s+")
_TRAILING_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_PUNCTUATION = "\"“”‘’'`()[]{},;:!?*|-–—"
_KEEPS_ARTICLE = frozenset({"WORK_OF_ART", "LAW"})


def _trim(mention: RawMention) -> RawMention | None:
    """The mention without quotes, possessives, leading "the" or honorifics, offsets adjusted."""
    text, start = mention.text, mention.start
    previous = None
    while text != previous:
        previous = text
        stripped = text.lstrip(_EDGE_PUNCTUATION + " ")
        start += len(text) - len(stripped)
        text = stripped.rstrip(_EDGE_PUNCTUATION + " ")
        text = _TRAILING_POSSESSIVE.sub("", text)
        leading = _LEADING_ARTICLE if mention.label not in _KEEPS_ARTICLE else None
        for pattern in (leading, _HONORIFIC if mention.label == "PERSON" else None):
            if pattern and (found := pattern.match(text)):
                start += found.end()
                text = text[found.end() :]
    if len(text) < 2 or not any(ch.isalpha() for ch in text) or "\n" in text:
        return None
    return RawMention(text, mention.label, start, start + len(text))


def _known_non_person(aliases: AliasTable, surface: str) -> bool:
    """The alias table names this as a place or organisation ("Papua New Guinea", "Asia")."""
    known = aliases.lookup(surface)
    return known is not None and known.label not in (None, "PERSON")


def _full_names_by_short_form(mentions: list[RawMention], aliases: AliasTable) -> dict[str, str]:
    """Map a surname (or trailing part) to the one multi-word PERSON name in the article it ends.
    Known places and organisations are neither full names nor short forms: a model's "Stellar
    Live Asia" (PERSON) must not turn every "Asia" into a person."""
    candidates: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        words = m.text.split()
        if m.label == "PERSON" and len(words) > 1 and not _known_non_person(aliases, m.text):
            for cut in range(1, len(words)):
                short = " ".join(words[cut:])
                if not _known_non_person(aliases, short):
                    candidates[alias_key(short)].add(m.text)
    # A short form that could end two different people ("Smith") stays unresolved.
    resolved = {short: next(iter(names)) for short, names in candidates.items() if len(names) == 1}
    return resolved


def canonicalise(
    raw: list[RawMention],
    *,
    text: TextMap,
    aliases: AliasTable,
    given_names: frozenset[str] = frozenset(),
    not_names: frozenset[str] = frozenset(),
) -> list[EntityGroup]:
    mentions = [t for m in raw if (t := _trim(m)) is not None and t.text not in not_names]
    mentions = refine_mentions(mentions, text=text.text, given_names=given_names)
    mentions = untagged_known_names(apply_known_labels(mentions, aliases), text.text, aliases)
    mentions = propagate(mentions, text.text)
    mentions = people_by_surname(mentions, aliases)
    mentions = places_by_context(mentions, text.text, aliases)
    full_name_of = _full_names_by_short_form(mentions, aliases)
    full_names = {
        alias_key(m.text)
        for m in mentions
        if m.label == "PERSON"
        and len(m.text.split()) > 1
        and not _known_non_person(aliases, m.text)
    }

    # Majority label per surface form, for the mentions no rule below decides.
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        votes[alias_key(m.text)][m.label] += 1

    groups: dict[tuple[str, str], EntityGroup] = {}
    for m in mentions:
        key = alias_key(m.text)
        known = aliases.lookup(m.text)
        if key in full_names:
            name, label = m.text, "PERSON"
        elif key in full_name_of:
            name, label = full_name_of[key], "PERSON"
        elif known is not None:
            name, label = known.name, known.label or votes[key].most_common(1)[0][0]
        else:
            name, label = m.text, votes[key].most_common(1)[0][0]
        raw_start, raw_end = text.raw_span(m.start, m.end)
        mention = Mention(m.text, label, m.label, m.start, m.end, raw_start, raw_end)
        group = groups.setdefault((alias_key(name), label), EntityGroup(name=name, label=label))
        group.mentions.append(mention)

    entities = list(groups.values())
    _score_salience(
        entities, text_length=len(text.text), first_paragraph_end=_first_break(text.text)
    )
    entities.sort(key=lambda e: (-e.salience, e.first_offset))
    return entities


def _first_break(text: str) -> int:
    position = text.find("\n")
    return len(text) if position < 0 else position


def _score_salience(
    entities: list[EntityGroup], *, text_length: int, first_paragraph_end: int
) -> None:
    """0..1: half how often it is mentioned (relative to the most mentioned entity), three tenths
    how early it first appears, a fifth whether it is in the lead paragraph."""
    if not entities:
        return
    most = max(e.count for e in entities)
    for e in entities:
        earliness = 1.0 - e.first_offset / max(text_length, 1)
        in_lead = 1.0 if e.first_offset < first_paragraph_end else 0.0
        e.salience = round(0.5 * e.count / most + 0.3 * earliness + 0.2 * in_lead, 4)
