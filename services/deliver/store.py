"""Delivering a subscription's backlog, in feed order, one item at a time.

A subscription's state is the last feed position delivered: an item is logged and the position
moves past it only after the receiver said 2xx, so a crash anywhere re-sends (with the same
webhook-id, so a receiver can drop the repeat) and never skips. Failures back off exponentially;
after `webhook_disable_after` seconds of nothing but failures the subscription is disabled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from services.api.queries import ArticleFilter, feed_page
from services.api.routes import feed_items
from services.deliver.sender import Sender, signed_headers
from shared.aliases import AliasTable
from shared.models import FeedEvent, WebhookDelivery, WebhookSubscription, utcnow
from shared.settings import Settings

BATCH = 20


def message_id(subscription_id: int, position: int) -> str:
    """Stable per (subscription, position): every retry of one item carries the same id."""
    return f"msg_wf{subscription_id}p{position}"


def deliver_backlog(
    *, engine: Engine, subscription_id: int, sender: Sender, settings: Settings, aliases: AliasTable
) -> int:
    """Send what the subscription has not received yet; returns how many were delivered.
    The caller holds the subscription's lock, so one sender at a time keeps feed order."""
    delivered = 0
    while True:
        with Session(engine) as session:
            sub = session.get(WebhookSubscription, subscription_id)
            if sub is None or not sub.active or not _due(sub.next_attempt_at):
                return delivered
            filters = subscription_filter(sub.filters)
            # Read before the page: every position up to here is visible (positions become
            # visible in order), so a short page means nothing up to `end` is left to send.
            end = _feed_end(session)
            items = feed_items(
                feed_page(
                    session, after=sub.last_position, limit=BATCH, filters=filters, aliases=aliases
                )
            )
            for item in items:
                if not _deliver_one(session, sub, item, sender=sender, settings=settings):
                    return delivered
                delivered += 1
            if len(items) < BATCH:
                if end > sub.last_position:  # filtered-out items: nothing to send for them
                    sub.last_position = end
                    session.add(sub)
                    session.commit()
                return delivered


def subscription_filter(stored: dict[str, Any] | None) -> ArticleFilter | None:
    """A subscription's stored filters (JSON) as the feed query's filter."""
    if not stored:
        return None
    events = stored.get("events")
    return ArticleFilter(**{**stored, "events": frozenset(events) if events else None})


def _due(next_attempt_at: datetime | None) -> bool:
    if next_attempt_at is None:
        return True
    if next_attempt_at.tzinfo is None:  # SQLite gives naive UTC back
        return next_attempt_at <= utcnow().replace(tzinfo=None)
    return next_attempt_at <= utcnow()


def _deliver_one(
    session: Session,
    sub: WebhookSubscription,
    item: dict[str, object],
    *,
    sender: Sender,
    settings: Settings,
) -> bool:
    position = int(str(item["seq"]))
    msg_id = message_id(sub.id or 0, position)
    now = utcnow()
    body = orjson.dumps(
        {
            "type": f"feed.{item['event']}",
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "data": item,
        }
    ).decode()
    outcome = sender.send(
        sub.url,
        body=body,
        headers=signed_headers(secret=sub.secret, message_id=msg_id, sent_at=now, body=body),
    )
    session.add(
        WebhookDelivery(
            subscription_id=sub.id or 0,
            position=position,
            message_id=msg_id,
            attempt=sub.failures + 1,
            ok=outcome.ok,
            status_code=outcome.status_code,
            error=outcome.error,
            attempted_at=now,
        )
    )
    if outcome.ok:
        sub.last_position = position
        sub.failures = 0
        sub.failing_since = None
        sub.next_attempt_at = None
    else:
        sub.failures += 1
        since = sub.failing_since or now
        if since.tzinfo is None:
            since = since.replace(tzinfo=now.tzinfo)
        sub.failing_since = since
        if (now - since).total_seconds() >= settings.webhook_disable_after:
            sub.active = False
            sub.disabled_reason = (
                f"deliveries failed for {settings.webhook_disable_after:g} s "
                f"(last: {outcome.error})"
            )
        else:
            delay = min(2 ** (sub.failures - 1), settings.webhook_retry_max_delay)
            sub.next_attempt_at = now + timedelta(seconds=delay)
    session.add(sub)
    session.commit()
    return outcome.ok


def subscriptions_behind(session: Session) -> list[int]:
    """Active subscriptions with feed items past their position, whose retry time has come."""
    end = _feed_end(session)
    rows = session.exec(
        select(WebhookSubscription.id, WebhookSubscription.next_attempt_at)
        .where(col(WebhookSubscription.active))
        .where(WebhookSubscription.last_position < end)
    ).all()
    return [i for i, at in rows if i is not None and _due(at)]


def _feed_end(session: Session) -> int:
    return session.exec(select(func.max(col(FeedEvent.position)))).one() or 0
