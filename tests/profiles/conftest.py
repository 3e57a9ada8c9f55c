"""A running pipeline and a source for the profile tests."""

from ecommerce_support import ingestion, source_id

__all__ = ["ingestion", "source_id"]
