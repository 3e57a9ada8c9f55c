"""Demo sizes, phone ranges and name folding: the generator's pure parts."""

from __future__ import annotations

import json
import random

import phonenumbers
import pytest

from twofold.demo.countries import COUNTRIES, Country, phone_number
from twofold.demo.names import NAME_POOLS, ascii_slug
from twofold.demo.sinks import PostgresCopyValues, SqliteValues
from twofold.demo.sizes import DemoSize
from twofold.demo.team import team_shape
from twofold.demo.words import COMPETITORS, DEPARTMENTS, OBJECTIONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("default", DemoSize(accounts=300, persons=2_000, deals=600, activities=10_000)),
        ("  Default ", DemoSize(accounts=300, persons=2_000, deals=600, activities=10_000)),
        ("small", DemoSize(accounts=30, persons=200, deals=60, activities=1_000)),
        (
            "medium",
            DemoSize(accounts=10_000, persons=100_000, deals=100_000, activities=1_000_000),
        ),
        (
            "large",
            DemoSize(accounts=100_000, persons=1_000_000, deals=1_000_000, activities=10_000_000),
        ),
        ("scale=10", DemoSize(accounts=3_000, persons=20_000, deals=6_000, activities=100_000)),
        ("scale=0.5", DemoSize(accounts=150, persons=1_000, deals=300, activities=5_000)),
        ("scale=0.001", DemoSize(accounts=1, persons=2, deals=1, activities=10)),
        (
            "accounts=5,persons=9,deals=0,activities=1_000",
            DemoSize(accounts=5, persons=9, deals=0, activities=1_000),
        ),
        (
            "activities=4, deals=3, persons=2, accounts=1",
            DemoSize(accounts=1, persons=2, deals=3, activities=4),
        ),
    ],
)
def test_parse_reads_named_scaled_and_explicit_sizes(text: str, expected: DemoSize) -> None:
    assert DemoSize.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("huge", "unknown demo size 'huge'"),
        ("", "unknown demo size ''"),
        ("scale=", "scale must be a number"),
        ("scale=ten", "scale must be a number"),
        ("scale=0", "scale must be > 0"),
        ("scale=-2", "scale must be > 0"),
        ("scale=nan", "scale must be > 0"),
        ("scale=inf", "scale must be > 0"),
        ("accounts=10,persons=100,deals=5", "missing activities"),
        ("accounts=10,persons=100,deals=5,activities=5,leads=3", "'leads=3' should be one of"),
        ("accounts=10,accounts=10,persons=100,deals=5,activities=5", "accounts is given twice"),
        ("accounts=ten,persons=100,deals=5,activities=5", "accounts must be a whole number"),
        ("accounts=-1,persons=100,deals=5,activities=5", "accounts must be a whole number"),
        ("accounts=1.5,persons=100,deals=5,activities=5", "accounts must be a whole number"),
        ("accounts=0,persons=100,deals=5,activities=5", "accounts must be at least 1"),
        ("accounts=10,persons=9,deals=5,activities=5", "persons must be at least accounts"),
        ("accounts=2000000000,persons=3000000000,deals=0,activities=0", "at most"),
    ],
)
def test_parse_refuses_bad_sizes_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="demo size") as raised:
        DemoSize.parse(text)
    assert message in str(raised.value)


def test_a_size_describes_itself_in_the_form_parse_reads() -> None:
    size = DemoSize(accounts=7, persons=70, deals=14, activities=700)

    assert size.describe() == "accounts=7,persons=70,deals=14,activities=700"
    assert DemoSize.parse(size.describe()) == size


def test_the_team_grows_with_the_accounts_within_bounds() -> None:
    assert [team_shape(accounts)["rep"] for accounts in (1, 30, 300, 3_000, 100_000)] == [
        4, 4, 8, 75, 500,
    ]  # fmt: skip
    assert team_shape(300) == {"manager": 2, "rep": 8, "marketer": 2, "viewer": 1}
    assert team_shape(100_000)["manager"] == 63


@pytest.mark.parametrize("country", COUNTRIES, ids=lambda country: country.code)
def test_every_phone_range_gives_valid_numbers_of_its_country(country: Country) -> None:
    rng = random.Random(country.code)
    person_ids = [0, 1, 999_999, 1_000_000, *(rng.randrange(10**7) for _ in range(300))]
    for prefix in (country.mobile_prefix, country.office_prefix):
        for person_id in person_ids:
            number = phonenumbers.parse(phone_number(prefix, person_id))
            assert phonenumbers.is_valid_number(number), (prefix, person_id)
            assert phonenumbers.region_code_for_number(number) == country.code


def test_phone_numbers_do_not_repeat_within_a_million_ids() -> None:
    numbers = {phone_number("+4930", person_id) for person_id in range(1_000_000)}

    assert len(numbers) == 1_000_000


@pytest.mark.parametrize(
    ("name", "slug"),
    [("O'Brien", "obrien"), ("Müller", "muller"), ("Weiß", "weiss"), ("Mikołaj", "mikolaj"),
     ("de Jong", "dejong"), ("Min-jun", "min-jun"), ("Ångström", "angstrom"), ("Élodie", "elodie")],
)  # fmt: skip
def test_names_fold_to_ascii_email_parts(name: str, slug: str) -> None:
    assert ascii_slug(name) == slug


def test_every_name_folds_to_something() -> None:
    for pool in NAME_POOLS.values():
        for name in (*pool.first, *pool.last):
            assert ascii_slug(name), name


@pytest.mark.parametrize(
    "words",
    [COMPETITORS, OBJECTIONS, DEPARTMENTS],
    ids=["competitors", "objections", "departments"],
)
def test_word_lists_encode_as_json_without_escaping(words: tuple[str, ...]) -> None:
    # ``strings`` skips json.dumps's escaping, so the lists fed to it must not need any.
    items = list(words)

    assert SqliteValues().strings(items) == json.dumps(items)
    assert PostgresCopyValues().strings(items) == b"\x01" + json.dumps(items).encode()
