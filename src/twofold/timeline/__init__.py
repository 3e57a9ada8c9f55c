"""The append-only history of every record; also the audit log."""
