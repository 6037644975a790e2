"""Canonicalise mentions into entities: one name and one label per entity within an article.

The mentions come trimmed, refined and propagated (see run.py for the order of the steps).

- a surname or short form joins the one full PERSON name it ends ("Putin" -> "Vladimir Putin"),
  and takes its label whatever the model said of that occurrence;
- the alias table names and labels known entities ("U.S." -> "United States", GPE);
- otherwise one surface form keeps one label: the one the model gave it most often.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from services.enrich.pipeline.document import EntityGroup, Mention
from services.enrich.pipeline.entities import RawMention
from services.enrich.pipeline.textmap import TextMap
from shared.aliases import AliasTable, alias_key


def _known_non_person(aliases: AliasTable, surface: str) -> bool:
    """The alias table names this as a place or organisation ("Papua New Guinea", "Asia")."""
    known = aliases.lookup(surface)
    return known is not None and known.label not in (None, "PERSON")


def _full_names_by_short_form(
    mentions: list[RawMention], aliases: AliasTable
) -> tuple[dict[str, str], set[str]]:
    """Map a surname (or trailing part) to the one multi-word PERSON name in the article it ends.
    Known places and organisations are no full names, and as short forms they join only where
    the mention itself is a PERSON (returned apart): a model's "Stellar Live Asia" (PERSON) must
    not turn every "Asia" into a person, but "Jordan" that the label evidence made Neil
    Jordan's is his."""
    candidates: dict[str, set[str]] = defaultdict(set)
    known_short = set()
    for m in mentions:
        words = m.text.split()
        if m.label == "PERSON" and len(words) > 1 and not _known_non_person(aliases, m.text):
            for cut in range(1, len(words)):
                short = " ".join(words[cut:])
                candidates[alias_key(short)].add(m.text)
                if _known_non_person(aliases, short):
                    known_short.add(alias_key(short))
    # A short form that could end two different people ("Smith") stays unresolved.
    resolved = {short: next(iter(names)) for short, names in candidates.items() if len(names) == 1}
    trailing = set(candidates) - known_short
    resolved.update(_full_names_by_first_word(mentions, aliases, trailing))
    return resolved, known_short


def _full_names_by_first_word(
    mentions: list[RawMention], aliases: AliasTable, trailing: set[str]
) -> dict[str, str]:
    """Names written family name first ("Wang Donghai" ... "Wang"), and first-name references
    ("Jansher Khan" ... "Jansher"): a first word joins the one PERSON name it starts, unless it
    also ends a name, is a known entity, or the model places it anywhere ("Jordan" the
    country beside "Jordan Henderson")."""
    starts: dict[str, set[str]] = defaultdict(set)
    placed = set()
    for m in mentions:
        words = m.text.split()
        if m.label == "PERSON" and 2 <= len(words) <= 3 and aliases.lookup(m.text) is None:
            starts[alias_key(words[0])].add(m.text)
        elif m.label in ("GPE", "LOC", "FAC"):
            placed.add(alias_key(m.text))
    return {
        first: next(iter(names))
        for first, names in starts.items()
        if len(names) == 1
        and first not in trailing
        and first not in placed
        and aliases.lookup(first) is None
    }


def canonicalise(
    mentions: list[RawMention], *, text: TextMap, aliases: AliasTable
) -> list[EntityGroup]:
    """Group the mentions into entities, in order of first appearance (salience is scored
    after)."""
    full_name_of, known_short = _full_names_by_short_form(mentions, aliases)
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
        elif key in full_name_of and (key not in known_short or m.label == "PERSON"):
            name, label = full_name_of[key], "PERSON"
        elif known is not None:
            name, label = known.name, known.label or votes[key].most_common(1)[0][0]
        else:
            name, label = m.text, votes[key].most_common(1)[0][0]
        raw_start, raw_end = text.raw_span(m.start, m.end)
        mention = Mention(m.text, label, m.label, m.start, m.end, raw_start, raw_end)
        group = groups.setdefault((alias_key(name), label), EntityGroup(name=name, label=label))
        group.mentions.append(mention)

    return list(groups.values())
