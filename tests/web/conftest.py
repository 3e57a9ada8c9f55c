"""The web tests' fixtures live in ``web_support.py``, ``b2c_web_support.py`` and
``browser_support.py`` (importable by the test modules too)."""

from __future__ import annotations

from b2c_web_support import b2c_site
from browser_support import browser
from web_support import site

__all__ = ["b2c_site", "browser", "site"]
