"""Entity resolution on hand-made mentions (no model): trimming, refinement, propagation,
canonical names, labels, aliases and salience (run.resolve_entities, the steps after tagging)."""

from __future__ import annotations

from services.enrich.pipeline.document import EntityGroup
from services.enrich.pipeline.run import resolve_entities
from services.enrich.pipeline.textmap import TextMap
from shared.aliases import AliasTable, load_aliases
from tests.support.tagging import labels, tagged

ALIASES = load_aliases()
NAMES = frozenset({"Vladimir", "Donald", "Yuri", "Clemens", "Jim", "Anna"})


def entities(text: str, *spans: tuple[str, str], aliases: AliasTable = ALIASES):
    return resolve_entities(
        tagged(text, *spans), text=TextMap.identity(text), aliases=aliases, given_names=NAMES
    )


def by_name(groups: list[EntityGroup]) -> dict[str, EntityGroup]:
    return {g.name: g for g in groups}


def test_surname_joins_the_full_name() -> None:
    text = "Vladimir Putin spoke. Later Putin left."
    groups = by_name(entities(text, ("Vladimir Putin", "PERSON"), ("Putin", "PERSON")))
    assert set(groups) == {"Vladimir Putin"}
    assert groups["Vladimir Putin"].count == 2


def test_surname_keeps_person_label_whatever_the_model_said() -> None:
    text = "Donald Trump said so. Trump repeated it."
    groups = by_name(entities(text, ("Donald Trump", "PERSON"), ("Trump", "ORG")))
    assert groups["Donald Trump"].label == "PERSON"
    assert [m.model_label for m in groups["Donald Trump"].mentions] == ["PERSON", "ORG"]


def test_surname_shared_by_two_people_stays_apart() -> None:
    text = "Anna Smith and Jim Smith met. Smith spoke."
    groups = by_name(
        entities(text, ("Anna Smith", "PERSON"), ("Jim Smith", "PERSON"), ("Smith", "PERSON"))
    )
    assert set(groups) == {"Anna Smith", "Jim Smith", "Smith"}


def test_known_places_are_never_a_persons_name_or_surname() -> None:
    text = "Flights to Papua New Guinea resumed. Stellar Live Asia sold out. Asia waits."
    groups = by_name(
        entities(
            text,
            ("Papua New Guinea", "PERSON"),
            ("Stellar Live Asia", "PERSON"),
            ("Asia", "LOC"),
        )
    )
    assert groups["Papua New Guinea"].label == "GPE"
    assert groups["Asia"].label == "LOC"
    assert groups["Asia"].count == 1


def test_aliases_resolve_to_one_canonical_entity() -> None:
    text = "The U.S. and the United States of America and Kiev."
    groups = by_name(
        entities(text, ("U.S.", "GPE"), ("the United States of America", "GPE"), ("Kiev", "GPE"))
    )
    assert set(groups) == {"United States", "Kyiv"}
    assert groups["United States"].aliases == ["U.S.", "United States of America"]


def test_one_label_per_surface_form_by_majority() -> None:
    text = "Villa won. Villa scored. Villa lost."
    groups = entities(text, ("Villa", "ORG"), ("Villa", "ORG"), ("Villa", "PERSON"))
    assert [(g.name, g.label, g.count) for g in groups] == [("Villa", "ORG", 3)]


def test_quotes_possessives_and_leading_article_are_trimmed() -> None:
    text = 'the Kremlin\'s view and "Interfax" reported'
    groups = by_name(entities(text, ("the Kremlin's", "ORG"), ('"Interfax"', "ORG")))
    assert set(groups) == {"Kremlin", "Interfax"}
    mention = groups["Kremlin"].mentions[0]
    assert text[mention.start : mention.end] == "Kremlin"


def test_job_title_is_not_part_of_a_name() -> None:
    text = "Treasurer Jim Chalmers spoke."
    assert set(by_name(entities(text, ("Treasurer Jim Chalmers", "PERSON")))) == {"Jim Chalmers"}


