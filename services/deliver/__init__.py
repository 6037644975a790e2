"""Webhook deliveries: a view of the feed per subscription, sent on its own queue."""
