"""Issue 8's entity rules on modern news, on hand-made mentions as the small model gives them
(no model): known platforms/products/companies, colon tails, glued profile-card names, titles
inside spans, surname evidence, places by context, and the data lists behind them."""

from __future__ import annotations

import pytest

from services.enrich.config import PACKAGED_CITIES, PACKAGED_MORE_GIVEN_NAMES, load_word_list
from services.enrich.pipeline.document import EntityGroup
from services.enrich.pipeline.run import resolve_entities
from services.enrich.pipeline.textmap import TextMap
from shared.aliases import PACKAGED_KNOWN_ENTITIES, AliasTable, Canonical, load_aliases
from tests.support.tagging import labels, tagged

ALIASES = load_aliases()
NAMES = frozenset({"Tim", "Mason", "Kristi", "Novak"})
CITIES = load_word_list(PACKAGED_CITIES)


def resolved(
    text: str,
    *spans: tuple[str, str],
    aliases: AliasTable = ALIASES,
    given_names: frozenset[str] = NAMES,
) -> list[EntityGroup]:
    return resolve_entities(
        tagged(text, *spans),
        text=TextMap.identity(text),
        aliases=aliases,
        given_names=given_names,
        cities=CITIES,
    )


def test_platforms_and_companies_are_not_people_or_places() -> None:
    text = "Twitter banned him. Alibaba shares rose. Ericsson cut jobs."
    groups = resolved(text, ("Twitter", "PERSON"), ("Alibaba", "GPE"), ("Ericsson", "PERSON"))
    assert labels(groups) == {("Twitter", "ORG"), ("Alibaba", "ORG"), ("Ericsson", "ORG")}


def test_a_product_is_never_a_person_and_lends_no_surname() -> None:
    text = "The MacBook Pro is fast. The Pro model costs more."
    groups = resolved(text, ("MacBook Pro", "PERSON"))
    assert labels(groups) == {("MacBook Pro", "PRODUCT")}


def test_a_colon_tail_is_cut() -> None:
    text = "Apple Arcade: So far it has 200 games."
    assert labels(resolved(text, ("Apple Arcade: So", "ORG"))) == {("Apple Arcade", "ORG")}


def test_a_known_name_the_model_missed_is_found() -> None:
    text = "Games come to Apple Arcade this week."
    assert labels(resolved(text)) == {("Apple Arcade", "ORG")}


def test_known_names_are_not_read_in_an_all_caps_headline() -> None:
    text = "TELL US WHAT YOU THINK\nShe said so."
    assert labels(resolved(text)) == set()


def test_an_inner_title_parts_the_company_from_its_chief() -> None:
    text = "Apple CEO Tim Cook spoke. Cook said sales grew."
    groups = resolved(text, ("Apple CEO Tim Cook", "ORG"), ("Cook", "PERSON"))
    assert labels(groups) == {("Apple", "ORG"), ("Tim Cook", "PERSON")}
    assert next(g for g in groups if g.name == "Tim Cook").count == 2


def test_surname_votes_make_the_full_name_a_person() -> None:
    text = "Mason Rudolph threw twice. Rudolph said it went well. Rudolph left. Rudolph smiled."
    spans = [("Mason Rudolph", "ORG")] + [("Rudolph", "PERSON")] * 3
    groups = resolved(text, *spans)
    assert labels(groups) == {("Mason Rudolph", "PERSON")}
    assert groups[0].count == 4


def test_a_lone_org_vote_does_not_outweigh_a_person_surname() -> None:
    text = "Rudolph Partners grew. Rudolph Partners hired."
    groups = resolved(text, ("Rudolph Partners", "ORG"), ("Rudolph Partners", "ORG"))
    assert labels(groups) == {("Rudolph Partners", "ORG")}


def test_a_person_written_as_a_place_is_a_place() -> None:
    text = "Forces at al-Tanf were attacked. The base near al-Tanf is small. In al-Tanf, calm."
    spans = [("al-Tanf", "PERSON"), ("al-Tanf", "ORG"), ("al-Tanf", "PERSON")]
    assert labels(resolved(text, *spans)) == {("al-Tanf", "GPE")}


