"""Authentication, authorisation and malformed requests: clear 4xx, nothing stored."""

from __future__ import annotations

import httpx

from support import ApiClient, count_rows


def test_requests_without_a_valid_key_are_refused(api: ApiClient) -> None:
    base = f"{api.server_url}/api/v1"
    assert httpx.get(f"{base}/accounts").status_code == 401
    wrong = httpx.get(f"{base}/accounts", headers={"Authorization": "Bearer tf_nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "not_authenticated"
    basic = httpx.get(f"{base}/accounts", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert httpx.post(f"{base}/accounts", json={"name": "X"}).status_code == 401
    assert count_rows(api.database, "accounts") == 0


def test_revoked_key_stops_working(api: ApiClient) -> None:
    created = api.created("/api-keys", {"name": "temporary"})
    assert created["key"].startswith("tf_")
    other = httpx.Client(
        base_url=f"{api.server_url}/api/v1", headers={"Authorization": f"Bearer {created['key']}"}
    )
    assert other.get("/users/me").status_code == 200
    assert api.delete(f"/api-keys/{created['id']}").status_code == 204
    assert other.get("/users/me").status_code == 401
    listed = api.get("/api-keys").json()["items"]
    assert "key" not in listed[0]
    assert any(k["revoked_at"] for k in listed)


def test_viewer_reads_but_cannot_write(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Acme"})
    viewer, _user = api.as_new_user("viewer")
    assert viewer.get(f"/accounts/{account['id']}").status_code == 200
    response = viewer.post("/accounts", json={"name": "Nope"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert viewer.patch(f"/accounts/{account['id']}", json={"name": "Renamed"}).status_code == 403
    assert api.get(f"/accounts/{account['id']}").json()["name"] == "Acme"
    assert count_rows(api.database, "accounts") == 1


def test_reps_edit_only_what_they_own(api: ApiClient) -> None:
    rep, rep_user = api.as_new_user("rep")
    other_rep, _ = api.as_new_user("rep")
    mine = rep.created("/accounts", {"name": "Mine"})
    assert mine["owner_id"] == rep_user.id
    assert rep.patch(f"/accounts/{mine['id']}", json={"industry": "Retail"}).status_code == 200
    denied = other_rep.patch(f"/accounts/{mine['id']}", json={"industry": "Hacked"})
    assert denied.status_code == 403
    assert api.get(f"/accounts/{mine['id']}").json()["industry"] == "Retail"
    give_away = rep.patch(
        f"/accounts/{mine['id']}", json={"owner_id": api.get("/users/me").json()["id"]}
    )
    assert give_away.status_code == 403
    manager, _ = api.as_new_user("manager")
    assert manager.patch(f"/accounts/{mine['id']}", json={"industry": "Fintech"}).status_code == 200


def test_only_admins_define_custom_fields_and_create_users(api: ApiClient) -> None:
    manager, _ = api.as_new_user("manager")
    body = {"entity": "deal", "key": "region_code", "label": "Region", "field_type": "text"}
    assert manager.post("/custom-fields", json=body).status_code == 403
    assert api.post("/custom-fields", json=body).status_code == 201
    new_user = {"email": "x@example.com", "name": "X", "password": "long-enough-pw", "role": "rep"}
    assert manager.post("/users", json=new_user).status_code == 403
    assert api.post("/users", json=new_user).status_code == 201
    assert api.post("/users", json=new_user).status_code == 409
    assert (
        api.post(
            "/users", json=new_user | {"email": "y@example.com", "password": "short"}
        ).status_code
        == 422
    )


def test_malformed_json_wrong_types_and_oversized_bodies(api: ApiClient) -> None:
    malformed = api.post(
        "/accounts", content=b'{"name": "Acme",', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed_json"
    wrong_type = api.post("/accounts", json={"name": ["not", "a", "string"]})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["error"]["details"][0]["field"] == "name"
    not_an_object = api.post("/accounts", json=[1, 2, 3])
    assert not_an_object.status_code == 422
    huge = api.post("/accounts", json={"name": "A" * 2_000_000})
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "payload_too_large"
    bad_if_match = api.patch("/accounts/1", json={"name": "x"}, headers={"If-Match": "yesterday"})
    assert bad_if_match.status_code == 422
    assert api.get("/accounts", params={"limit": 501}).status_code == 422
    assert api.get("/accounts", params={"cursor": "garbage!!"}).status_code == 422
    assert api.get("/accounts", params={"sort": "password"}).status_code == 422
    assert api.get("/no-such-thing").status_code == 404
    assert api.get("/no-such-thing").json()["error"]["code"] == "not_found"
    assert count_rows(api.database, "accounts") == 0


def test_openapi_lists_the_resources(api: ApiClient) -> None:
    spec = httpx.get(f"{api.server_url}/openapi.json").json()
    paths = set(spec["paths"])
    for path in (
        "/api/v1/accounts",
        "/api/v1/persons",
        "/api/v1/deals",
        "/api/v1/pipelines",
        "/api/v1/activities",
        "/api/v1/memberships",
        "/api/v1/deals/{deal_id}/committee",
        "/api/v1/forecast",
        "/api/v1/forecast/submissions",
        "/api/v1/forecast/accuracy",
        "/api/v1/quotas",
        "/api/v1/exchange-rates",
        "/api/v1/users/{user_id}",
    ):
        assert path in paths


def test_api_docs_are_served_without_a_cdn(api: ApiClient) -> None:
    page = httpx.get(f"{api.server_url}/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    bundle = httpx.get(f"{api.server_url}/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert len(bundle.content) > 100_000


def test_ids_beyond_64_bits_are_refused_not_crashed(api: ApiClient) -> None:
    huge = 10**23
    assert api.get(f"/accounts/{huge}").status_code == 422
    response = api.post("/deals", json={"name": "X", "account_id": huge})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert api.get("/deals", params={"owner_id": huge}).status_code == 422
    assert count_rows(api.database, "deals") == 0


def test_a_streamed_oversized_body_is_refused_with_413(api: ApiClient) -> None:
    def chunks():  # no Content-Length: the server must count as the bytes arrive
        yield b'{"name": "'
        for _ in range(300):
            yield b"A" * 10_000
        yield b'"}'

    response = api.post("/accounts", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert count_rows(api.database, "accounts") == 0
