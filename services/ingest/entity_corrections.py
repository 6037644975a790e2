"""Editors' corrections of the entity store: merge one entity into another, split names off an
entity into one of their own (issue 10, item 4).

Each runs in the caller's transaction with both entities locked, and leaves a ruling the
enrichment write follows from then on, so the automatic linker cannot undo it with the next
article: a merged entity points at the one it joined (`merged_into`), and split names are
pinned to the entity they went to (`entity_name_pin`). What is wrong is a `Rejected` naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import status
from sqlalchemy import delete, func, text, update
from sqlmodel import Session, col, select

from shared.aliases import alias_key
from shared.entity_links import labels_compatible
from shared.errors import Rejected
from shared.models import ArticleEntity, Entity, EntityAlias, EntityCorrection, EntityNamePin
from shared.reenrich_jobs import Selector


@dataclass(frozen=True, slots=True)
class Corrected:
    """A correction as written: the record, both entities' ids, and what to re-tag."""

    correction: EntityCorrection
    entity_id: int
    other_id: int
    retag: Selector


def _locked(session: Session, ids: Sequence[int]) -> dict[int, Entity]:
    """The entities, locked in id order (two corrections never wait on each other in a cycle)."""
    rows = session.exec(
        select(Entity)
        .where(col(Entity.id).in_(sorted(set(ids))))
        .order_by(col(Entity.id))
        .with_for_update()
    ).all()
    return {e.id: e for e in rows if e.id is not None}


def _describe(entity: Entity) -> str:
    return f"entity {entity.id} ({entity.name!r}, {entity.label})"


def _not_merged(entity: Entity, action: str) -> None:
    if entity.merged_into is not None:
        raise Rejected(
            status.HTTP_409_CONFLICT,
            f"{_describe(entity)} was merged into entity {entity.merged_into}; {action} entity "
            f"{entity.merged_into} instead",
        )


def _alias_keys(session: Session, entity_id: int) -> set[str]:
    query = select(EntityAlias.alias_key).where(EntityAlias.entity_id == entity_id)
    return set(session.exec(query))


def merge(
    session: Session, *, into_id: int, from_id: int, reason: str | None, editor: str | None
) -> Corrected:
    """Fold entity `from_id` into `into_id`: names, aliases, article rows and counts move, and
    `from_id` points at `into_id` from then on. Flushes; the caller commits."""
    if into_id == from_id:
        raise Rejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"from_id: cannot merge entity {into_id} into itself",
            "from_id",
        )
    found = _locked(session, [into_id, from_id])
    if into_id not in found:
        raise Rejected(status.HTTP_404_NOT_FOUND, f"no entity with id {into_id}")
    if from_id not in found:
        raise Rejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"from_id: no entity with id {from_id}",
            "from_id",
        )
    kept, merged = found[into_id], found[from_id]
    _not_merged(kept, "merge into")
    if merged.merged_into is not None:
        raise Rejected(
            status.HTTP_409_CONFLICT,
            f"from_id: {_describe(merged)} was already merged into entity {merged.merged_into}",
            "from_id",
        )
    if not labels_compatible(merged.label, kept.label):
        raise Rejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"from_id: {_describe(merged)} and {_describe(kept)} are not one kind of entity; "
            "only entities of one label merge (PERSON and ORG count as one: the model often "
            "reads a surname as an ORG)",
            "from_id",
        )
    names = sorted(_alias_keys(session, from_id) | {merged.name_key})
    _move_names(session, names, into_id=into_id, from_id=from_id)
    _move_article_rows(session, into_id=into_id, from_id=from_id, label=kept.label)
    # Earlier merges into the merged entity now point at the one kept: never a chain.
    session.exec(
        update(Entity).where(col(Entity.merged_into) == from_id).values(merged_into=into_id)
    )
    rows = select(func.count()).select_from(ArticleEntity).where(ArticleEntity.entity_id == into_id)
    kept.article_count = int(session.exec(rows).one())
    seen = [s for s in (kept.last_seen_at, merged.last_seen_at) if s is not None]
    kept.last_seen_at = max(seen) if seen else None
    merged.article_count = 0
    merged.merged_into = into_id
    session.add_all([kept, merged])
    correction = _record(session, "merge", into_id, from_id, names, reason, editor)
    # The articles whose records still name the merged entity (rows on the merged entity too:
    # one an enrichment wrote while this merge ran).
    retag = Selector(entities=(into_id, from_id), record_entity=from_id, names=tuple(names))
    return Corrected(correction, into_id, from_id, retag)