def test_a_person_who_speaks_stays_a_person() -> None:
    text = "Smith arrived in Leeds. Smith said no. Smith told us more. At Smith's house, calm."
    spans = [("Smith", "PERSON"), ("Leeds", "GPE"), ("Smith", "PERSON"), ("Smith", "PERSON")]
    spans.append(("Smith", "PERSON"))
    assert ("Smith", "PERSON") in labels(resolved(text, *spans))


def test_glued_profile_card_names_are_split() -> None:
    text = (
        "Kristi NoemKristi Lynn NoemSouth Dakota governor spoke. Kristi Noem said South Dakota"
        " would sue. Noem left."
    )
    groups = resolved(
        text,
        ("Kristi NoemKristi Lynn NoemSouth Dakota", "PERSON"),
        ("Kristi Noem", "PERSON"),
        ("South Dakota", "GPE"),
        ("Noem", "PERSON"),
    )
    names = {g.name for g in groups}
    assert not any("NoemKristi" in n or "NoemSouth" in n for n in names), names
    assert {"Kristi Noem", "South Dakota"} <= names


def test_a_brand_written_in_camel_case_is_not_split() -> None:
    text = "YouTube removed the video. YouTube said so."
    groups = resolved(text, ("YouTube", "ORG"), ("YouTube", "ORG"))
    assert labels(groups) == {("YouTube", "ORG")}


def test_the_alias_file_wins_over_the_known_list() -> None:
    own = AliasTable.from_dict({"entities": [{"name": "Twitter", "label": "PERSON"}]})
    assert own.over(ALIASES).lookup("Twitter") == Canonical("Twitter", "PERSON")
    assert ALIASES.lookup("Twitter") == Canonical("Twitter", "ORG")


def test_the_lists_are_data_with_their_sources() -> None:
    """The generated lists keep out what they promise to keep out."""
    known = load_aliases(PACKAGED_KNOWN_ENTITIES, known=None)
    assert known.lookup("Afghans") == Canonical("Afghans", "NORP")
    assert known.lookup("Apple Inc.") == Canonical("Apple", "ORG")
    assert known.lookup("Block") is None  # a company named by a plain word
    assert known.lookup("Jordan") is None  # a country that is a person's name
    more = load_word_list(PACKAGED_MORE_GIVEN_NAMES)
    assert "Kristi" in more
    assert not {"Paris", "Will", "Grace", "Dallas", "China"} & more


def test_a_family_name_written_first_joins_its_full_name() -> None:
    text = "Dissident Wang Donghai was held. Wang's letter was read. Wang was arrested."
    spans = [("Wang Donghai", "PERSON"), ("Wang", "ORG"), ("Wang", "ORG")]
    groups = resolved(text, *spans)
    assert labels(groups) == {("Wang Donghai", "PERSON")}
    assert groups[0].count == 3


def test_a_first_word_the_article_places_does_not_join() -> None:
    text = "Jordan Henderson scored. Jordan closed its border."
    groups = resolved(text, ("Jordan Henderson", "PERSON"), ("Jordan", "GPE"))
    assert labels(groups) == {("Jordan Henderson", "PERSON"), ("Jordan", "GPE")}


def test_sides_that_play_a_match_are_teams() -> None:
    text = "Derbyshire beat Kent by six wickets. Newcastle drew with Southampton."
    spans = [("Derbyshire", "PERSON"), ("Kent", "PERSON"), ("Newcastle", "GPE")]
    spans.append(("Southampton", "GPE"))
    assert labels(resolved(text, *spans)) == {
        ("Derbyshire", "ORG"),
        ("Kent", "ORG"),
        ("Newcastle", "ORG"),
        ("Southampton", "ORG"),
    }


def test_countries_and_named_people_are_not_teams() -> None:
    text = "France beat Spain. Rafael Nadal beat Federer. Nadal beat Federer again."
    spans = [("France", "GPE"), ("Spain", "GPE"), ("Rafael Nadal", "PERSON")]
    spans += [("Federer", "PERSON"), ("Nadal", "PERSON"), ("Federer", "PERSON")]
    assert labels(resolved(text, *spans)) == {
        ("France", "GPE"),
        ("Spain", "GPE"),
        ("Rafael Nadal", "PERSON"),
        ("Federer", "PERSON"),
    }


