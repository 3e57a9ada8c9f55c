"""Account health, ABM board, share of wallet and weights over HTTP."""

from __future__ import annotations

from datetime import date, timedelta

from support import ApiClient, count_rows


def test_health_abm_and_history(api: ApiClient) -> None:
    quiet = api.created("/accounts", {"name": "Quiet"})
    busy = api.created("/accounts", {"name": "Busy"})
    api.created("/deals", {"name": "Busy deal", "account_id": busy["id"]})
    api.created(
        "/activities", {"kind": "support", "subject": "Login broken", "account_ids": [busy["id"]]}
    )
    health = api.get(f"/accounts/{quiet['id']}/health").json()
    # No activity (-20); the live server's event store has no events: engagement -15.
    assert health["score"] == 65
    assert health["abm_status"] == "cold"
    assert health["history"] == []
    assert [r["message"] for r in health["reasons"] if r["points"]] == [
        "No activity recorded (\u221220)",
        "No engagement events from its people (\u221215)",
    ]
    busy_health = api.get(f"/accounts/{busy['id']}/health").json()
    # Support logged just now is also the latest activity: -15 engagement, -15 coverage,
    # -5 support (1 of 3 issues: 15 / 3).
    assert busy_health["score"] == 65
    assert (busy_health["abm_status"], busy_health["abm_reason"]) == (
        "in_pipeline",
        "Open deal Busy deal",
    )
    stored = api.post(f"/accounts/{busy['id']}/health")
    assert stored.status_code == 200
    assert [(p["day"], p["score"]) for p in stored.json()["history"]] == [
        (date.today().isoformat(), 65)
    ]
    recomputed = api.post("/health/recompute").json()
    assert recomputed["accounts"] == 2
    board = api.get("/abm").json()["items"]
    assert [(card["name"], card["abm_status"], card["score"]) for card in board] == [
        ("Quiet", "cold", 65),
        ("Busy", "in_pipeline", 65),
    ]
    cold = api.get("/abm", params={"abm_status": "cold"}).json()["items"]
    assert [card["name"] for card in cold] == ["Quiet"]
    assert api.get("/abm/counts").json() == {
        "customer": 0,
        "in_pipeline": 1,
        "nurture": 0,
        "cold": 1,
    }
    for path, params in (("/abm", {"abm_status": "warm"}), ("/abm", {"sort": "name"})):
        response = api.get(path, params=params)
        assert response.status_code == 422
        assert "error" in response.json()
    assert api.get("/accounts/999999/health").status_code == 404
    assert api.post("/accounts/999999/health").status_code == 404


def test_recompute_and_weights_need_rights(api: ApiClient) -> None:
    api.created("/accounts", {"name": "Acme"})
    rep, _ = api.as_new_user("rep")
    manager, _ = api.as_new_user("manager")
    assert rep.post("/health/recompute").status_code == 403
    assert count_rows(api.database, "account_health") == 0
    assert manager.post("/health/recompute").status_code == 200
    assert (
        manager.put("/health/weights", json={"weights": {"activity_recency": 5}}).status_code == 403
    )
    assert api.get("/health/weights").json()["weights"]["activity_recency"] == 20
    for body in (
        {"weights": {"activity_recency": 101}},
        {"weights": {"unknown": 5}},
        {"weights": {"activity_recency": "5"}},
        {"weights": {"activity_recency": 5.5}},
        {"weights": []},
        {},
    ):
        response = api.put("/health/weights", json=body)
        assert response.status_code == 422, body
    assert api.get("/health/weights").json()["weights"]["activity_recency"] == 20
    changed = api.put("/health/weights", json={"weights": {"activity_recency": 5}})
    assert changed.json()["weights"]["activity_recency"] == 5


def test_wallet_with_an_estimate(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme", "employees": 50})
    today = date.today()
    api.created(
        "/contracts",
        {
            "name": "Acme",
            "account_id": account["id"],
            "status": "active",
            "start_date": (today - timedelta(days=5)).isoformat(),
            "end_date": (today + timedelta(days=360)).isoformat(),
            "mrr": "500",
            "currency": "USD",
        },
    )
    wallet = api.get(f"/accounts/{account['id']}/wallet").json()
    assert (wallet["arr"], wallet["potential"], wallet["share_percent"]) == (
        "6000.00",
        "50000.00",
        "12.00",
    )
    assert wallet["potential_source"] == "employees"
    estimated = api.put(
        f"/accounts/{account['id']}/wallet/potential", json={"amount": "24000", "currency": "USD"}
    ).json()
    assert (estimated["potential"], estimated["share_percent"]) == ("24000.00", "25.00")
    for body in (
        {"amount": "-1", "currency": "USD"},
        {"amount": "1", "currency": "??"},
        {"amount": "1"},
    ):
        assert api.put(f"/accounts/{account['id']}/wallet/potential", json=body).status_code == 422
    assert count_rows(api.database, "account_potentials") == 1
    assert api.delete(f"/accounts/{account['id']}/wallet/potential").status_code == 204
    assert count_rows(api.database, "account_potentials") == 0
