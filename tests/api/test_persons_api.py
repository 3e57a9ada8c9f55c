"""Persons, memberships, activities and custom fields over HTTP."""

from __future__ import annotations

from support import ApiClient, count_rows


def test_person_emails_and_phones_are_normalised(api: ApiClient) -> None:
    person = api.created(
        "/persons",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "emails": ["Ada@Example.COM", "ada@example.com", "ada.l@work.example"],
            "phones": ["020 123 4567"],
            "phone_region": "NL",
            "lifecycle_stage": "mql",
            "traits": {"plan": "pro"},
        },
    )
    assert person["emails"] == ["ada@example.com", "ada.l@work.example"]
    assert person["phones"] == ["+31201234567"]
    assert person["lifecycle_stage"] == "mql"
    found = api.get("/persons", params={"search": "WORK.EXAMPLE"}).json()["items"]
    assert [p["id"] for p in found] == [person["id"]]
    merged = api.patch(
        f"/persons/{person['id']}", json={"traits": {"plan": None, "seats": 3}}
    ).json()
    assert merged["traits"] == {"seats": 3}


def test_invalid_email_or_phone_is_refused_with_the_position(api: ApiClient) -> None:
    bad_email = api.post(
        "/persons", json={"first_name": "X", "emails": ["ok@example.com", "nope@"]}
    )
    assert bad_email.status_code == 422
    assert bad_email.json()["error"]["details"][0]["field"] == "emails[1]"
    bad_phone = api.post("/persons", json={"first_name": "X", "phones": ["12"]})
    assert bad_phone.status_code == 422
    assert bad_phone.json()["error"]["details"][0]["field"] == "phones[0]"
    nameless = api.post("/persons", json={"title": "Ghost"})
    assert nameless.status_code == 422
    assert (
        api.post("/persons", json={"first_name": "X", "lifecycle_stage": "whale"}).status_code
        == 422
    )
    assert count_rows(api.database, "persons") == 0


