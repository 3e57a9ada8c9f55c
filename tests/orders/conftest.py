"""A running pipeline and a source for the order tests."""

from ecommerce_support import ingestion, source_id

__all__ = ["ingestion", "source_id"]
