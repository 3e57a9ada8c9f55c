"""The event store: behavioural events in DuckDB, loaded from the ingestion journal."""
