"""Countries (ISO 3166-1 alpha-2) and internet domains."""

from __future__ import annotations

import re

from babel import Locale

from twofold.core.errors import ValidationFailed

COUNTRY_NAMES: dict[str, str] = {
    code: name
    for code, name in Locale("en").territories.items()
    if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO"}
}
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def parse_country(code: str, *, field: str = "country") -> str:
    """The upper-case ISO 3166-1 alpha-2 code, or ``ValidationFailed``."""
    normalised = code.strip().upper()
    if normalised not in COUNTRY_NAMES:
        raise ValidationFailed.on(
            field, f"unknown country {code!r} (expected ISO 3166 code, e.g. NL)"
        )
    return normalised


def parse_domain(value: str, *, field: str = "domains") -> str:
    """A bare lower-case host name; a pasted URL or ``www.`` prefix is trimmed."""
    host = value.strip().lower()
    host = re.sub(r"^[a-z]+://", "", host).split("/", 1)[0].removeprefix("www.")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationFailed.on(field, f"{value!r} is not a domain name") from None
    if not _DOMAIN.match(host):
        raise ValidationFailed.on(field, f"{value!r} is not a domain name")
    return host
