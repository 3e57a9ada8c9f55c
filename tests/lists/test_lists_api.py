"""/api/v1/lists (issue 7, part 1): static lists and their members through the real HTTP
API — create, rename with If-Match, add and remove people, page through members, and the bad
input that is refused with nothing stored."""

from __future__ import annotations

from support import ApiClient, count_rows


def person(api: ApiClient, name: str) -> int:
    return int(
        api.created("/persons", {"first_name": name, "emails": [f"{name}@example.com"]})["id"]
    )


def test_lists_and_members(api: ApiClient) -> None:
    ann, bob, cas = (person(api, name) for name in ("ann", "bob", "cas"))
    created = api.created("/lists", {"name": "Webinar guests", "description": "May"})
    list_id = created["id"]
    assert created["member_count"] == 0
    added = api.post(f"/lists/{list_id}/members", json={"person_ids": [ann, bob, ann]})
    assert added.json() == {"changed": 2}
    again = api.post(f"/lists/{list_id}/members", json={"person_ids": [bob, cas]})
    assert again.json() == {"changed": 1}
    first = api.get(f"/lists/{list_id}/members", params={"limit": 2}).json()
    assert [m["person_id"] for m in first["items"]] == [ann, bob]
    assert first["items"][0]["email"] == "ann@example.com"
    assert first["items"][0]["source"] == "api"
    rest = api.get(f"/lists/{list_id}/members", params={"cursor": first["next_cursor"]}).json()
    assert [m["person_id"] for m in rest["items"]] == [cas]
    assert rest["next_cursor"] is None
    removed = api.post(f"/lists/{list_id}/members/remove", json={"person_ids": [bob, 999999]})
    assert removed.json() == {"changed": 1}
    read = api.get(f"/lists/{list_id}")
    assert read.json()["member_count"] == 2
    stale = api.patch(f"/lists/{list_id}", json={"name": "Old"}, headers={"If-Match": '"99"'})
    assert stale.status_code == 412
    renamed = api.patch(
        f"/lists/{list_id}", json={"name": "Guests"}, headers={"If-Match": read.headers["ETag"]}
    )
    assert renamed.status_code == 200
    assert [row["name"] for row in api.get("/lists").json()["items"]] == ["Guests"]
    timeline = api.get(f"/persons/{bob}/timeline").json()
    assert [entry["summary"] for entry in timeline][:2] == [
        "removed from list Webinar guests",
        "added to list Webinar guests",
    ]
    assert api.delete(f"/lists/{list_id}").status_code == 204
    assert count_rows(api.database, "static_list_members") == 0
    assert count_rows(api.database, "persons") == 3


def test_bad_input_is_refused_and_nothing_is_stored(api: ApiClient) -> None:
    ann = person(api, "ann")
    list_id = api.created("/lists", {"name": "VIP"})["id"]
    for body, status in [({"name": ""}, 422), ({"name": "VIP"}, 409), ({"name": "X", "c": 1}, 422)]:
        answer = api.post("/lists", json=body)
        assert answer.status_code == status, answer.text
        assert "error" in answer.json()
    for body in [
        {"person_ids": []},
        {"person_ids": ["ann"]},
        {"person_ids": [ann, 999999]},
        {"person_ids": list(range(1, 1002))},
        {"people": [ann]},
    ]:
        answer = api.post(f"/lists/{list_id}/members", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"]
    assert api.post("/lists/999999/members", json={"person_ids": [ann]}).status_code == 404
    assert count_rows(api.database, "static_list_members") == 0
    assert count_rows(api.database, "static_lists") == 1
    viewer, _user = api.as_new_user("viewer")
    with viewer:
        assert viewer.post("/lists", json={"name": "Mine"}).status_code == 403
        refused = viewer.post(f"/lists/{list_id}/members", json={"person_ids": [ann]})
        assert refused.status_code == 403
        assert viewer.get(f"/lists/{list_id}").status_code == 200
    assert count_rows(api.database, "static_list_members") == 0
