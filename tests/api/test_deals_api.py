"""Deals over HTTP: stage gates, lost reasons, probabilities, committee, history."""

from __future__ import annotations

from typing import Any

from support import ApiClient, count_rows


def stages(api: ApiClient) -> dict[str, dict[str, Any]]:
    pipeline = api.get("/pipelines").json()["items"][0]
    return {stage["name"]: stage for stage in pipeline["stages"]}


def test_deal_starts_in_first_stage_with_its_probability(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    deal = api.created(
        "/deals",
        {"name": "Acme seats", "account_id": account["id"], "amount": "1200.50", "currency": "eur"},
    )
    assert deal["stage_id"] == stages(api)["Qualification"]["id"]
    assert deal["probability"] == 10
    assert deal["forecast_category"] == "pipeline"
    assert deal["status"] == "open"
    assert deal["amount"] == "1200.50"
    assert deal["currency"] == "EUR"
    history = api.get(f"/deals/{deal['id']}/stage-history").json()
    assert [visit["stage_name"] for visit in history] == ["Qualification"]


def test_stage_gate_blocks_a_move_and_lists_missing_fields(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    deal = api.created("/deals", {"name": "Acme", "account_id": account["id"]})
    proposal = stages(api)["Proposal"]
    response = api.patch(f"/deals/{deal['id']}", json={"stage_id": proposal["id"]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "stage_gate_failed"
    assert {d["field"] for d in error["details"]} == {
        "amount",
        "expected_close_date",
        "stakeholders",
    }
    assert api.get(f"/deals/{deal['id']}").json()["stage_id"] == deal["stage_id"]
    person = api.created("/persons", {"first_name": "Eve", "emails": ["eve@acme.com"]})
    api.created(
        f"/deals/{deal['id']}/stakeholders",
        {"person_id": person["id"], "buying_role": "economic_buyer", "sentiment": "positive"},
    )
    moved = api.patch(
        f"/deals/{deal['id']}",
        json={"stage_id": proposal["id"], "amount": "5000", "expected_close_date": "2027-03-31"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["probability"] == 60
    assert moved.json()["forecast_category"] == "best_case"
    timeline = api.get(f"/deals/{deal['id']}/timeline").json()
    assert timeline[0]["kind"] in {"stage_changed", "updated"}
    assert any(e["kind"] == "stage_changed" and "to Proposal" in e["summary"] for e in timeline)
    account_timeline = api.get(f"/accounts/{account['id']}/timeline").json()
    assert any(e["kind"] == "stage_changed" for e in account_timeline)


def test_lost_stage_requires_a_lost_reason(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    deal = api.created("/deals", {"name": "Acme", "account_id": account["id"]})
    lost = stages(api)["Closed lost"]
    refused = api.patch(f"/deals/{deal['id']}", json={"stage_id": lost["id"]})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == [
        {"field": "lost_reason", "message": "required to enter Closed lost"}
    ]
    closed = api.patch(
        f"/deals/{deal['id']}",
        json={"stage_id": lost["id"], "lost_reason": "Went with a competitor"},
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "lost"
    assert closed.json()["closed_at"] is not None
    clearing = api.patch(f"/deals/{deal['id']}", json={"lost_reason": None})
    assert clearing.status_code == 422
    assert api.get(f"/deals/{deal['id']}").json()["lost_reason"] == "Went with a competitor"


def test_probability_override_survives_stage_moves(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    deal = api.created(
        "/deals", {"name": "Acme", "account_id": account["id"], "probability": 35, "amount": "10"}
    )
    assert deal["probability"] == 35
    assert deal["probability_overridden"] is True
    discovery = stages(api)["Discovery"]
    moved = api.patch(f"/deals/{deal['id']}", json={"stage_id": discovery["id"]}).json()
    assert moved["probability"] == 35
    back = api.patch(f"/deals/{deal['id']}", json={"probability": None}).json()
    assert back["probability"] == 20
    assert back["probability_overridden"] is False


def test_unknown_stage_and_pipeline_are_refused(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    before = count_rows(api.database, "deals")
    for body in (
        {"name": "X", "account_id": account["id"], "stage_id": 987654},
        {"name": "X", "account_id": account["id"], "pipeline_id": 987654},
        {"name": "X"},
        {"name": "X", "account_id": 987654},
        {"name": "X", "account_id": account["id"], "amount": 12.5},
        {"name": "X", "account_id": account["id"], "amount": "-3"},
        {"name": "X", "account_id": account["id"], "currency": "XXQ"},
        {"name": "X", "account_id": account["id"], "probability": 140},
    ):
        response = api.post("/deals", json=body)
        assert response.status_code == 422, (body, response.text)
    assert count_rows(api.database, "deals") == before
    assert count_rows(api.database, "deal_stage_history") == 0


def test_stage_of_another_pipeline_is_refused(api: ApiClient) -> None:
    renewals = api.created(
        "/pipelines",
        {"name": "Renewals", "stages": [{"name": "Upcoming"}, {"name": "Renewed", "kind": "won"}]},
    )
    account = api.created("/accounts", {"name": "Acme"})
    deal = api.created("/deals", {"name": "Acme", "account_id": account["id"]})
    response = api.patch(f"/deals/{deal['id']}", json={"stage_id": renewals["stages"][1]["id"]})
    assert response.status_code == 422
    moved = api.patch(f"/deals/{deal['id']}", json={"pipeline_id": renewals["id"]}).json()
    assert moved["stage_id"] == renewals["stages"][0]["id"]


def test_buying_committee_map_shows_covered_and_missing_roles(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    deal = api.created("/deals", {"name": "Acme", "account_id": account["id"]})
    cfo = api.created("/persons", {"first_name": "Carla", "last_name": "CFO"})
    cto = api.created("/persons", {"first_name": "Tom", "last_name": "CTO"})
    api.created(
        f"/deals/{deal['id']}/stakeholders",
        {"person_id": cfo["id"], "buying_role": "economic_buyer", "sentiment": "negative"},
    )
    second = api.created(
        f"/deals/{deal['id']}/stakeholders",
        {"person_id": cto["id"], "buying_role": "blocker", "is_primary": True},
    )
    committee = {row["role"]: row for row in api.get(f"/deals/{deal['id']}/committee").json()}
    assert committee["economic_buyer"]["covered"] is True
    assert committee["economic_buyer"]["person_ids"] == [cfo["id"]]
    assert committee["economic_buyer"]["sentiments"] == ["negative"]
    assert committee["decision_maker"]["covered"] is False
    assert committee["blocker"]["key"] is False
    assert "influencer" not in committee
    listed = api.get(f"/deals/{deal['id']}/stakeholders").json()
    assert [s["is_primary"] for s in listed] == [True, False]
    assert listed[0]["id"] == second["id"]
    duplicate = api.post(
        f"/deals/{deal['id']}/stakeholders",
        json={"person_id": cfo["id"], "buying_role": "economic_buyer"},
    )
    assert duplicate.status_code == 409
    bad_role = api.post(
        f"/deals/{deal['id']}/stakeholders", json={"person_id": cfo["id"], "buying_role": "boss"}
    )
    assert bad_role.status_code == 422


def test_partners_and_filters(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    reseller = api.created("/accounts", {"name": "Channel Co", "lifecycle": "partner"})
    deal = api.created("/deals", {"name": "Acme via channel", "account_id": account["id"]})
    api.created("/deals", {"name": "Other", "account_id": reseller["id"]})
    partner = api.created(
        f"/deals/{deal['id']}/partners", {"account_id": reseller["id"], "role": "reseller"}
    )
    assert partner["role"] == "reseller"
    assert (
        api.post(
            f"/deals/{deal['id']}/partners", json={"account_id": reseller["id"], "role": "landlord"}
        ).status_code
        == 422
    )
    found = api.get("/deals", params={"account_id": account["id"]}).json()["items"]
    assert [d["name"] for d in found] == ["Acme via channel"]
    assert len(api.get("/deals", params={"status": "open"}).json()["items"]) == 2
    assert api.get("/deals", params={"status": "won"}).json()["items"] == []
    assert api.get("/deals", params={"status": "pending"}).status_code == 422
