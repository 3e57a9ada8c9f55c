"""Text normalisation shared by search and validation."""

from __future__ import annotations

import unicodedata


def search_text(*parts: str | None) -> str:
    """The lower-cased, accent-folded haystack that substring search runs over."""
    joined = " ".join(part for part in parts if part)
    if joined.isascii():  # nothing to fold: the common case, 20x faster
        return joined.lower()
    decomposed = unicodedata.normalize("NFKD", joined)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def search_needle(query: str) -> str:
    """Normalise a search query the same way as the haystack, with LIKE wildcards escaped."""
    return escape_like(search_text(query.strip()))


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards (and the escape character ``\\``) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
