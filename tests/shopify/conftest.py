"""The Shopify shop fixture."""

from shopify_support import shop

__all__ = ["shop"]
