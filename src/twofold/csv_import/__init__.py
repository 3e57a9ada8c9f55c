"""CSV import of accounts, persons, memberships and deals: read, map, check, upsert.

See docs/decisions/0016-duplicates-and-import.md.
"""
