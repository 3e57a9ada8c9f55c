"""The fields each kind of import can fill, the header names they are recognised by, and
which of them a file must have."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ImportKind = Literal["accounts", "persons", "memberships", "deals"]
IMPORT_KINDS: tuple[ImportKind, ...] = ("accounts", "persons", "memberships", "deals")


@dataclass(frozen=True)
class Field:
    """A field a column can map to; ``aliases`` are other header names meaning it."""

    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""


EXTERNAL_ID = Field("external_id", ("id", "external_id", "record_id"), "its id in your system")
OWNER = Field("owner_email", ("owner", "owner_email", "account_owner"), "a user's login email")

FIELDS: dict[ImportKind, tuple[Field, ...]] = {
    "persons": (
        EXTERNAL_ID,
        Field("first_name", ("first_name", "firstname", "given_name", "first")),
        Field("last_name", ("last_name", "lastname", "surname", "family_name", "last")),
        Field("email", ("email", "e_mail", "email_address", "mail"), "the primary email"),
        Field("other_emails", ("emails", "other_emails", "secondary_emails"), "; separated"),
        Field("phone", ("phone", "phones", "telephone", "mobile", "phone_number"), "; separated"),
        Field("phone_region", ("phone_region", "country"), "ISO country of numbers without +"),
        Field("title", ("title", "job_title", "position")),
        Field("lifecycle_stage", ("lifecycle_stage", "lifecycle", "stage")),
        OWNER,
    ),
    "accounts": (
        EXTERNAL_ID,
        Field("name", ("name", "account_name", "company", "company_name", "organisation")),
        Field("domains", ("domain", "domains", "website", "url"), "; separated"),
        Field("industry", ("industry", "sector")),
        Field("employees", ("employees", "employee_count", "headcount", "size")),
        Field("annual_revenue", ("annual_revenue", "revenue")),
        Field("annual_revenue_currency", ("annual_revenue_currency", "revenue_currency")),
        Field("country", ("country", "country_code")),
        Field("region", ("region", "territory")),
        Field("tier", ("tier",)),
        Field("lifecycle", ("lifecycle", "lifecycle_stage", "status", "type")),
        OWNER,
    ),
    "memberships": (
        Field("person_email", ("person_email", "email", "contact_email")),
        Field("person_external_id", ("person_external_id", "person_id", "contact_id")),
        Field("account_domain", ("account_domain", "domain", "company_domain", "website")),
        Field("account_external_id", ("account_external_id", "account_id", "company_id")),
        Field("title", ("title", "job_title", "position")),
        Field("department", ("department",)),
        Field("buying_roles", ("buying_roles", "buying_role", "roles"), "; separated"),
        Field("started_on", ("started_on", "start_date", "since")),
        Field("ended_on", ("ended_on", "end_date", "until")),
    ),
    "deals": (
        EXTERNAL_ID,
        Field("name", ("name", "deal_name", "opportunity", "opportunity_name")),
        Field("account_domain", ("account_domain", "domain", "company_domain")),
        Field("account_external_id", ("account_external_id", "account_id", "company_id")),
        Field("person_email", ("person_email", "email", "contact_email")),
        Field("pipeline", ("pipeline", "pipeline_name"), "a pipeline's name (default pipeline)"),
        Field("stage", ("stage", "stage_name", "deal_stage"), "a stage's name in the pipeline"),
        Field("amount", ("amount", "value", "deal_value")),
        Field("currency", ("currency", "currency_code")),
        Field("expected_close_date", ("expected_close_date", "close_date", "closing_date")),
        Field("source", ("source", "lead_source")),
        Field("next_step", ("next_step",)),
        OWNER,
    ),
}

# Each entry: the file needs at least one of these fields.
REQUIRED: dict[ImportKind, tuple[tuple[str, ...], ...]] = {
    "persons": (("first_name", "last_name", "email"),),
    "accounts": (("name",),),
    "memberships": (
        ("person_email", "person_external_id"),
        ("account_domain", "account_external_id"),
    ),
    # A deal's account or person is checked by row: an update by external id needs neither.
    "deals": (("name",),),
}


def header_key(name: str) -> str:
    """A header name compared loosely: ``"E-mail Address"`` → ``e_mail_address``."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def field_names(kind: ImportKind) -> list[str]:
    """The fields of ``kind`` in their documented order."""
    return [field.name for field in FIELDS[kind]]
