"""Periodic background work of the server process."""