def test_a_place_that_speaks_and_is_never_placed_is_a_person() -> None:
    text = "Belichick said the team was ready. Later Belichick smiled."
    spans = [("Belichick", "GPE"), ("Belichick", "GPE")]
    assert labels(resolved(text, *spans)) == {("Belichick", "PERSON")}


def test_a_place_someone_comes_from_stays_a_place() -> None:
    text = "A teacher from Leeds, said she lost money. Leeds said nothing."
    spans = [("Leeds", "GPE"), ("Leeds", "GPE")]
    assert labels(resolved(text, *spans)) == {("Leeds", "GPE")}


def test_a_person_named_like_a_known_city_is_the_city() -> None:
    text = "Heat warnings in Daejeon and Cheongju on Monday. Gwangju hit 35C; Missoula was cool."
    spans = [("Daejeon", "PERSON"), ("Cheongju", "PERSON"), ("Gwangju", "PERSON")]
    spans += [("Missoula", "PERSON")]
    assert labels(resolved(text, *spans)) == {
        ("Daejeon", "GPE"),
        ("Cheongju", "GPE"),
        ("Gwangju", "GPE"),
        ("Missoula", "GPE"),
    }


def test_a_city_name_that_acts_or_ends_a_full_name_stays_a_person() -> None:
    text = "Dedham said he would run. Eva Missoula won. Missoula thanked her fans."
    spans = [("Dedham", "PERSON"), ("Eva Missoula", "PERSON"), ("Missoula", "PERSON")]
    assert labels(resolved(text, *spans)) == {("Dedham", "PERSON"), ("Eva Missoula", "PERSON")}


def test_the_city_list_leaves_out_names_of_people_and_words() -> None:
    assert {"Missoula", "Bangalore", "Daejeon", "Dedham"} <= CITIES
    # First names, surnames and English words that are also cities are not evidence.
    assert not {"Houston", "Florence", "Lincoln", "Jackson", "Paris", "Mobile"} & CITIES


def test_a_known_city_the_model_calls_an_organisation_is_a_city_once_placed() -> None:
    text = "Two trains collided in Linz on Wednesday. Linz police said nobody died."
    groups = resolved(text, ("Linz", "ORG"), ("Linz", "ORG"))
    assert labels(groups) == {("Linz", "GPE")}
    # ... but not a company that happens to share a city's name, nor one never placed.
    company = "Shares in Linz fell. Linz said its profit rose."
    assert labels(resolved(company, ("Linz", "ORG"), ("Linz", "ORG"))) == {("Linz", "ORG")}
    unplaced = "Linz police said nobody died."
    assert labels(resolved(unplaced, ("Linz", "ORG"))) == {("Linz", "ORG")}


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        pytest.param(
            "The Volcker Rule and the Immigration and Nationality Act were debated in Congress.",
            [
                ("Volcker Rule", "ORG"),
                ("Immigration and Nationality Act", "ORG"),
                ("Congress", "ORG"),
            ],
            {
                ("Volcker Rule", "LAW"),
                ("Immigration and Nationality Act", "LAW"),
                ("Congress", "ORG"),
            },
            id="a law is not an organisation",
        ),
        pytest.param(
            "Police closed Wellington Road, Joe Farrington Road and Clarkia Drive in Arima.",
            [
                ("Wellington Road", "GPE"),
                ("Joe Farrington Road", "ORG"),
                ("Clarkia Drive", "PERSON"),
                ("Arima", "GPE"),
            ],
            {
                ("Wellington Road", "FAC"),
                ("Joe Farrington Road", "FAC"),
                ("Clarkia Drive", "FAC"),
                ("Arima", "GPE"),
            },
            id="a street is a facility",
        ),
        pytest.param(
            "Docker and Python run the site. Vogue and Healthline covered it.",
            [
                ("Docker", "PERSON"),
                ("Python", "PERSON"),
                ("Vogue", "PERSON"),
                ("Healthline", "GPE"),
            ],
            {("Docker", "PRODUCT"), ("Python", "PRODUCT"), ("Vogue", "ORG"), ("Healthline", "ORG")},
            id="software and outlets from the platform list",
        ),
    ],
)
def test_what_the_name_itself_says_decides_its_label(
    text: str, spans: list[tuple[str, str]], expected: set[tuple[str, str]]
) -> None:
    assert labels(resolved(text, *spans)) == expected


