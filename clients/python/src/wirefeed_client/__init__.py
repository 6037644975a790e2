"""wirefeed-client: post articles, read and search the enriched store, follow the feed."""

from wirefeed_client._policy import Backoff, WirefeedError
from wirefeed_client.async_client import AsyncClient
from wirefeed_client.client import Client

__all__ = ["AsyncClient", "Backoff", "Client", "WirefeedError"]
