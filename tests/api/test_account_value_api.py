"""Account value over HTTP: recompute, the stored value, rates, settings, refusals."""

from __future__ import annotations

from datetime import date, timedelta

from support import ApiClient, count_rows

TODAY = date.today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def test_value_rates_and_settings(api: ApiClient) -> None:
    acme = api.created("/accounts", {"name": "Acme", "tier": "enterprise"})
    gone = api.created("/accounts", {"name": "Gone", "tier": "enterprise"})
    for name, account, start, end, arr in (
        ("Acme 1", acme, -465, -100, "10000"),
        ("Acme 2", acme, -99, 265, "12000"),
        ("Gone 1", gone, -565, -200, "5000"),
    ):
        body = {
            "name": name,
            "account_id": account["id"],
            "status": "active",
            "arr": arr,
            "currency": "EUR",
            "start_date": day(start),
            "end_date": day(end),
        }
        api.created("/contracts", body)
    never = api.get(f"/accounts/{acme['id']}/value").json()
    assert (never["computed_at"], never["contracts"]) == (None, [])
    assert api.put("/account-values/settings", json={"segment_by": ["tier"]}).status_code == 200
    done = api.post("/account-values/recompute").json()
    assert done == {"accounts": 2, "contracts": 1, "terms_learned_from": 2}
    value = api.get(f"/accounts/{acme['id']}/value").json()
    # All: 1 of 2 renewed -> (1 + 1) / (2 + 2) = 50 %; enterprise: (1 + 5 x 0.5) / (2 + 5).
    [contract] = value["contracts"]
    assert contract["renewal_probability"] == 50.0
    assert contract["renewal_risk"] == "medium"
    assert contract["reasons"][0].startswith("tier enterprise: 1 of 2 past terms renewed")
    assert value["net_expansion"] == {"EUR": "2000.0000"}
    assert [e["kind"] for e in value["expansion"]] == ["renewal"]
    assert value["arr"] == {"EUR": "12000.00"}
    assert api.post(f"/accounts/{acme['id']}/value").json()["contracts"][0]["name"] == "Acme 2"
    rates = api.get("/account-values/rates").json()
    assert (rates["terms"], rates["renewed"]) == (2, 1)
    assert rates["segments"][1] == {
        "segment": {"tier": "enterprise"},
        "terms": 2,
        "renewed": 1,
        "rate": 50.0,
    }
    health = api.get(f"/accounts/{acme['id']}/health").json()
    renewal = [r for r in health["reasons"] if r["signal"] == "renewal_probability"]
    assert renewal == [
        {
            "signal": "renewal_probability",
            "points": -5,
            "message": "Contract Acme 2 is 50% likely to renew (\u22125)",
        }
    ]
    assert api.get("/health/weights").json()["weights"]["renewal_probability"] == 10


def test_refusals_store_nothing(api: ApiClient) -> None:
    api.created("/accounts", {"name": "Acme"})
    assert api.get("/accounts/999999/value").status_code == 404
    assert api.post("/accounts/999999/value").status_code == 404
    rep, _ = api.as_new_user("rep")
    assert rep.post("/account-values/recompute").status_code == 403
    assert count_rows(api.database, "account_values") == 0
    assert count_rows(api.database, "renewal_rate_fits") == 0
    assert rep.put("/account-values/settings", json={"horizon_years": 2}).status_code == 403
    for body in (
        {"horizon_years": 0},
        {"horizon_years": "2"},
        {"annual_discount_rate": "2"},
        {"segment_by": ["planet"]},
        {"unknown": 1},
    ):
        response = api.put("/account-values/settings", json=body)
        assert response.status_code == 422, body
        assert "error" in response.json()
    assert api.get("/account-values/settings").json() == {
        "annual_discount_rate": "0.10",
        "horizon_years": 3,
        "segment_by": ["tier", "size_band"],
        "prior_strength": 5,
        "grace_days": 30,
    }
    assert count_rows(api.database, "config_entries") == 0
