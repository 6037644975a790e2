"""Editors' corrections on a real SQLite file, through the store functions the ingest service
and the worker call (no worker process): a merge moves names, article rows and counts and the
next article follows it; a split pins names to an entity of their own and the next article
cannot undo it; every refusal names what was wrong. The HTTP endpoints, the re-tagging by a
real worker and both databases: tests/integration/test_entity_corrections.py."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.api.queries import resolve_entity_ids
from services.enrich.pipeline.document import EntityGroup, Mention
from services.enrich.store import save_enriched
from services.ingest.entity_corrections import merge, split
from services.ingest.revisions import retract
from services.ingest.store import store_articles
from shared.aliases import AliasTable
from shared.errors import Rejected
from shared.models import (
    Article,
    ArticleEntity,
    Entity,
    EntityAlias,
    EntityCorrection,
    EntityNamePin,
    FormerMention,
)
from shared.reenrich_jobs import ANY_PIPELINE, selected_ids
from shared.schemas import ArticleIn
from tests.support.enrichment import enriched_document
from tests.unit.test_enrich_store import IDENTITY

NOW = datetime.now(UTC)
_SERIAL = itertools.count()


def group(name: str, *surfaces: str, label: str = "PERSON", at: int = 0) -> EntityGroup:
    mentions = [
        Mention(s, label, label, at + 10 * n, at + 10 * n + len(s), at, at + len(s))
        for n, s in enumerate(surfaces or (name,))
    ]
    return EntityGroup(name, label, mentions, 0.5)


def article(engine: Engine, *groups: EntityGroup, text: str | None = None) -> int:
    """An article stored and enriched with these entities; returns its id."""
    body = text or " ".join(g.name for g in groups) + f" ({next(_SERIAL)})"
    with Session(engine) as session:
        [stored] = store_articles(session=session, items=[ArticleIn(text=body, published_at=NOW)])
    document = enriched_document(body, *groups)
    with Session(engine) as session:
        assert save_enriched(
            session=session,
            article_id=stored.id,
            revision=1,
            enriched=document,
            identity=IDENTITY,
        )
    return stored.id


def entity_id(engine: Engine, name: str, label: str = "PERSON") -> int:
    with Session(engine) as session:
        found = session.exec(
            select(Entity.id).where(Entity.name == name, Entity.label == label)
        ).one()
    assert found is not None
    return found


def record_entity(engine: Engine, article_id: int, name: str) -> dict[str, object]:
    with Session(engine) as session:
        stored = session.get_one(Article, article_id).enrichment or {}
    [found] = [e for e in stored["entities"] if e["name"] == name]
    return dict(found)


def rows(engine: Engine, article_id: int) -> dict[int, tuple[int, str | None]]:
    with Session(engine) as session:
        return {
            r.entity_id: (r.mention_count, r.label)
            for r in session.exec(
                select(ArticleEntity).where(ArticleEntity.article_id == article_id)
            )
        }


def refused(engine: Engine, status: int, words: str, call: object) -> None:
    with Session(engine) as session, pytest.raises(Rejected) as caught:
        call(session)  # type: ignore[operator]
    assert caught.value.status == status, caught.value.message
    assert words in caught.value.message, caught.value.message


def test_merge_moves_names_rows_and_counts_and_the_next_article_follows(engine: Engine) -> None:
    one = article(engine, group("Donald Trump"))
    two = article(engine, group("Donald J. Trump", "Donald J. Trump", "Trump"))
    both = article(engine, group("Donald Trump"), group("Donald J. Trump", at=40))
    kept, gone = entity_id(engine, "Donald Trump"), entity_id(engine, "Donald J. Trump")

    with Session(engine) as session:
        done = merge(session, into_id=kept, from_id=gone, reason="same man", editor="ana")
        session.commit()
        assert (done.correction.kind, done.correction.names) == (
            "merge",
            ["donald j. trump", "trump"],
        )
        # Re-tagged: the articles whose records still name the merged entity.
        ids = selected_ids(session, done.retag, ANY_PIPELINE, after_id=0, limit=10)
        assert ids == [two, both]

    with Session(engine) as session:
        a, b = session.get_one(Entity, kept), session.get_one(Entity, gone)
        assert (a.article_count, b.article_count, b.merged_into) == (3, 0, kept)
        assert a.last_seen_at is not None
        aliases = set(
            session.exec(select(EntityAlias.alias_key).where(EntityAlias.entity_id == kept))
        )
        assert {"donald trump", "donald j. trump", "trump"} <= aliases
        assert session.exec(select(EntityAlias).where(EntityAlias.entity_id == gone)).all() == []
        [logged] = session.exec(select(EntityCorrection)).all()
        assert (logged.reason, logged.editor) == ("same man", "ana")
    assert rows(engine, one) == {kept: (1, "PERSON")}
    assert rows(engine, two) == {kept: (2, "PERSON")}
    assert rows(engine, both) == {kept: (2, "PERSON")}  # two rows combined into one

    # An enrichment written while the merge ran can leave its row on the merged entity: a name
    # still finds it, and the merge's re-tagging selects it.
    with Session(engine) as session:
        session.exec(
            update(ArticleEntity).where(col(ArticleEntity.article_id) == two).values(entity_id=gone)
        )
        session.commit()
        found = resolve_entity_ids(session, name="Donald Trump", label=None, aliases=AliasTable({}))
        assert found == sorted([kept, gone])
        assert selected_ids(session, done.retag, ANY_PIPELINE, after_id=0, limit=10) == [two, both]

    later = article(engine, group("Donald J. Trump"))
    assert rows(engine, later) == {kept: (1, "PERSON")}
    named = record_entity(engine, later, "Donald J. Trump")
    assert named["id"] == kept
    assert named["link"] == {
        "linked": True,
        "reason": "'Donald J. Trump' is 'Donald Trump': an editor merged 'Donald J. Trump' into it",
    }


def test_merging_an_org_into_a_person_moves_its_rows_under_the_person_label(
    engine: Engine,
) -> None:
    article(engine, group("Donald Trump"))
    org = article(engine, group("Trump", label="ORG"))
    person, trump_org = entity_id(engine, "Donald Trump"), entity_id(engine, "Trump", "ORG")
    with Session(engine) as session:
        merge(session, into_id=person, from_id=trump_org, reason=None, editor=None)
        session.commit()
    assert rows(engine, org) == {person: (1, "PERSON")}
    later = article(engine, group("Trump", label="ORG"))
    assert rows(engine, later) == {person: (1, "PERSON")}
    assert record_entity(engine, later, "Trump")["label"] == "PERSON"


def test_merge_moves_the_former_mentions_too(engine: Engine) -> None:
    """A feed filtered by the kept entity must still carry the retractions of articles that
    named the merged one (their entity rows live on only as former mentions)."""
    only_org = article(engine, group("Trump", label="ORG"))
    both = article(engine, group("Donald Trump"), group("Trump", label="ORG", at=40))
    person, trump_org = entity_id(engine, "Donald Trump"), entity_id(engine, "Trump", "ORG")
    with Session(engine) as session:
        for article_id in (only_org, both):
            assert retract(session, session.get_one(Article, article_id), "withdrawn")
        merge(session, into_id=person, from_id=trump_org, reason=None, editor=None)
        session.commit()
        copies = session.exec(select(FormerMention)).all()
    assert sorted((c.article_id, c.entity_id, c.label) for c in copies) == [
        (only_org, person, "PERSON"),
        (both, person, "PERSON"),
    ]


def test_merge_refusals_name_the_problem(engine: Engine) -> None:
    article(
        engine,
        group("Boris Johnson"),
        group("Magic Johnson", at=20),
        group("Johnson", at=40),
        group("Leeds", label="GPE", at=60),
    )
    boris, magic, johnson = (
        entity_id(engine, n) for n in ("Boris Johnson", "Magic Johnson", "Johnson")
    )
    leeds = entity_id(engine, "Leeds", "GPE")

    def merging(into: int, source: int) -> object:
        return lambda s: merge(s, into_id=into, from_id=source, reason=None, editor=None)

    refused(engine, 422, f"cannot merge entity {boris} into itself", merging(boris, boris))
    refused(engine, 404, "no entity with id 999", merging(999, boris))
    refused(engine, 422, "from_id: no entity with id 998", merging(boris, 998))
    refused(engine, 422, "not one kind of entity", merging(boris, leeds))
    with Session(engine) as session:
        merge(session, into_id=boris, from_id=johnson, reason=None, editor=None)
        session.commit()
    refused(engine, 409, "already merged into entity", merging(magic, johnson))
    refused(engine, 409, f"merge into entity {boris} instead", merging(johnson, magic))


def test_split_pins_names_to_their_own_entity_and_the_next_article_keeps_it(
    engine: Engine,
) -> None:
    for _ in range(2):
        article(engine, group("Donald Trump", "Donald Trump", "Trump"))
    alone = article(engine, group("Trump", label="ORG"))
    donald = entity_id(engine, "Donald Trump")
    assert record_entity(engine, alone, "Trump")["id"] == donald  # the linker joined them

    with Session(engine) as session:
        done = split(
            session,
            entity_id=donald,
            aliases=["TRUMP"],
            name=None,
            label=None,
            reason="not always him",
            editor="ana",
        )
        session.commit()
        new = done.other_id
        assert session.get_one(Entity, new).name == "TRUMP"  # the alias as given: default name
        assert session.get_one(Entity, new).label == "PERSON"
        [pin] = session.exec(select(EntityNamePin)).all()
        assert (pin.alias_key, pin.entity_id) == ("trump", new)
        # Re-tagged: records that joined the entity through a link naming a split name.
        assert selected_ids(session, done.retag, ANY_PIPELINE, after_id=0, limit=10) == [alone]
        assert done.retag.names == ("trump",)

    # The linker would join "Trump" to Donald Trump (frequent, recent): the pin wins.
    later = article(engine, group("Trump", label="ORG"))
    assert rows(engine, later) == {new: (1, "PERSON")}
    assert "an editor's correction" in str(record_entity(engine, later, "Trump")["link"])
    # Named in full with the surname after, "Trump" is Donald in that article, but it does not
    # come back as his alias.
    article(engine, group("Donald Trump", "Donald Trump", "Trump"))
    with Session(engine) as session:
        aliases = set(
            session.exec(select(EntityAlias.alias_key).where(EntityAlias.entity_id == donald))
        )
    assert "trump" not in aliases


def test_a_split_brings_back_an_entity_merged_in_under_that_name(engine: Engine) -> None:
    article(engine, group("Donald Trump"))
    article(engine, group("Donald Trump Jr."))
    senior, junior = entity_id(engine, "Donald Trump"), entity_id(engine, "Donald Trump Jr.")
    with Session(engine) as session:
        merge(session, into_id=senior, from_id=junior, reason="wrong", editor=None)
        session.commit()
    with Session(engine) as session:
        done = split(
            session,
            entity_id=senior,
            aliases=["donald trump jr."],
            name="Donald Trump Jr.",
            label=None,
            reason="undo",
            editor=None,
        )
        session.commit()
        assert done.other_id == junior
        assert session.get_one(Entity, junior).merged_into is None
    later = article(engine, group("Donald Trump Jr."))
    assert rows(engine, later) == {junior: (1, "PERSON")}


def test_split_refusals_name_the_problem(engine: Engine) -> None:
    article(engine, group("Donald Trump", "Donald Trump", "Trump"))
    article(engine, group("Ivanka Trump"))
    donald, ivanka = entity_id(engine, "Donald Trump"), entity_id(engine, "Ivanka Trump")

    def splitting(entity: int, *aliases: str, name: str | None = None) -> object:
        return lambda s: split(
            s, entity_id=entity, aliases=aliases, name=name, label=None, reason=None, editor=None
        )

    refused(engine, 404, "no entity with id 999", splitting(999, "trump"))
    refused(
        engine, 422, "'Donald Trump' is the entity's own name", splitting(donald, "donald trump")
    )
    refused(
        engine,
        422,
        "'the donald' not among the aliases of entity",
        splitting(donald, "trump", "The Donald"),
    )
    refused(engine, 422, "'donald trump', 'trump'", splitting(donald, "ivanka"))
    with Session(engine) as session:
        merge(session, into_id=donald, from_id=ivanka, reason=None, editor=None)
        session.commit()
    refused(engine, 409, f"split entity {donald} instead", splitting(ivanka, "ivanka trump"))
    with Session(engine) as session:
        count = len(
            session.exec(
                select(EntityCorrection).where(col(EntityCorrection.kind) == "split")
            ).all()
        )
    assert count == 0  # nothing refused was recorded
