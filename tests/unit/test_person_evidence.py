"""People the small model calls organisations or places, on hand-made mentions shaped as the
model gives them (no model): a given name joined to the surname beside it, a known place that is
the surname of the article's person, a one-word name beside a person's cue, and the given-name
list those rules read."""

from __future__ import annotations

from pathlib import Path

from eval.build_given_names import conll_train_given_names
from services.enrich.config import PACKAGED_MORE_GIVEN_NAMES, load_word_list
from services.enrich.pipeline.document import EntityGroup
from services.enrich.pipeline.run import resolve_entities
from services.enrich.pipeline.textmap import TextMap
from shared.aliases import load_aliases
from tests.support.tagging import labels, tagged

ALIASES = load_aliases()
NAMES = frozenset({"Novak", "Iga", "Neil", "Kasper", "Mason"})


def resolved(text: str, *spans: tuple[str, str]) -> list[EntityGroup]:
    return resolve_entities(
        tagged(text, *spans), text=TextMap.identity(text), aliases=ALIASES, given_names=NAMES
    )


def spans(groups: list[EntityGroup]) -> set[tuple[str, str]]:
    return {(m.text, m.label) for g in groups for m in g.mentions}


# A given name and its surname.


def test_a_given_name_tagged_alone_takes_the_surname_beside_it() -> None:
    text = "Novak Djokovic beat Jannik Sinner in the semi-final on Friday."
    groups = resolved(text, ("Novak", "ORG"), ("Jannik Sinner", "PERSON"))
    assert ("Novak Djokovic", "PERSON") in labels(groups)


def test_a_surname_tagged_alone_takes_the_given_name_before_it() -> None:
    text = "Top seed Iga Swiatek edged Aryna Sabalenka in Madrid."
    groups = resolved(text, ("Swiatek", "ORG"), ("Aryna Sabalenka", "PERSON"), ("Madrid", "GPE"))
    assert ("Iga Swiatek", "PERSON") in labels(groups)


def test_a_given_name_and_surname_tagged_apart_become_one_person() -> None:
    text = "Novak Djokovic said he was tired after the match."
    groups = resolved(text, ("Novak", "ORG"), ("Djokovic", "ORG"))
    assert spans(groups) == {("Novak Djokovic", "PERSON")}


def test_a_given_name_before_a_company_word_is_not_joined() -> None:
    text = "Mason Capital raised its stake in the company on Monday."
    groups = resolved(text, ("Mason", "ORG"))
    assert labels(groups) == {("Mason", "ORG")}


def test_a_one_word_name_opening_a_sentence_takes_no_given_name_from_the_one_before() -> None:
    text = "The award went to Kasper. Vuorinen came second."
    groups = resolved(text, ("Vuorinen", "PERSON"))
    assert spans(groups) == {("Vuorinen", "PERSON")}


# A known place that is the surname of the article's person.


def test_a_known_place_that_ends_the_articles_person_and_speaks_is_that_person() -> None:
    text = (
        "Dublin-born director Neil Jordan says he never lost more sleep over a film.\n"
        'Jordan said the film was "more about history than politics".\n'
        "Liam Neeson plays the lead role in Jordan's film."
    )
    groups = resolved(
        text,
        ("Neil Jordan", "PERSON"),
        ("Jordan", "GPE"),
        ("Liam Neeson", "PERSON"),
        ("Jordan", "GPE"),
    )
    assert labels(groups) == {("Neil Jordan", "PERSON"), ("Liam Neeson", "PERSON")}


def test_a_known_place_the_article_places_stays_a_place() -> None:
    text = "Michael Jordan met the king.\nTalks in Jordan went well, Jordan's minister said."
    groups = resolved(text, ("Michael Jordan", "PERSON"), ("Jordan", "GPE"), ("Jordan", "GPE"))
    assert labels(groups) == {("Michael Jordan", "PERSON"), ("Jordan", "GPE")}


# A one-word name beside a person's cue.


