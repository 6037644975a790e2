"""One entity across articles: which store entity each name of an article joins, and why.

Editors come first. A name an editor pinned to an entity (a split) joins that entity, and a
name whose entity an editor merged into another joins that other one. Then the linker: a
single-word name seen alone ("Trump", after the source cut the first mention) joins the store's
canonical PERSON that goes by it when exactly one fits: known from at least `min_articles`
articles that named them in full, and named within `recent_days` before this article. Two or
more stay separate; so does a name whose only match has not been seen for longer. Either way
the record says why.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from services.enrich.pipeline import EnrichedDocument
from shared.aliases import alias_key
from shared.entity_links import LINKED_LABELS, labels_compatible
from shared.models import Entity, EntityAlias, EntityNamePin
from shared.settings import Settings

# A surname alone is often labelled ORG by the model; the store's PERSON of that name is the
# better reading, so both labels (LINKED_LABELS) are looked up.
TARGET_LABEL = "PERSON"

Key = tuple[str, str]  # (alias key of the name, label): how a record's entity is looked up


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """What "frequent" and "recent" mean for the linker (settings `entity_link_*`)."""

    min_articles: int = 2
    recent_days: float = 180.0

    @classmethod
    def of(cls, settings: Settings) -> LinkPolicy:
        return cls(settings.entity_link_min_articles, settings.entity_link_recent_days)


DEFAULT_LINK_POLICY = LinkPolicy()


@dataclass(frozen=True, slots=True)
class Link:
    entity_id: int | None  # None: left separate
    reason: str
    label: str = TARGET_LABEL
    # An editor's correction: applies even where the article also names the entity otherwise.
    corrected: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    """A store entity a name seen alone could mean."""

    entity_id: int
    name: str
    article_count: int
    last_seen_at: datetime | None


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything wirefeed stores is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def decide_link(
    name: str,
    label: str,
    candidates: Iterable[Candidate],
    *,
    seen_at: datetime,
    policy: LinkPolicy,
) -> Link | None:
    """The link for `name` alone among the store's entities of that name, or why there is none
    (None: nothing worth saying, e.g. no known full name)."""
    frequent = [c for c in candidates if c.article_count >= policy.min_articles]
    cutoff = as_utc(seen_at) - timedelta(days=policy.recent_days)
    recent = [c for c in frequent if c.last_seen_at and as_utc(c.last_seen_at) >= cutoff]
    if len(recent) == 1:
        [chosen] = recent
        relabelled = "" if label == TARGET_LABEL else f" (model said {label})"
        reason = (
            f"{name!r} alone{relabelled}: the only {TARGET_LABEL} the store knows by this name "
            f"is {chosen.name!r} ({chosen.article_count} articles, last {_day(chosen)})"
        )
        return Link(chosen.entity_id, reason)
    if label != TARGET_LABEL:
        return None  # an ORG that no single person fits stays the ORG it was read as
    if len(recent) > 1:
        names = ", ".join(repr(c.name) for c in recent[:5])
        return Link(None, f"{name!r} alone is ambiguous in the store ({names}): kept separate")
    if frequent:
        names = ", ".join(f"{c.name!r} (last {_day(c)})" for c in frequent[:5])
        return Link(
            None,
            f"{name!r} alone: the store's {names} not named within {policy.recent_days:g} "
            "days before this article: kept separate",
        )
    return None


def _day(candidate: Candidate) -> str:
    seen = candidate.last_seen_at
    return f"seen {as_utc(seen).date().isoformat()}" if seen is not None else "never seen"


def find_links(
    session: Session,
    enriched: EnrichedDocument,
    *,
    seen_at: datetime,
    policy: LinkPolicy,
    pins: dict[str, Pin] | None = None,
) -> dict[Key, Link]:
    """For each name of the article that editors corrected, or that is a single word of a
    linked label: the store entity it joins, or why not. `pins`: `name_pins` of (at least) the
    article's names, if the caller has them already."""
    names: dict[Key, str] = {(alias_key(e.name), e.label): e.name for e in enriched.entities}
    if not names:
        return {}
    if pins is None:
        pins = name_pins(session, {key for key, _ in names})
    links = corrected_links(session, names, pins)
    # A pinned name is the editor's call, even for a name of another kind.
    linkable = [
        (key, label)
        for key, label in names
        if key not in pins
        and label in LINKED_LABELS
        and " " not in key
        and (key, label) not in links
    ]
    candidates = _candidates(session, {key for key, _ in linkable})
    for key, label in linkable:
        name = names[(key, label)]
        link = decide_link(name, label, candidates.get(key, []), seen_at=seen_at, policy=policy)
        if link is not None:
            links[(key, label)] = link
    return links


