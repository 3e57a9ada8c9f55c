"""Twofold: one CRM for accounts and for consumers."""

__version__ = "0.1.0"
