"""/api/v1/sources: create (key shown once), list with traffic, more keys, revoke; bad input."""

from __future__ import annotations

import httpx

from support import ApiClient, count_rows
from twofold.store.database import Database


def code_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["error"]["code"]
    return code


def test_sources_keys_traffic_and_revocation(api: ApiClient, live_server: str) -> None:
    created = api.post("/sources", json={"name": "Web shop"})
    assert created.status_code == 201, created.text
    source = created.json()
    key = source["write_key"]
    assert key.startswith("wk_")
    assert [k["hint"] for k in source["keys"]] == [key[:9]]

    sent = httpx.post(
        f"{live_server}/v1/track", json={"userId": "u-1", "event": "Viewed"}, auth=(key, "")
    )
    assert sent.status_code == 200, sent.text
    second = api.post(f"/sources/{source['id']}/keys")
    assert second.status_code == 201
    listed = api.get("/sources").json()["items"]
    assert [(s["name"], len(s["keys"])) for s in listed] == [("Web shop", 2)]
    assert "write_key" not in listed[0]
    assert all("write_key" not in k for k in listed[0]["keys"])

    first_key_id = source["keys"][0]["id"]
    revoked = api.post(f"/sources/{source['id']}/keys/{first_key_id}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = httpx.post(
        f"{live_server}/v1/track", json={"userId": "u-1", "event": "Viewed"}, auth=(key, "")
    )
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_write_key"
    still = httpx.post(
        f"{live_server}/v1/track",
        json={"userId": "u-1", "event": "Viewed"},
        auth=(second.json()["write_key"], ""),
    )
    assert still.status_code == 200


def test_bad_source_requests_store_nothing(api: ApiClient, database: Database) -> None:
    assert api.post("/sources", json={"name": "Web"}).status_code == 201
    before = count_rows(database, "sources"), count_rows(database, "source_keys")
    assert code_of(api.post("/sources", json={"name": "Web"}), 409) == "conflict"
    assert code_of(api.post("/sources", json={"name": ""}), 422) == "validation_error"
    assert code_of(api.post("/sources", json={"name": "X", "kind": "ftp"}), 422)
    assert code_of(api.post("/sources", json={"name": "X", "colour": 1}), 422)
    assert code_of(api.post("/sources/999/keys"), 404) == "not_found"
    assert code_of(api.post("/sources/1/keys/999/revoke"), 404) == "not_found"
    rep, _user = api.as_new_user("rep")
    with rep:
        assert code_of(rep.post("/sources", json={"name": "Mine"}), 403)
        assert code_of(rep.get("/sources"), 403)
        assert code_of(rep.post("/sources/1/keys"), 403)
    assert (count_rows(database, "sources"), count_rows(database, "source_keys")) == before


def test_a_key_is_revoked_only_through_its_own_source(api: ApiClient) -> None:
    one = api.post("/sources", json={"name": "One"}).json()
    other = api.post("/sources", json={"name": "Other"}).json()
    key_id = one["keys"][0]["id"]
    assert code_of(api.post(f"/sources/{other['id']}/keys/{key_id}/revoke"), 404)
    keys = {s["name"]: s["keys"] for s in api.get("/sources").json()["items"]}
    assert keys["One"][0]["revoked_at"] is None
