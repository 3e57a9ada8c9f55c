"""Finding pairs of records that look like one: exact keys, then fuzzy names within blocks.

Pure functions over plain facts (no database), so that the scan of the stored records and the
duplicate check of a CSV import share them. Exact keys (email, phone, domain) group records
in dictionaries; fuzzy names are compared with rapidfuzz only inside blocks (the same company
for persons, the same name prefix for accounts), so the work grows with the block sizes, not
with the square of the table. Scores and thresholds: docs/decisions/0016-duplicates-and-import.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

SAME_EMAIL = 100
SAME_PHONE = 90
SAME_DOMAIN = 100
SAME_COMPANY_NAME = 90
# A similar name (rapidfuzz ratio of the sorted words, 0-100) counts from these thresholds;
# its score is the similarity scaled down, so a name alone never outranks an exact key.
PERSON_NAME_THRESHOLD = 88
PERSON_NAME_WEIGHT = 0.85
ACCOUNT_NAME_THRESHOLD = 90
ACCOUNT_NAME_WEIGHT = 0.8
EXTRA_REASON_BONUS = 5  # each further reason for the same pair adds this much (at most 100)
# Exact-key groups larger than this pair everyone with the group's first record only
# (a shared info@ address must not produce n² pairs); blocks larger than MAX_BLOCK are split
# by the next letter of the name.
MAX_EXACT_GROUP = 20
MAX_BLOCK = 2000
ACCOUNT_BLOCK_PREFIX = 4

RecordFilter = Callable[[int], bool]


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What persons are compared on (already normalised; see ``keys``)."""

    id: int
    name_key: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()  # employer email domains and ``account:<id>``


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What accounts are compared on."""

    id: int
    name_key: str
    domains: tuple[str, ...] = ()


@dataclass(slots=True)
class Match:
    """A candidate pair (``record_id`` < ``other_record_id``), its score and why."""

    record_id: int
    other_record_id: int
    score: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, score: int, reason: str) -> None:
        """Count one more reason: the best score plus a bonus per further reason."""
        if reason in self.reasons:
            return
        if self.reasons:
            self.score = min(100, max(self.score, score) + EXTRA_REASON_BONUS)
        else:
            self.score = score
        self.reasons.append(reason)


class _Matches:
    def __init__(self, focus: RecordFilter | None) -> None:
        self.pairs: dict[tuple[int, int], Match] = {}
        self.focus = focus

    def wanted(self, ids: Iterable[int]) -> bool:
        return self.focus is None or any(self.focus(record_id) for record_id in ids)

    def add(self, first: int, second: int, score: int, reason: str) -> None:
        if first == second:
            return
        low, high = (first, second) if first < second else (second, first)
        if not self.wanted((low, high)):
            return
        match = self.pairs.get((low, high))
        if match is None:
            match = self.pairs[low, high] = Match(low, high)
        match.add(score, reason)

    def exact(self, groups: dict[str, list[int]], score: int, label: str) -> None:
        for value, ids in groups.items():
            if len(ids) < 2 or not self.wanted(ids):
                continue
            if len(ids) <= MAX_EXACT_GROUP:
                for first, second in combinations(ids, 2):
                    self.add(first, second, score, f"{label} {value}")
            else:
                for other in ids[1:]:
                    self.add(ids[0], other, score, f"{label} {value}")


def person_matches(
    persons: Iterable[PersonFacts], *, focus: RecordFilter | None = None
) -> list[Match]:
    """Pairs of persons with the same email, the same phone, or a similar name at the same
    company; with ``focus``, only pairs with at least one record it accepts."""
    matches = _Matches(focus)
    emails: dict[str, list[int]] = defaultdict(list)
    phones: dict[str, list[int]] = defaultdict(list)
    companies: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for person in persons:
        for email in person.emails:
            emails[email].append(person.id)
        for phone in person.phones:
            phones[phone].append(person.id)
        if person.name_key:
            for company in person.companies:
                companies[company].append((person.id, person.name_key))
    matches.exact(emails, SAME_EMAIL, "same email")
    matches.exact(phones, SAME_PHONE, "same phone")
    best: dict[tuple[int, int], tuple[float, str]] = {}
    for company, members in companies.items():
        for first, second, similarity in similar_names(members, PERSON_NAME_THRESHOLD, matches):
            pair = (first, second) if first < second else (second, first)
            if pair not in best or similarity > best[pair][0]:
                best[pair] = (similarity, company)
    for (first, second), (similarity, company) in best.items():
        reason = f"similar name ({similarity:.0f}%) at {_company_label(company)}"
        matches.add(first, second, round(similarity * PERSON_NAME_WEIGHT), reason)
    return _ordered(matches)


def account_matches(
    accounts: Iterable[AccountFacts], *, focus: RecordFilter | None = None
) -> list[Match]:
    """Pairs of accounts sharing a domain, or with the same or a similar name."""
    matches = _Matches(focus)
    domains: dict[str, list[int]] = defaultdict(list)
    names: dict[str, list[int]] = defaultdict(list)
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for account in accounts:
        for domain in account.domains:
            domains[domain].append(account.id)
        if account.name_key:
            names[account.name_key].append(account.id)
            blocks[account.name_key[:ACCOUNT_BLOCK_PREFIX]].append((account.id, account.name_key))
    matches.exact(domains, SAME_DOMAIN, "same domain")
    matches.exact(names, SAME_COMPANY_NAME, "same name")
    for members in blocks.values():
        for first, second, similarity in similar_names(members, ACCOUNT_NAME_THRESHOLD, matches):
            if similarity < 100:  # equal names are counted above
                score = round(similarity * ACCOUNT_NAME_WEIGHT)
                matches.add(first, second, score, f"similar name ({similarity:.0f}%)")
    return _ordered(matches)


def similar_names(
    members: list[tuple[int, str]], threshold: int, matches: _Matches, depth: int = 0
) -> Iterator[tuple[int, int, float]]:
    """``(id, other_id, similarity)`` for the pairs of one block whose names are at least
    ``threshold`` similar; a block over ``MAX_BLOCK`` is split by the next letter first."""
    if len(members) < 2 or not matches.wanted(record_id for record_id, _ in members):
        return
    if len(members) > MAX_BLOCK and depth < 8:
        split: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for member in members:
            split[member[1][depth : depth + 1]].append(member)
        for part in split.values():
            yield from similar_names(part, threshold, matches, depth + 1)
        return
    names = [name for _, name in members]
    scores = cdist(names, names, scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8)
    rows, columns = np.nonzero(np.triu(scores, k=1))
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        yield members[row][0], members[column][0], float(scores[row, column])


def _company_label(company: str) -> str:
    return company.replace("account:", "account ", 1)


def _ordered(matches: _Matches) -> list[Match]:
    return sorted(matches.pairs.values(), key=lambda m: (-m.score, m.record_id, m.other_record_id))