def _move_names(session: Session, names: list[str], *, into_id: int, from_id: int) -> None:
    pins = dict(
        session.exec(
            select(EntityNamePin.alias_key, EntityNamePin.entity_id).where(
                col(EntityNamePin.alias_key).in_(names)
            )
        ).all()
    )
    # Names an editor pinned to the merged entity are now the kept one's; names pinned to a
    # third entity stay with it.
    session.exec(
        update(EntityNamePin)
        .where(col(EntityNamePin.entity_id) == from_id)
        .values(entity_id=into_id)
    )
    kept_names = sorted(set(names) - _alias_keys(session, into_id))
    for key in kept_names:
        if pins.get(key, from_id) in (from_id, into_id):
            session.add(EntityAlias(alias_key=key, entity_id=into_id))
    session.exec(delete(EntityAlias).where(col(EntityAlias.entity_id) == from_id))
    session.flush()


# Where an article names both entities, its two rows become one: mentions added, the earlier
# first offset and the higher salience kept. Then the rest move over with the kept label.
_FROM_ROW = (
    "(SELECT f.{column} FROM article_entity f "
    "WHERE f.article_id = article_entity.article_id AND f.entity_id = :from_id)"
)
_COMBINE_ROWS = text(
    "UPDATE article_entity SET "
    f"mention_count = mention_count + {_FROM_ROW.format(column='mention_count')}, "
    f"first_offset = CASE WHEN first_offset <= {_FROM_ROW.format(column='first_offset')} "
    f"THEN first_offset ELSE {_FROM_ROW.format(column='first_offset')} END, "
    f"salience = CASE WHEN salience >= {_FROM_ROW.format(column='salience')} "
    f"THEN salience ELSE {_FROM_ROW.format(column='salience')} END "
    "WHERE entity_id = :into_id AND article_id IN "
    "(SELECT article_id FROM article_entity WHERE entity_id = :from_id)"
)
_DROP_COMBINED = text(
    "DELETE FROM article_entity WHERE entity_id = :from_id AND article_id IN "
    "(SELECT article_id FROM article_entity WHERE entity_id = :into_id)"
)
_MOVE_ROWS = text(
    "UPDATE article_entity SET entity_id = :into_id, label = :label WHERE entity_id = :from_id"
)


# Former mentions (feed filters only): a row the kept entity already has wins.
_DROP_FORMER_BOTH = text(
    "DELETE FROM former_mention WHERE entity_id = :from_id AND article_id IN "
    "(SELECT article_id FROM former_mention WHERE entity_id = :into_id)"
)
_MOVE_FORMER = text(
    "UPDATE former_mention SET entity_id = :into_id, label = :label WHERE entity_id = :from_id"
)


def _move_article_rows(session: Session, *, into_id: int, from_id: int, label: str) -> None:
    ids = {"into_id": into_id, "from_id": from_id}
    session.connection().execute(_COMBINE_ROWS, ids)
    session.connection().execute(_DROP_COMBINED, ids)
    session.connection().execute(_MOVE_ROWS, {**ids, "label": label})
    session.connection().execute(_DROP_FORMER_BOTH, ids)
    session.connection().execute(_MOVE_FORMER, {**ids, "label": label})


