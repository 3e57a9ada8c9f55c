"""Segment-compatible ingestion: sources and write keys, message checks, the durable journal."""