def test_an_age_after_a_name_makes_it_a_person_everywhere() -> None:
    text = "Vuorinen, 31, beat Alvarez in the second round.\nVuorinen will face Ruud next."
    groups = resolved(text, ("Vuorinen", "GPE"), ("Alvarez", "PERSON"), ("Vuorinen", "PERSON"))
    assert labels(groups) == {("Vuorinen", "PERSON"), ("Alvarez", "PERSON")}


def test_said_he_makes_a_name_a_person_and_no_team() -> None:
    text = "The Serbian world number one beat Vuorinen in Paris.\nVuorinen said he would be back."
    groups = resolved(
        text, ("Serbian", "NORP"), ("Vuorinen", "GPE"), ("Paris", "GPE"), ("Vuorinen", "PERSON")
    )
    assert ("Vuorinen", "PERSON") in labels(groups)
    assert ("Vuorinen", "ORG") not in labels(groups)


def test_a_role_before_a_name_makes_it_a_person() -> None:
    text = "Striker Brankovic scored twice as Partizan won 2-0 on Sunday."
    groups = resolved(text, ("Brankovic", "ORG"), ("Partizan", "ORG"))
    assert labels(groups) == {("Brankovic", "PERSON"), ("Partizan", "ORG")}


def test_a_company_that_said_it_stays_a_company() -> None:
    text = "Rivian said it would build the plant. Rivian's lawyers filed the papers."
    groups = resolved(text, ("Rivian", "ORG"), ("Rivian", "ORG"))
    assert labels(groups) == {("Rivian", "ORG")}


def test_a_team_still_plays_a_match() -> None:
    text = "Newcastle beat Southampton 2-0 on Saturday.\nNewcastle said it was a fair result."
    groups = resolved(text, ("Newcastle", "GPE"), ("Southampton", "ORG"), ("Newcastle", "GPE"))
    assert labels(groups) == {("Newcastle", "ORG"), ("Southampton", "ORG")}


# The data.


def test_the_given_names_list_reaches_international_names_but_not_words_or_places() -> None:
    names = load_word_list(PACKAGED_MORE_GIVEN_NAMES)
    assert {"Novak", "Jannik", "Erling", "Dirk", "Pascal"} <= names
    assert not {"Apple", "Paris", "London", "Will", "May", "Hjh"} & names


# Span shapes around a person.


def test_a_nationality_in_front_of_a_full_name_is_split_off() -> None:
    text = "American Novak Brown outclassed the Olympic champion for the third time."
    groups = resolved(text, ("American Novak Brown", "ORG"))
    assert spans(groups) == {("American", "NORP"), ("Novak Brown", "PERSON")}


def test_a_full_name_after_a_tagged_nationality_is_found() -> None:
    text = "Serbian Novak Djokovic beat Swiss Stan Wawrinka on Friday."
    groups = resolved(text, ("Serbian", "NORP"), ("Swiss", "NORP"), ("Stan Wawrinka", "PERSON"))
    assert ("Novak Djokovic", "PERSON") in labels(groups)


def test_every_set_score_behind_a_player_is_cut() -> None:
    text = "Kasper Vuorinen beat Mateo Alvarez 6-3 6-2 in the second round."
    groups = resolved(text, ("Kasper Vuorinen", "PERSON"), ("Mateo Alvarez 6-3 6-2", "PERSON"))
    assert spans(groups) == {("Kasper Vuorinen", "PERSON"), ("Mateo Alvarez", "PERSON")}


def test_eng_train_evidence_keeps_names_that_open_people_and_not_words(tmp_path: Path) -> None:
    rows = [
        "-DOCSTART- -X- O O",
        "",
        *["Glen NNP I-NP I-PER", "Hoddle NNP I-NP I-PER", "said VBD I-VP O", ""] * 2,
        "Dirk NNP I-NP I-PER", "Medved NNP I-NP I-PER", "",
        *["Rose NNP I-NP I-PER", "Smith NNP I-NP I-PER", ""] * 2,
        *["the DT I-NP O", "Rose NNP I-NP I-LOC", "Bowl NNP I-NP I-LOC", ""] * 3,
    ]  # fmt: skip
    path = tmp_path / "eng.train"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    # Glen opens two names and nothing else; Dirk only one; Rose is a place more often.
    assert conll_train_given_names(path) == {"Glen"}