def test_full_name_starting_with_a_given_name_is_a_person() -> None:
    text = "said Clemens Fuest, the president. Fuest added more."
    groups = by_name(entities(text, ("Clemens Fuest", "ORG")))
    assert groups["Clemens Fuest"].label == "PERSON"
    # ... and its surname, missed by the model, is found and joins it.
    assert [m.text for m in groups["Clemens Fuest"].mentions] == ["Clemens Fuest", "Fuest"]


def test_untagged_full_name_is_found_with_its_surname() -> None:
    text = "said Republican Anna Kowalski's aide. Kowalski later agreed, as did Anna Holdings."
    groups = by_name(entities(text))
    assert groups["Anna Kowalski"].label == "PERSON"
    assert [m.text for m in groups["Anna Kowalski"].mentions] == ["Anna Kowalski", "Kowalski"]
    assert "Anna Holdings" not in groups


def test_given_name_does_not_make_an_organisation_a_person() -> None:
    text = "Anna Holdings said profits rose."
    assert entities(text, ("Anna Holdings", "ORG"))[0].label == "ORG"


def test_brand_written_single_word_is_not_a_person() -> None:
    text = "SpaceX and OpenAI and LSEG and McConnell"
    groups = entities(
        text,
        ("SpaceX", "PERSON"),
        ("OpenAI", "PERSON"),
        ("LSEG", "PERSON"),
        ("McConnell", "PERSON"),
    )
    labels = {g.name: g.label for g in groups}
    assert labels == {"SpaceX": "ORG", "OpenAI": "ORG", "LSEG": "ORG", "McConnell": "PERSON"}


def test_person_whose_last_word_names_a_kind_of_thing_is_that_thing() -> None:
    text = "Fitch Ratings cut it; Lincoln Elementary closed; Harmon Springs voted."
    groups = entities(
        text,
        ("Fitch Ratings", "PERSON"),
        ("Lincoln Elementary", "PERSON"),
        ("Harmon Springs", "PERSON"),
    )
    assert {(g.name, g.label) for g in groups} == {
        ("Fitch Ratings", "ORG"),
        ("Lincoln Elementary", "ORG"),
        ("Harmon Springs", "GPE"),
    }


def test_lowercase_edges_are_trimmed_or_dropped() -> None:
    text = "the state Department of Transportation and Kunar province and the Gaza health ministry"
    groups = entities(
        text,
        ("state Department of Transportation", "ORG"),
        ("Kunar province", "GPE"),
        ("Gaza health ministry", "ORG"),
    )
    # "Gaza health ministry" is no name; "Gaza" in it is a known place, found on its own.
    assert {(g.name, g.label) for g in groups} == {
        ("Department of Transportation", "ORG"),
        ("Kunar", "GPE"),
        ("Gaza", "GPE"),
    }


def test_dateline_names_a_place_and_decides_its_label() -> None:
    text = "KAMLOOPS, B.C. — A fire near Kamloops grew."
    groups = by_name(entities(text, ("KAMLOOPS", "ORG"), ("Kamloops", "ORG")))
    assert groups["KAMLOOPS"].label == "GPE"
    assert {g.label for g in groups.values()} == {"GPE"}


def test_all_caps_headline_is_not_a_dateline() -> None:
    text = "SOCCER - JAPAN GET LUCKY WIN, CHINA IN SURPRISE DEFEAT."
    assert [g.name for g in entities(text, ("JAPAN", "GPE"))] == ["Japan"]  # no "SOCCER"


def test_missed_occurrences_are_propagated() -> None:
    text = "Aston Villa beat Arsenal. Villa were better, and Villa celebrated."
    groups = by_name(entities(text, ("Aston Villa", "ORG"), ("Villa", "ORG")))
    assert sorted(m.start for m in groups["Villa"].mentions) == [26, 49]


