"""The countries demo accounts and people live in: region, currency, language, phone ranges."""

from __future__ import annotations

from dataclasses import dataclass

NORTH_AMERICA = "NA"
EMEA = "EMEA"
APAC = "APAC"
LATAM = "LATAM"
REGIONS = (NORTH_AMERICA, EMEA, APAC, LATAM)


@dataclass(frozen=True)
class Country:
    """One country the demo uses.

    ``mobile_prefix`` and ``office_prefix`` are E.164 prefixes that stay valid for
    ``phonenumbers`` whatever six digits follow (checked by the tests).
    """

    code: str
    name: str
    region: str
    weight: int
    currency: str
    units_per_usd: float
    language: str
    timezone: str
    cultures: tuple[tuple[str, int], ...]
    legal_forms: tuple[str, ...]
    mobile_prefix: str
    office_prefix: str


# code; name; region; weight; currency; units per USD; language; time zone; mobile; office
_PLACES = """
US; United States; NA; 300; USD; 1.0; en; America/New_York; +14155; +12125
CA; Canada; NA; 45; CAD; 1.36; en; America/Toronto; +14165; +16045
GB; United Kingdom; EMEA; 100; GBP; 0.79; en; Europe/London; +447400; +441212
DE; Germany; EMEA; 80; EUR; 0.92; de; Europe/Berlin; +4915123; +4930
FR; France; EMEA; 50; EUR; 0.92; fr; Europe/Paris; +33612; +33123
NL; Netherlands; EMEA; 35; EUR; 0.92; nl; Europe/Amsterdam; +31612; +31101
ES; Spain; EMEA; 30; EUR; 0.92; es; Europe/Madrid; +34612; +34810
IT; Italy; EMEA; 30; EUR; 0.92; it; Europe/Rome; +393123; +390212
SE; Sweden; EMEA; 20; SEK; 10.5; sv; Europe/Stockholm; +46701; +468
IE; Ireland; EMEA; 20; EUR; 0.92; en; Europe/Dublin; +353850; +35312
CH; Switzerland; EMEA; 20; CHF; 0.88; de; Europe/Zurich; +41781; +41212
PL; Poland; EMEA; 20; PLN; 4.0; pl; Europe/Warsaw; +48512; +48123
ZA; South Africa; EMEA; 10; ZAR; 18.5; en; Africa/Johannesburg; +27711; +27101
AE; United Arab Emirates; EMEA; 10; AED; 3.67; ar; Asia/Dubai; +971501; +97122
AU; Australia; APAC; 40; AUD; 1.52; en; Australia/Sydney; +61412; +61212
JP; Japan; APAC; 30; JPY; 150; ja; Asia/Tokyo; +819012; +81312
SG; Singapore; APAC; 20; SGD; 1.34; en; Asia/Singapore; +6581; +6561
IN; India; APAC; 30; INR; 83; en; Asia/Kolkata; +918123; +917410
KR; South Korea; APAC; 10; KRW; 1350; ko; Asia/Seoul; +821020; +8222
NZ; New Zealand; APAC; 10; NZD; 1.65; en; Pacific/Auckland; +64211; +6432
BR; Brazil; LATAM; 30; BRL; 5.0; pt; America/Sao_Paulo; +5511961; +551123
MX; Mexico; LATAM; 30; MXN; 17; es; America/Mexico_City; +522221; +522001
AR; Argentina; LATAM; 10; ARS; 900; es; America/Argentina/Buenos_Aires; +5491123; +541123
CL; Chile; LATAM; 10; CLP; 900; es; America/Santiago; +56221; +56600
CO; Colombia; LATAM; 10; COP; 4000; es; America/Bogota; +573211; +576012
"""
# code; legal forms; name cultures with weights (see names.NAME_POOLS)
_PEOPLE = """
US; Inc. / LLC / Corp.; english 70, hispanic 12, chinese 5, indian 6, korean 3, italian 2, german 2
CA; Inc. / Ltd.; english 75, french 15, chinese 5, indian 5
GB; Ltd / plc; english 85, indian 10, polish 5
DE; GmbH / AG / SE; german 90, polish 5, italian 5
FR; SAS / SA; french 90, arabic 10
NL; B.V. / N.V.; dutch 90, english 10
ES; S.A. / S.L.; hispanic 1
IT; S.p.A. / S.r.l.; italian 1
SE; AB; swedish 1
IE; Ltd / DAC; english 1
CH; AG / SA / GmbH; german 60, french 25, italian 15
PL; Sp. z o.o. / S.A.; polish 1
ZA; (Pty) Ltd; english 80, dutch 20
AE; LLC / FZE; arabic 70, indian 20, english 10
AU; Pty Ltd; english 85, chinese 10, indian 5
JP; K.K. / G.K.; japanese 1
SG; Pte. Ltd.; chinese 75, indian 15, english 10
IN; Pvt. Ltd. / Ltd.; indian 1
KR; Co., Ltd.; korean 1
NZ; Ltd; english 1
BR; Ltda. / S.A.; portuguese 1
MX; S.A. de C.V.; hispanic 1
AR; S.A. / S.R.L.; hispanic 85, italian 15
CL; SpA / S.A.; hispanic 1
CO; S.A.S.; hispanic 1
"""


def _fields(table: str) -> dict[str, list[str]]:
    rows = (line.split(";") for line in table.strip().splitlines())
    return {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in rows}


def _country(code: str, place: list[str], people: list[str]) -> Country:
    name, region, weight, currency, rate, language, timezone, mobile, office = place
    legal_forms, cultures = people
    return Country(
        code=code,
        name=name,
        region=region,
        weight=int(weight),
        currency=currency,
        units_per_usd=float(rate),
        language=language,
        timezone=timezone,
        cultures=tuple(
            (culture, int(share))
            for culture, share in (part.split() for part in cultures.split(","))
        ),
        legal_forms=tuple(form.strip() for form in legal_forms.split(" / ")),
        mobile_prefix=mobile,
        office_prefix=office,
    )


_PEOPLE_BY_CODE = _fields(_PEOPLE)
COUNTRIES: tuple[Country, ...] = tuple(
    _country(code, place, _PEOPLE_BY_CODE[code]) for code, place in _fields(_PLACES).items()
)

# Deals are priced in the seller's price-book currencies: USD, plus EUR and GBP in Europe.
DEAL_CURRENCY_BY_COUNTRY = {
    country.code: country.currency if country.currency in {"EUR", "GBP"} else "USD"
    for country in COUNTRIES
}
USD_RATES = {country.currency: country.units_per_usd for country in COUNTRIES}
PHONE_SUFFIX_DIGITS = 6


def phone_number(prefix: str, person_id: int) -> str:
    """A valid E.164 number from ``prefix``; ids less than a million apart never share one."""
    # 7919 is coprime with 10, so this is a bijection on the last six digits.
    suffix = (person_id * 7919 + 104_729) % 10**PHONE_SUFFIX_DIGITS
    return f"{prefix}{suffix:06d}"
