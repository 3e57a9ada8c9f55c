"""Outgoing webhooks: subscriptions, the fan-out of feeds into deliveries, signed delivery
with retries, and the signature scheme receivers verify (decision 0017)."""