def split(
    session: Session,
    *,
    entity_id: int,
    aliases: Sequence[str],
    name: str | None,
    label: str | None,
    reason: str | None,
    editor: str | None,
) -> Corrected:
    """Take `aliases` off the entity and pin them to an entity of their own (`name`, `label`):
    a new one, the one of that name and label if the store has it, or the one merged into this
    entity under that name (the merge undone). Flushes; the caller commits."""
    given = name or aliases[0]
    source = session.get(Entity, entity_id)
    if source is None:
        raise Rejected(status.HTTP_404_NOT_FOUND, f"no entity with id {entity_id}")
    target_label = label or source.label
    existing_id = session.exec(
        select(Entity.id).where(Entity.name_key == alias_key(given), Entity.label == target_label)
    ).first()
    # Both locked in id order (a merge locks the same way: no cycle of waits).
    found = _locked(session, [entity_id] if existing_id is None else [entity_id, existing_id])
    source = found[entity_id]
    _not_merged(source, "split")
    keys = list(dict.fromkeys(alias_key(a) for a in aliases))
    if source.name_key in keys:
        raise Rejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"aliases: {source.name!r} is the entity's own name; split off its other names, or "
            "merge it into another entity",
            "aliases",
        )
    known = _alias_keys(session, entity_id)
    missing = [a for a in keys if a not in known]
    if missing:
        raise Rejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"aliases: {', '.join(map(repr, missing))} not among the aliases of "
            f"{_describe(source)}: {', '.join(map(repr, sorted(known)))}",
            "aliases",
        )
    existing = found.get(existing_id) if existing_id is not None else None
    target = _split_target(session, source, existing, given, target_label)
    assert target.id is not None
    session.exec(
        delete(EntityAlias).where(
            col(EntityAlias.entity_id) == entity_id, col(EntityAlias.alias_key).in_(keys)
        )
    )
    have = _alias_keys(session, target.id)
    for key in sorted({*keys, target.name_key} - have):
        session.add(EntityAlias(alias_key=key, entity_id=target.id))
    correction = _record(session, "split", entity_id, target.id, keys, reason, editor)
    assert correction.id is not None
    session.exec(delete(EntityNamePin).where(col(EntityNamePin.alias_key).in_(keys)))
    session.add_all(
        EntityNamePin(alias_key=key, entity_id=target.id, correction_id=correction.id)
        for key in keys
    )
    session.flush()
    # Records that joined the entity through a link (a surname, a merged name) naming one of
    # the split names: re-tagged, they join the new entity.
    retag = Selector(
        entities=(entity_id,), record_entity=entity_id, linked_only=True, names=tuple(keys)
    )
    return Corrected(correction, entity_id, target.id, retag)


def _split_target(
    session: Session, source: Entity, existing: Entity | None, name: str, label: str
) -> Entity:
    """The entity split names go to: the store's entity of that name and label (one merged into
    the source comes back: the split undoes the merge), or a new one."""
    if existing is None:
        created = Entity(name=" ".join(name.split()), name_key=alias_key(name), label=label)
        session.add(created)
        session.flush()
        return created
    if existing.id == source.id:
        raise Rejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"name: {name!r} ({label}) is {_describe(source)} itself; give the split names "
            "another name or label",
            "name",
        )
    if existing.merged_into not in (None, source.id):
        raise Rejected(
            status.HTTP_409_CONFLICT,
            f"name: {_describe(existing)} was merged into entity {existing.merged_into}, not "
            f"into entity {source.id}; split it off that one",
            "name",
        )
    existing.merged_into = None
    session.add(existing)
    return existing


def _record(
    session: Session,
    kind: str,
    entity_id: int,
    other_id: int,
    names: list[str],
    reason: str | None,
    editor: str | None,
) -> EntityCorrection:
    correction = EntityCorrection(
        kind=kind,
        entity_id=entity_id,
        other_id=other_id,
        names=names,
        reason=reason,
        editor=editor,
    )
    session.add(correction)
    session.flush()
    return correction