def test_propagation_skips_longer_names_and_common_words() -> None:
    text = "Bell spoke. Bell Labs said so. Rice prices rose; rice is scarce. Marcus Rice agreed."
    groups = entities(text, ("Bell", "PERSON"), ("Marcus Rice", "PERSON"))
    starts = sorted(m.start for g in groups for m in g.mentions)
    # Not "Bell" in "Bell Labs", not the sentence-initial grain "Rice".
    assert starts == [0, text.index("Marcus Rice")]


def test_salience_prefers_the_frequent_early_entity() -> None:
    text = "Moscow spoke.\nMoscow again. Moscow. Then Paris."
    groups = entities(
        text, ("Moscow", "GPE"), ("Moscow", "GPE"), ("Moscow", "GPE"), ("Paris", "GPE")
    )
    assert [g.name for g in groups] == ["Moscow", "Paris"]
    assert groups[0].salience > groups[1].salience


def test_names_with_inner_capitals_are_kept() -> None:
    text = "eBay sold the iPhone"
    groups = entities(text, ("eBay", "ORG"), ("iPhone", "PRODUCT"))
    assert {g.name for g in groups} == {"eBay", "iPhone"}


def test_listed_non_names_are_dropped() -> None:
    text = "AI lifted GDP at OpenAI"
    groups = resolve_entities(
        tagged(text, ("AI", "ORG"), ("GDP", "ORG"), ("OpenAI", "ORG")),
        text=TextMap.identity(text),
        aliases=ALIASES,
        not_names=frozenset({"AI", "GDP"}),
    )
    assert [g.name for g in groups] == ["OpenAI"]


def test_place_list_becomes_separate_places() -> None:
    text = "ports in Aberdeen, Hull and Great Yarmouth and in Guildford, Surrey"
    groups = entities(
        text, ("Aberdeen, Hull and Great Yarmouth", "ORG"), ("Guildford, Surrey", "ORG")
    )
    assert {(g.name, g.label) for g in groups} == {
        ("Aberdeen", "GPE"),
        ("Hull", "GPE"),
        ("Great Yarmouth", "GPE"),
        ("Guildford", "GPE"),
        ("Surrey", "GPE"),
    }
    for g in groups:
        assert all(text[m.start : m.end] == m.text for m in g.mentions)


def test_plural_possessive_joins_two_names_but_not_one() -> None:
    text = "the United Nations' World Food Programme and Covenant Children's Hospital"
    groups = entities(
        text,
        ("United Nations' World Food Programme", "ORG"),
        ("Covenant Children's Hospital", "ORG"),
    )
    assert {g.name for g in groups} == {
        "United Nations",
        "World Food Programme",
        "Covenant Children's Hospital",
    }


def test_descriptor_and_score_are_not_part_of_the_name() -> None:
    text = "Telehealth company Hims & Hers Health beat Arsenal 2-1 at the Bank of England"
    groups = entities(
        text,
        ("Telehealth company Hims & Hers Health", "ORG"),
        ("Arsenal 2-1", "ORG"),
        ("Bank of England", "ORG"),
    )
    assert {g.name for g in groups} == {"Hims & Hers Health", "Arsenal", "Bank of England"}


def test_organisation_runs_on_where_the_model_stopped() -> None:
    text = (
        "the Communications Authority of Kenya said. The Department for Energy Security and "
        "Net Zero agreed. The Bank of England and Barclays did not."
    )
    groups = entities(
        text,
        ("Communications Authority", "ORG"),
        ("Kenya", "GPE"),
        ("Department for Energy Security", "ORG"),
        ("Bank of England", "ORG"),
        ("Barclays", "ORG"),
    )
    assert {g.name for g in groups} == {
        "Communications Authority of Kenya",
        "Department for Energy Security and Net Zero",
        "Bank of England",
        "Barclays",
    }


def test_sentence_opening_common_word_is_not_a_name() -> None:
    text = "Turnout was low. Officials blamed low turnout on the rain. Labor won."
    groups = entities(text, ("Turnout", "PERSON"), ("Labor", "ORG"))
    assert [g.name for g in groups] == ["Labor"]


