"""Shopify-format webhooks: signatures, secrets, conversion to Segment messages, privacy."""
