"""The worker's broker connection survives being closed twice with a message unacknowledged
(shared/broker_transport.py), on Valkey and on Redis, through the Celery app every process uses."""

from __future__ import annotations

import json
import uuid

import pytest
import redis
from kombu import Exchange, Queue

from shared.celery_app import make_celery
from shared.settings import Settings
from tests.support.services import Backend

pytestmark = pytest.mark.integration


def test_a_second_close_with_an_unacked_message_leaves_it_in_the_broker(backend: Backend) -> None:
    settings = Settings(
        database_url=backend.database_url, broker_url=backend.broker_url, task_queue=backend.queue
    )
    name = f"transport-test-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(name), name)
    marker = uuid.uuid4().hex
    celery = make_celery(settings)
    connection = celery.connection_for_read()
    try:
        channel = connection.default_channel
        connection.Producer(channel).publish(
            {"marker": marker}, exchange=queue.exchange, routing_key=name, declare=[queue]
        )
        message = queue(channel).get(no_ack=False)
        assert message is not None and message.payload == {"marker": marker}
        # What Celery and kombu do when a worker loses the broker: the transport is detached by
        # one close, then the channel, still holding the unacked message, is closed by another.
        # With kombu's own transport the second close raises AttributeError and the worker exits.
        connection._do_close_transport()
        connection.close()
    finally:
        celery.close()

    # Still in the broker, under its delivery tag, for kombu's visibility-timeout restore.
    tag = message.delivery_tag
    with redis.Redis.from_url(backend.broker_url) as client:
        try:
            held = client.hget("unacked", tag)
            assert held is not None, "the unacked message was dropped"
            assert json.loads(held)[0]["properties"]["delivery_info"]["routing_key"] == name
        finally:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
            client.delete(name, f"_kombu.binding.{name}")