def test_dateline_on_its_own_line_names_a_place_and_its_byline_a_person() -> None:
    text = (
        "Stocks slip in Detroit.\nMishi Saran\nDETROIT, Mich 1996-08-31\n"
        "Shares of carmakers fell on Friday."
    )
    # The model read the dateline with its date as one organisation and missed the byline.
    found = labels(entities(text, ("Detroit", "GPE"), ("DETROIT, Mich 1996-08-31", "ORG")))
    assert found == {("Detroit", "GPE"), ("Mich", "GPE"), ("Mishi Saran", "PERSON")}


def test_a_line_of_capitals_that_is_no_dateline_names_nothing() -> None:
    text = "Stocks slip.\nSOCCER - LEADERS HELD\nShares fell on Friday."
    assert entities(text) == []


def test_names_found_in_the_body_are_found_in_a_headline_in_capitals() -> None:
    text = (
        "SOCCER - SHEARER NAMED AS ENGLAND CAPTAIN.\n"
        "Alan Shearer was named England captain. Shearer said he was proud."
    )
    groups = by_name(
        entities(text, ("ENGLAND", "GPE"), ("Alan Shearer", "PERSON"), ("England", "GPE"))
    )
    assert groups["Alan Shearer"].count == 3  # SHEARER, Alan Shearer, Shearer
    assert groups["Alan Shearer"].mentions[0].start == text.index("SHEARER")


def test_a_name_that_is_also_a_word_of_the_article_is_not_read_in_capitals() -> None:
    text = "BUSH FIRES SPREAD.\nGeorge Bush said a bush fire spread."
    groups = by_name(entities(text, ("George Bush", "PERSON")))
    assert groups["George Bush"].count == 1


def test_a_person_that_opens_an_organisations_name_is_that_organisation() -> None:
    text = "Barrick Gold Corp bid on Monday. Barrick said the offer was final."
    found = labels(entities(text, ("Barrick Gold Corp", "ORG"), ("Barrick", "PERSON")))
    assert ("Barrick", "PERSON") not in found
    assert {label for _, label in found} == {"ORG"}


def test_a_person_beside_a_companys_cue_is_an_organisation_unless_a_person_bears_the_name() -> None:
    company = "Cofinec said its unit lost money. Cofinec shares fell."
    assert labels(entities(company, ("Cofinec", "PERSON"), ("Cofinec", "PERSON"))) == {
        ("Cofinec", "ORG")
    }
    person = "Tom Jones sang. Jones said its chorus was old."
    assert labels(entities(person, ("Tom Jones", "PERSON"), ("Jones", "PERSON"))) == {
        ("Tom Jones", "PERSON")
    }


def test_a_headlines_section_slug_names_nothing_and_is_no_dateline() -> None:
    text = "PRESS DIGEST - Iraq - Aug 22.\nBAGHDAD 1996-08-22\nThese are the leading stories."
    # The opening "PRESS DIGEST -" is shaped like "BERLIN -"; the dateline below says it is not.
    assert labels(entities(text, ("PRESS DIGEST", "ORG"), ("Iraq", "GPE"))) == {
        ("Iraq", "GPE"),
        ("Baghdad", "GPE"),  # the alias table's name for it
    }


def test_a_wire_desks_sign_off_names_the_desk() -> None:
    text = "Prices were steady, dealers said.\n-- Sydney Newsroom 61-2 9373-1800"
    assert labels(entities(text, ("Sydney", "GPE"))) == {("Sydney Newsroom", "ORG")}


def test_a_surname_tagged_a_person_half_the_time_makes_its_full_name_a_person() -> None:
    text = "Iga Swiatek won. Swiatek converted. Swiatek told reporters."
    spans = [("Iga Swiatek", "ORG"), ("Swiatek", "ORG"), ("Swiatek", "PERSON")]
    assert labels(entities(text, *spans)) == {("Iga Swiatek", "PERSON")}
