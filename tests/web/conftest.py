"""The web tests' fixtures live in ``web_support.py`` (importable by the test modules too)."""

from __future__ import annotations

from web_support import site

__all__ = ["site"]