def test_a_section_label_in_capitals_is_a_word_an_acronym_is_not() -> None:
    # "ACCIDENT" heads a police log that also says "accident"; "AIDS" is too short to judge.
    text = "ACCIDENT\nThe accident on Route 29 closed the road. AIDS charities and aids to work."
    groups = resolved(text, ("ACCIDENT", "ORG"), ("AIDS", "ORG"))
    assert labels(groups) == {("AIDS", "ORG")}


def test_an_organisation_running_on_into_a_full_name_is_split() -> None:
    names = NAMES | {"Brian"}
    text = "Minister in the Ministry of Finance Brian Manning said the motion would fail."
    groups = resolved(text, ("Ministry of Finance Brian Manning", "ORG"), given_names=names)
    assert labels(groups) == {("Ministry of Finance", "ORG"), ("Brian Manning", "PERSON")}
    # An organisation named after a person keeps its name whole.
    text = "The Bank of England Tim Smith Fund paid out."
    groups = resolved(text, ("Bank of England Tim Smith Fund", "ORG"), given_names=names)
    assert labels(groups) == {("Bank of England Tim Smith Fund", "ORG")}


def test_a_name_after_a_title_only_people_bear_is_a_person() -> None:
    # "Cowie" is no given name the pipeline knows; "Detective" says who it is.
    text = "Detective Cowie Massy led the inquiry, Supt Peters said. General Motors cut jobs."
    groups = resolved(
        text,
        ("Detective Cowie Massy", "ORG"),
        ("Supt Peters", "PERSON"),
        ("General Motors", "ORG"),
    )
    assert labels(groups) == {
        ("Cowie Massy", "PERSON"),
        ("Peters", "PERSON"),
        ("General Motors", "ORG"),
    }


def test_the_government_is_a_role_not_a_name() -> None:
    text = "The Government said the Cabinet would meet. Government House stays open."
    groups = resolved(text, ("Government", "ORG"), ("Cabinet", "ORG"), ("Government House", "ORG"))
    assert labels(groups) == {("Government House", "ORG")}


def test_an_untagged_body_named_by_its_kind_is_an_organisation() -> None:
    text = (
        "Yesterday Oxford Council met, as it met yesterday. The letter was signed by the "
        "Future British Standards Coalition and read out in full.\nThe Standards Coalition Report"
    )
    groups = resolved(text)
    # "Yesterday" opens the sentence and the article writes it in lowercase: a word, not part
    # of the name. The title-case last line is a heading, not prose.
    assert labels(groups) == {
        ("Oxford Council", "ORG"),
        ("Future British Standards Coalition", "ORG"),
    }


def test_a_known_name_joined_by_and_is_one_entity() -> None:
    """The model tags "Trinidad" and "Tobago" apart, or only the first half."""
    from services.enrich.pipeline.entities import RawMention
    from services.enrich.pipeline.known_labels import joined_known_names
    from shared.aliases import load_aliases

    aliases = load_aliases()
    text = (
        "Banks in Trinidad and Tobago closed. Bosnia and Herzegovina voted; Smith and Jones left."
    )
    halves = [
        RawMention("Trinidad", "GPE", 9, 17),
        RawMention("Tobago", "ORG", 22, 28),
        RawMention("Bosnia", "GPE", 37, 43),
        RawMention("Smith", "PERSON", 67, 72),
        RawMention("Jones", "PERSON", 77, 82),
    ]
    joined = joined_known_names(halves, text, aliases)
    assert [(m.text, m.label, text[m.start : m.end]) for m in joined] == [
        ("Trinidad and Tobago", "GPE", "Trinidad and Tobago"),
        ("Bosnia and Herzegovina", "GPE", "Bosnia and Herzegovina"),
        ("Smith", "PERSON", "Smith"),
        ("Jones", "PERSON", "Jones"),
    ]
