"""Duplicate persons and accounts: matching keys, blocked fuzzy matching, the review queue.

See docs/decisions/0016-duplicates-and-import.md.
"""
