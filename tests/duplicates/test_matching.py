"""Duplicate matching on small hand-made facts: rules, scores, blocking, limits."""

from __future__ import annotations

import pytest

from twofold.duplicates import matching
from twofold.duplicates.keys import company_email_domain, company_name_key, person_name_key
from twofold.duplicates.matching import AccountFacts, PersonFacts, account_matches, person_matches


def test_keys() -> None:
    assert person_name_key("Lovelace,", "Ada") == "ada lovelace"
    assert person_name_key("José", "Núñez") == "jose nunez"
    assert company_name_key("The Acme Corp.") == "acme"
    assert company_name_key("Müller GmbH & Co") == "muller"
    assert company_email_domain("ada@acme.com") == "acme.com"
    assert company_email_domain("ada@gmail.com") is None


def test_person_rules_and_scores() -> None:
    people = [
        PersonFacts(1, "ada lovelace", ("ada@acme.com",), ("+31201234567",), ("acme.com",)),
        PersonFacts(2, "ada lovelaze", ("a.l@acme.com",), (), ("acme.com",)),
        PersonFacts(3, "bob smith", ("ada@acme.com",), ("+31201234567",), ()),
        PersonFacts(4, "jon smith", (), (), ("account:7",)),
        PersonFacts(5, "john smith", (), (), ("account:7", "x.com")),
        PersonFacts(6, "ada lovelace", (), (), ("other.com",)),  # same name, other company
    ]
    found = [(m.record_id, m.other_record_id, m.score, m.reasons) for m in person_matches(people)]
    assert found == [
        # email (100) + phone (90): best + 5, at most 100
        (1, 3, 100, ["same email ada@acme.com", "same phone +31201234567"]),
        # "jon smith"/"john smith": 2 x 9 / 19 = 94.7 -> 95; 95 x 0.85 = 80.75 -> 81
        (4, 5, 81, ["similar name (95%) at account 7"]),
        # "ada lovelace"/"ada lovelaze": 2 x 11 / 24 = 91.7 -> 92; 92 x 0.85 = 78.2 -> 78
        (1, 2, 78, ["similar name (92%) at acme.com"]),
    ]


def test_account_rules_and_scores() -> None:
    accounts = [
        AccountFacts(1, company_name_key("Acme Inc."), ("acme.com",)),
        AccountFacts(2, company_name_key("ACME"), ()),
        AccountFacts(3, company_name_key("Acme Softwares"), ("acme.io",)),
        AccountFacts(4, company_name_key("Acme Software"), ("acme.io", "x.com")),
        AccountFacts(5, company_name_key("Globex"), ("globex.com",)),
    ]
    found = [
        (m.record_id, m.other_record_id, m.score, m.reasons) for m in account_matches(accounts)
    ]
    assert found == [
        # domain (100) + similar name ("acme software"/"acme softwares" 96 -> 77): 100
        (3, 4, 100, ["same domain acme.io", "similar name (96%)"]),
        (1, 2, 90, ["same name acme"]),
    ]


def test_focus_keeps_only_pairs_with_a_focused_record() -> None:
    people = [
        PersonFacts(1, "a", ("x@y.com",)),
        PersonFacts(2, "b", ("x@y.com",)),
        PersonFacts(-7, "c", ("x@y.com",)),
    ]
    found = person_matches(people, focus=lambda record_id: record_id < 0)
    assert [(m.record_id, m.other_record_id) for m in found] == [(-7, 1), (-7, 2)]


def test_a_large_shared_email_pairs_everyone_with_the_first_only() -> None:
    people = [PersonFacts(i, f"p{i}", ("info@acme.com",)) for i in range(1, 31)]
    found = person_matches(people)
    assert len(found) == 29  # not 30 x 29 / 2 = 435
    assert {m.record_id for m in found} == {1}


def test_large_blocks_are_split_by_name_and_still_find_close_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(matching, "MAX_BLOCK", 3)
    people = [
        PersonFacts(1, "anna berg", (), (), ("acme.com",)),
        PersonFacts(2, "anna berk", (), (), ("acme.com",)),
        PersonFacts(3, "bert zwart", (), (), ("acme.com",)),
        PersonFacts(4, "carl olsen", (), (), ("acme.com",)),
        PersonFacts(5, "carl olson", (), (), ("acme.com",)),
    ]
    found = [(m.record_id, m.other_record_id) for m in person_matches(people)]
    assert sorted(found) == [(1, 2), (4, 5)]
