"""kombu's Redis transport with one repair, for every Celery process we run.

When a worker loses the broker, Celery closes its connection, and kombu then closes the channel
again; that second close tries to put the unacknowledged messages back through a transport that
the first close already detached (`client` is None), raises AttributeError, and Celery treats it
as unrecoverable: the worker exits instead of reconnecting (seen under load in the broker-fault
test, kombu 5.7.0). Here that case raises the connection error it really is, which kombu's close
already tolerates. The messages stay in the broker's unacked set: kombu restores them once their
visibility timeout passes, and the relay re-sends their articles before that."""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection is already closed")
        stock: Any = super()  # the type stubs leave out this private method
        return stock._connparams(asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


# What Celery's broker_transport setting names for a redis:// URL. (rediss:// keeps kombu's own
# transport: naming a transport explicitly would skip kombu's TLS defaults for that scheme.)
REDIS_TRANSPORT = f"{__name__}:Transport"