def test_memberships_org_chart_and_leavers(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    ceo = api.created("/persons", {"first_name": "Cee", "last_name": "Eo"})
    cfo = api.created("/persons", {"first_name": "Cee", "last_name": "Fo"})
    stranger = api.created("/persons", {"first_name": "Stran", "last_name": "Ger"})
    api.created(
        "/memberships",
        {
            "person_id": ceo["id"],
            "account_id": account["id"],
            "title": "CEO",
            "department": "Executive",
            "buying_roles": ["decision_maker"],
        },
    )
    refused = api.post(
        "/memberships",
        json={"person_id": cfo["id"], "account_id": account["id"], "reports_to_id": stranger["id"]},
    )
    assert refused.status_code == 422
    cfo_membership = api.created(
        "/memberships",
        {
            "person_id": cfo["id"],
            "account_id": account["id"],
            "title": "CFO",
            "department": "Finance",
            "reports_to_id": ceo["id"],
            "buying_roles": ["economic_buyer"],
            "started_on": "2020-01-01",
        },
    )
    assert (
        api.post(
            "/memberships", json={"person_id": cfo["id"], "account_id": account["id"]}
        ).status_code
        == 409
    )
    ceo_membership = api.get("/memberships", params={"account_id": account["id"]}).json()[0]
    loop = api.patch(f"/memberships/{ceo_membership['id']}", json={"reports_to_id": cfo["id"]})
    assert loop.status_code == 422
    assert "reports (indirectly)" in loop.json()["error"]["message"]
    bad_dates = api.patch(f"/memberships/{cfo_membership['id']}", json={"ended_on": "2019-01-01"})
    assert bad_dates.status_code == 422
    left = api.patch(f"/memberships/{cfo_membership['id']}", json={"ended_on": "2026-06-30"})
    assert left.json()["left"] is True
    members = api.get("/memberships", params={"account_id": account["id"]}).json()
    assert {m["title"]: m["left"] for m in members} == {"CEO": False, "CFO": True}
    assert api.get(f"/accounts/{account['id']}/rollup").json()["people"] == 1
    timeline = api.get(f"/persons/{cfo['id']}/timeline").json()
    assert timeline[0]["summary"] == "Cee Fo left Acme"


def test_activities_link_records_and_reach_their_timelines(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    person = api.created("/persons", {"first_name": "Pat"})
    deal = api.created("/deals", {"name": "Acme deal", "account_id": account["id"]})
    call = api.created(
        "/activities",
        {
            "kind": "call",
            "subject": "Discovery call",
            "account_ids": [account["id"]],
            "person_ids": [person["id"]],
            "deal_ids": [deal["id"]],
            "outcome": "interested",
            "objections": ["price too high"],
            "competitor_mentions": ["Globex"],
        },
    )
    assert call["deal_ids"] == [deal["id"]]
    for path in (f"/accounts/{account['id']}", f"/persons/{person['id']}", f"/deals/{deal['id']}"):
        entries = api.get(f"{path}/timeline").json()
        assert entries[0]["activity_id"] == call["id"], path
        assert entries[0]["summary"] == "Call: Discovery call"
    task = api.created(
        "/activities",
        {
            "kind": "task",
            "subject": "Send proposal",
            "due_at": "2027-01-15T09:00:00Z",
            "deal_ids": [deal["id"]],
        },
    )
    assert [
        a["id"] for a in api.get("/activities", params={"open_tasks": True}).json()["items"]
    ] == [task["id"]]
    done = api.patch(f"/activities/{task['id']}", json={"done": True}).json()
    assert done["done_at"] is not None
    assert api.get("/activities", params={"open_tasks": True}).json()["items"] == []
    assert (
        api.post(
            "/activities", json={"kind": "call", "subject": "x", "due_at": "2027-01-01T00:00:00Z"}
        ).status_code
        == 422
    )
    assert (
        api.post(
            "/activities", json={"kind": "call", "subject": "x", "deal_ids": [424242]}
        ).status_code
        == 422
    )
    assert api.post("/activities", json={"kind": "gossip", "subject": "x"}).status_code == 422


def test_custom_fields_are_validated_and_filterable(api: ApiClient) -> None:
    api.created(
        "/custom-fields",
        {
            "entity": "account",
            "key": "segment",
            "label": "Segment",
            "field_type": "choice",
            "choices": ["public", "private"],
        },
    )
    api.created(
        "/custom-fields",
        {"entity": "account", "key": "seats", "label": "Seats", "field_type": "number"},
    )
    api.created(
        "/custom-fields",
        {"entity": "account", "key": "renewal", "label": "Renewal", "field_type": "date"},
    )
    public = api.created(
        "/accounts", {"name": "Gov", "custom": {"segment": "public", "seats": 250}}
    )
    api.created("/accounts", {"name": "Corp", "custom": {"segment": "private", "seats": 40}})
    for custom in (
        {"segment": "secret"},
        {"seats": "lots"},
        {"renewal": "next year"},
        {"colour": "blue"},
    ):
        response = api.post("/accounts", json={"name": "Bad", "custom": custom})
        assert response.status_code == 422, custom
        assert response.json()["error"]["details"][0]["field"].startswith("custom.")
    assert count_rows(api.database, "accounts") == 2
    found = api.get("/accounts", params={"custom.segment": "public"}).json()["items"]
    assert [a["id"] for a in found] == [public["id"]]
    assert [
        a["name"] for a in api.get("/accounts", params={"custom.seats": "40"}).json()["items"]
    ] == ["Corp"]
    assert api.get("/accounts", params={"custom.colour": "blue"}).status_code == 422
    required = api.post(
        "/custom-fields",
        json={"entity": "person", "key": "Bad Key", "label": "x", "field_type": "text"},
    )
    assert required.status_code == 422
