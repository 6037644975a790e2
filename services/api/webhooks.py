"""Webhook subscriptions (read key): a URL, optional feed filters and a secret. Deliveries are
made by the deliverer (services/deliver) on its own queue; here they are only listed."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from sqlalchemy import func
from sqlmodel import Session, col, select

from services.api.cursor import MAX_ID, decode_cursor, encode_cursor
from services.api.params import reject_unknown_query
from shared.models import FeedEvent, WebhookDelivery, WebhookSubscription
from shared.schemas import (
    DeliveryOut,
    DeliveryPage,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPage,
)
from shared.settings import Settings
from shared.ssrf import UnsafeUrl, resolve_target

router = APIRouter(prefix="/v1/webhooks", dependencies=[Depends(reject_unknown_query)])


def write_session(request: Request) -> Iterator[Session]:
    """Subscriptions are written: the app's writable engine, not its read-only one."""
    with Session(request.app.state.write_engine) as session:
        yield session


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


WriteSession = Annotated[Session, Depends(write_session)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
WebhookId = Annotated[int, Path(ge=1, le=MAX_ID, description="A subscription id")]


def check_webhook_url(url: str, settings: Settings) -> None:
    """The SSRF guard URL ingest uses: public addresses only unless the operator allows more."""
    allow = settings.webhook_allow_private
    try:
        resolve_target(url, allow_loopback=allow, allow_private=allow)
    except (UnsafeUrl, ValueError) as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"url: {exc or 'invalid URL'}"
        ) from None


def _out(sub: WebhookSubscription) -> dict[str, Any]:
    return WebhookOut.model_validate(sub, from_attributes=True).model_dump(mode="json")


def _found(session: Session, webhook_id: int) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, webhook_id)
    if sub is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no webhook with id {webhook_id}")
    return sub


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    summary="Subscribe a URL to the feed",
    description="Each matching feed item is POSTed as JSON, in feed order, signed per the "
    "Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature). Failed "
    "deliveries are retried with backoff; after a day of failures the subscription is disabled.",
)
def create_webhook(body: WebhookIn, session: WriteSession, settings: SettingsDep) -> Any:
    check_webhook_url(str(body.url), settings)
    after = body.after
    if after is None:
        after = session.exec(select(func.max(col(FeedEvent.position)))).one() or 0
    secret = body.secret or "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    sub = WebhookSubscription(
        url=str(body.url),
        secret=secret,
        filters=body.filters.model_dump(exclude_none=True),
        last_position=int(after),
    )
    session.add(sub)
    session.commit()
    session.refresh(sub)
    return {**_out(sub), "secret": secret}


@router.get("", response_model=WebhookPage, summary="Every webhook subscription")
def list_webhooks(session: WriteSession) -> Any:
    subs = session.exec(select(WebhookSubscription).order_by(col(WebhookSubscription.id)))
    return {"items": [_out(s) for s in subs]}


@router.get(
    "/{webhook_id}",
    response_model=WebhookOut,
    summary="One webhook subscription",
    responses={404: {"description": "No webhook with this id"}},
)
def get_webhook(webhook_id: WebhookId, session: WriteSession) -> Any:
    return _out(_found(session, webhook_id))


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unsubscribe (the delivery log goes too)",
    responses={404: {"description": "No webhook with this id"}},
)
def delete_webhook(webhook_id: WebhookId, session: WriteSession) -> Response:
    session.delete(_found(session, webhook_id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    summary="The delivery log of a subscription, newest first",
    responses={404: {"description": "No webhook with this id"}},
)
def list_deliveries(
    webhook_id: WebhookId,
    session: WriteSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    _found(session, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook_id)
    if cursor:
        query = query.where(col(WebhookDelivery.id) < decode_cursor(cursor, arity=1)[0])
    rows = session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit + 1)).all()
    page = rows[:limit]
    items = [DeliveryOut.model_validate(d, from_attributes=True) for d in page]
    next_cursor = encode_cursor(page[-1].id or 0) if len(rows) > limit else None
    return DeliveryPage(items=items, next_cursor=next_cursor)
