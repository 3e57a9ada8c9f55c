"""The normalised values duplicates are matched on: names, company names, email domains."""

from __future__ import annotations

import re

from twofold.core.text import search_text

# Mail providers whose domain says nothing about a person's employer.
FREE_EMAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "gmail.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mail.com",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "web.de",
        "yahoo.com",
        "yandex.ru",
        "zoho.com",
    }
)
# Legal forms dropped from company names before comparing them ("Acme Inc." = "ACME").
LEGAL_FORMS = frozenset(
    {
        "ab",
        "ag",
        "as",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "group",
        "inc",
        "incorporated",
        "limited",
        "llc",
        "llp",
        "ltd",
        "nv",
        "oy",
        "plc",
        "pty",
        "sa",
        "sarl",
        "sas",
        "spa",
        "srl",
        "the",
    }
)
_WORD = re.compile(r"[a-z0-9]+")


def name_tokens(*parts: str | None) -> list[str]:
    """Lower-case, accent-folded words of a name, punctuation dropped."""
    return _WORD.findall(search_text(*parts))


def person_name_key(first_name: str | None, last_name: str | None) -> str:
    """A person's name as sorted words ("Lovelace, Ada" = "ada lovelace"); '' without one."""
    return " ".join(sorted(name_tokens(first_name, last_name)))


def company_name_key(name: str) -> str:
    """A company name without legal forms, words sorted ("The Acme Corp." → "acme")."""
    words = [word for word in name_tokens(name) if word not in LEGAL_FORMS]
    return " ".join(sorted(words))


def company_email_domain(email: str) -> str | None:
    """The domain of an email when it names an employer (not a free mail provider)."""
    domain = email.rpartition("@")[2]
    return None if not domain or domain in FREE_EMAIL_DOMAINS else domain
