"""Regressions for defects found in review: each failed before its fix."""

from __future__ import annotations

from typing import Any

from support import ApiClient, count_rows


def stages(api: ApiClient) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in api.get("/pipelines").json()["items"][0]["stages"]}


def new_deal(api: ApiClient, **fields: Any) -> dict[str, Any]:
    account = api.created("/accounts", {"name": "Acme"})
    return api.created("/deals", {"name": "Deal", "account_id": account["id"], **fields})


def test_null_pipeline_means_the_default_pipeline(api: ApiClient) -> None:
    deal = new_deal(api, pipeline_id=None)
    assert deal["stage_id"] == stages(api)["Qualification"]["id"]


def test_closing_a_deal_drops_probability_and_category_overrides(api: ApiClient) -> None:
    deal = new_deal(api, amount="100", probability=20, forecast_category="best_case")
    won = api.patch(f"/deals/{deal['id']}", json={"stage_id": stages(api)["Closed won"]["id"]})
    body = won.json()
    assert (body["probability"], body["forecast_category"]) == (100, "closed")
    assert body["probability_overridden"] is False
    refused = api.patch(f"/deals/{deal['id']}", json={"probability": 40})
    assert refused.status_code == 422
    assert api.get(f"/deals/{deal['id']}").json()["probability"] == 100


def test_resetting_an_override_records_the_real_before_and_after(api: ApiClient) -> None:
    deal = new_deal(api, probability=77)
    api.patch(f"/deals/{deal['id']}", json={"probability": None})
    entry = api.get(f"/deals/{deal['id']}/timeline").json()[0]
    assert entry["changes"]["probability"] == {"before": 77, "after": 10}


def test_moving_a_deal_to_another_account_shows_on_both_timelines(api: ApiClient) -> None:
    deal = new_deal(api)
    other = api.created("/accounts", {"name": "Other"})
    api.patch(f"/deals/{deal['id']}", json={"account_id": other["id"]})
    for account_id in (deal["account_id"], other["id"]):
        entry = api.get(f"/accounts/{account_id}/timeline").json()[0]
        assert entry["changes"]["account_id"] == {
            "before": deal["account_id"],
            "after": other["id"],
        }


def test_stage_changes_move_deal_versions_and_kind_changes_need_an_empty_stage(
    api: ApiClient,
) -> None:
    deal = new_deal(api)
    stage = stages(api)["Qualification"]
    path = f"/pipelines/{stage['pipeline_id']}/stages/{stage['id']}"
    assert api.patch(path, json={"probability": 33}).status_code == 200
    after = api.get(f"/deals/{deal['id']}")
    assert after.json()["probability"] == 33
    assert after.headers["ETag"] == '"2"'
    assert api.patch(path, json={"kind": "won"}).status_code == 409
    assert stages(api)["Qualification"]["kind"] == "open"


def test_exit_criteria_are_checked_when_moving_forward(api: ApiClient) -> None:
    stage = stages(api)["Qualification"]
    api.patch(
        f"/pipelines/{stage['pipeline_id']}/stages/{stage['id']}",
        json={"exit_criteria": ["source"]},
    )
    deal = new_deal(api, amount="10")
    forward = api.patch(f"/deals/{deal['id']}", json={"stage_id": stages(api)["Discovery"]["id"]})
    assert forward.status_code == 422
    assert [d["field"] for d in forward.json()["error"]["details"]] == ["source"]
    ok = api.patch(
        f"/deals/{deal['id']}",
        json={"stage_id": stages(api)["Discovery"]["id"], "source": "referral"},
    )
    assert ok.status_code == 200


def test_hierarchies_are_capped_so_cycles_cannot_hide(api: ApiClient) -> None:
    parent = None
    chain = []
    for index in range(50):
        body = {"name": f"H{index:02d}"} | ({"parent_id": parent} if parent else {})
        parent = api.created("/accounts", body)["id"]
        chain.append(parent)
    too_deep = api.post("/accounts", json={"name": "H50", "parent_id": chain[-1]})
    assert too_deep.status_code == 422
    assert "50 levels" in too_deep.json()["error"]["message"]
    loop = api.patch(f"/accounts/{chain[0]}", json={"parent_id": chain[-1]})
    assert loop.status_code == 422


def test_out_of_range_and_unstorable_values_are_refused(api: ApiClient) -> None:
    api.created(
        "/custom-fields",
        {"entity": "account", "key": "score", "label": "Score", "field_type": "number"},
    )
    for value in ("1e5000", "1.5e400", 1e16):
        response = api.post("/accounts", json={"name": "X", "custom": {"score": value}})
        assert response.status_code == 422, value
    nan = api.post(
        "/persons",
        content=b'{"first_name": "X", "traits": {"x": NaN}}',
        headers={"Content-Type": "application/json"},
    )
    assert nan.status_code == 422
    nul = api.post("/accounts", json={"name": "A\u0000B"})
    assert nul.status_code == 422
    currency = api.post("/accounts", json={"name": "X", "annual_revenue_currency": "zzzzz"})
    assert currency.status_code == 422
    huge = api.post(
        "/accounts",
        json={
            "name": "X",
            "annual_revenue": "999999999999999.99",
            "annual_revenue_currency": "USD",
        },
    )
    assert huge.status_code == 422
    assert count_rows(api.database, "accounts") == 0
    assert count_rows(api.database, "persons") == 0


def test_a_person_on_a_committee_cannot_be_deleted_behind_the_deal_owner(api: ApiClient) -> None:
    deal = new_deal(api)
    person = api.created("/persons", {"first_name": "Pat"})
    api.created(
        f"/deals/{deal['id']}/stakeholders", {"person_id": person["id"], "buying_role": "champion"}
    )
    assert api.get(f"/deals/{deal['id']}").headers["ETag"] == '"2"'
    marketer, _ = api.as_new_user("marketer")
    assert marketer.delete(f"/persons/{person['id']}").status_code == 409
    assert len(api.get(f"/deals/{deal['id']}/stakeholders").json()) == 1


def test_smaller_validation_gaps(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    person = api.created("/persons", {"emails": ["only@example.com"]})
    assert api.patch(f"/persons/{person['id']}", json={"emails": []}).status_code == 422
    bad_dates = api.post(
        "/memberships",
        json={
            "person_id": person["id"],
            "account_id": account["id"],
            "started_on": "2024-01-01",
            "ended_on": "2023-01-01",
        },
    )
    assert bad_dates.status_code == 422
    call = api.created("/activities", {"kind": "call", "subject": "Call"})
    assert (
        api.patch(f"/activities/{call['id']}", json={"due_at": "2027-01-01T00:00:00Z"}).status_code
        == 422
    )
    assert api.patch(f"/activities/{call['id']}", json={"occurred_at": None}).status_code == 422
    rep, _ = api.as_new_user("rep")
    mine = rep.created("/accounts", {"name": "Mine"})
    assert rep.patch(f"/accounts/{mine['id']}", json={"owner_id": None}).status_code == 403
    assert count_rows(api.database, "memberships") == 0