def _candidates(session: Session, keys: Collection[str]) -> dict[str, list[Candidate]]:
    """The entities each single-word name could be short for, by name key, oldest first: one
    statement for the article's names (one each cost ~1 ms, nine an article on the bench)."""
    if not keys:
        return {}
    rows = session.execute(
        sa_select(
            col(EntityAlias.alias_key),
            col(Entity.id),
            col(Entity.name),
            col(Entity.article_count),
            col(Entity.last_seen_at),
        )
        .select_from(Entity)
        .join(EntityAlias, col(EntityAlias.entity_id) == col(Entity.id))
        .where(
            col(EntityAlias.alias_key).in_(sorted(keys)),
            col(Entity.label) == TARGET_LABEL,
            col(Entity.name_key) != col(EntityAlias.alias_key),
            col(Entity.merged_into).is_(None),
        )
        .distinct()
        .order_by(col(EntityAlias.alias_key), col(Entity.id))
    ).all()
    found: dict[str, list[Candidate]] = {}
    for key, i, n, c, s in rows:
        if i is not None:
            found.setdefault(key, []).append(Candidate(i, n, c, s))
    return found


@dataclass(frozen=True, slots=True)
class Pin:
    entity_id: int
    name: str
    label: str
    correction_id: int


def name_pins(session: Session, keys: Collection[str]) -> dict[str, Pin]:
    """The names among `keys` an editor pinned to an entity."""
    if not keys:
        return {}
    rows = session.execute(
        sa_select(
            col(EntityNamePin.alias_key),
            col(Entity.id),
            col(Entity.name),
            col(Entity.label),
            col(EntityNamePin.correction_id),
        )
        .join(Entity, col(Entity.id) == col(EntityNamePin.entity_id))
        .where(col(EntityNamePin.alias_key).in_(sorted(keys)))
    ).all()
    return {k: Pin(i, n, lab, c) for k, i, n, lab, c in rows if i is not None}


def corrected_links(
    session: Session, names: dict[Key, str], pins: dict[str, Pin]
) -> dict[Key, Link]:
    """Editors' corrections that apply to the article's names: pins (splits) first, then
    entities merged into others."""
    links: dict[Key, Link] = {}
    for (key, label), name in names.items():
        pin = pins.get(key)
        if pin is not None and labels_compatible(label, pin.label):
            reason = f"{name!r} is {pin.name!r}: an editor's correction (#{pin.correction_id})"
            links[(key, label)] = Link(pin.entity_id, reason, pin.label, corrected=True)
    target = SQLModel.metadata.tables["entity"].alias("target")
    merged = session.execute(
        sa_select(
            col(Entity.name_key),
            col(Entity.label),
            col(Entity.name),
            target.c.id,
            target.c.name,
            target.c.label,
        )
        .join(target, target.c.id == col(Entity.merged_into))
        .where(col(Entity.name_key).in_(sorted({key for key, _ in names})))
    ).all()
    for key, label, old_name, target_id, target_name, target_label in merged:
        if (key, label) not in names or (key, label) in links:
            continue
        name = names[(key, label)]
        reason = f"{name!r} is {target_name!r}: an editor merged {old_name!r} into it"
        links[(key, label)] = Link(target_id, reason, target_label, corrected=True)
    return links
    target_ids = sorted({t for *_, t in merged if t is not None})
    targets = {
        i: (n, lab)
        for i, n, lab in session.exec(
            select(Entity.id, Entity.name, Entity.label).where(col(Entity.id).in_(target_ids))
        )
    }
    for key, label, old_name, target_id in merged:
        if (key, label) not in names or (key, label) in links or target_id not in targets:
            continue
        target_name, target_label = targets[target_id]
        name = names[(key, label)]
        reason = f"{name!r} is {target_name!r}: an editor merged {old_name!r} into it"
        links[(key, label)] = Link(target_id, reason, target_label, corrected=True)
    return links
