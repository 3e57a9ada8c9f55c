"""/api/v1/sequences and /api/v1/sequence-enrollments through the real HTTP server (SQLite and
PostgreSQL): bad input is refused with a JSON error and nothing is stored — bad steps (422
with the path), unknown people and deals, a stale If-Match (412), unknown enrolment actions,
ids out of range, and a rep touching another rep's sequence (403; admins and managers may)."""

from __future__ import annotations

from typing import Any

import httpx

from support import ApiClient, count_rows

STEPS: list[dict[str, Any]] = [
    {"type": "email", "subject": "Hi {{ person.first_name }}", "body": "A question."},
    {"type": "wait", "business_days": 2},
]
BIG = 2**63  # one past the largest id a column holds


def refused(answer: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def stored(api: ApiClient) -> tuple[int, ...]:
    return tuple(
        count_rows(api.database, table)
        for table in (
            "sequences",
            "sequence_enrollments",
            "sequence_step_visits",
            "timeline_entries",
        )
    )


def test_bad_sequences_are_refused_with_their_path_and_nothing_is_stored(api: ApiClient) -> None:
    rep, rep_user = api.as_new_user("rep")
    with rep:
        sequence = rep.created("/sequences", {"name": "Outbound", "steps": STEPS})
        before = stored(api)
        for steps, field in (
            ([{"type": "email", "subject": "", "body": "x"}], "steps.0.subject"),
            ([STEPS[0], {"type": "wait", "business_days": 0}], "steps.1.business_days"),
            ([STEPS[0], {"type": "fax"}], "steps.1"),
            ([{"type": "email", "subject": "{{ person.", "body": "x"}], "steps.0.subject"),
            ("not a list", "steps"),
        ):
            error = refused(rep.post("/sequences", json={"name": "New", "steps": steps}), 422)
            assert any(d["field"].startswith(field) for d in error["details"]), (field, error)
        for body, status in (
            ({"name": "Outbound", "steps": STEPS}, 409),  # the name is taken
            ({"name": "", "steps": STEPS}, 422),
            ({"name": "Zoned", "steps": STEPS, "timezone": "Mars/Olympus"}, 422),
            ({"name": "Theirs", "steps": STEPS, "owner_id": 999_999}, 403),  # reps cannot assign
            ({"name": "Extra", "steps": STEPS, "colour": "red"}, 422),
            ({"name": "No steps"}, 422),
        ):
            refused(rep.post("/sequences", json=body), status)
        refused(rep.post("/sequences", content=b'{"name": ', headers=_json()), 400)
        refused(
            api.post("/sequences", json={"name": "Ghost", "steps": STEPS, "owner_id": 999_999}),
            422,
        )
        refused(api.post("/sequences", json={"name": "Big", "steps": STEPS, "owner_id": BIG}), 422)

        path = f"/sequences/{sequence['id']}"
        etag = rep.get(path).headers["ETag"]
        refused(rep.patch(path, json={"name": "Renamed"}, headers={"If-Match": '"99"'}), 412)
        refused(
            rep.patch(path, json={"steps": [{"type": "wait"}]}, headers={"If-Match": etag}), 422
        )
        refused(rep.patch(path, json={"steps": None}, headers={"If-Match": etag}), 422)
        refused(rep.patch(path, json={"status": "deleted"}, headers={"If-Match": etag}), 422)
        refused(rep.patch(path, json={"owner_id": None}, headers={"If-Match": etag}), 422)
        refused(rep.patch("/sequences/999999", json={"name": "X"}), 404)
        refused(rep.get(f"/sequences/{BIG}"), 422)
        assert stored(api) == before
        assert rep.get(path).json()["name"] == "Outbound"
        assert rep.get(path).headers["ETag"] == etag

        # Another rep may read it, not change, enrol into or delete it; a manager may.
        other, _other_user = api.as_new_user("rep")
        with other:
            assert other.get(path).status_code == 200
            refused(other.patch(path, json={"name": "Mine"}, headers={"If-Match": etag}), 403)
            refused(other.delete(path), 403)
            person = other.created("/persons", {"first_name": "Ann", "emails": ["ann@b.example"]})
            enrol = f"{path}/enrollments"
            refused(other.post(enrol, json={"person_id": person["id"]}), 403)
        viewer, _viewer_user = api.as_new_user("viewer")
        with viewer:
            refused(viewer.post("/sequences", json={"name": "V", "steps": STEPS}), 403)
        assert stored(api)[:3] == before[:3]
        manager, _manager_user = api.as_new_user("manager")
        with manager:
            changed = manager.patch(path, json={"name": "Managed"}, headers={"If-Match": etag})
            assert changed.status_code == 200, changed.text
            assert changed.json()["owner_id"] == rep_user.id


def test_bad_enrolments_and_enrolment_actions_are_refused(api: ApiClient) -> None:
    rep, _rep_user = api.as_new_user("rep")
    with rep:
        sequence = rep.created("/sequences", {"name": "Outbound", "steps": STEPS})
        enrol = f"/sequences/{sequence['id']}/enrollments"
        ann = rep.created("/persons", {"first_name": "Ann", "emails": ["ann@buyer.example"]})
        nomail = rep.created("/persons", {"first_name": "Nomail"})
        before = stored(api)
        refused(rep.post(enrol, json={"person_id": 999_999}), 404, "not_found")
        refused(rep.post(enrol, json={"person_id": nomail["id"]}), 422)
        refused(rep.post(enrol, json={"person_id": ann["id"], "deal_id": 999_999}), 422)
        for body in (
            {},
            {"person_id": "ann"},
            {"person_id": 0},
            {"person_id": BIG},
            {"person_id": ann["id"], "extra": 1},
        ):
            refused(rep.post(enrol, json=body), 422, "validation_error")
        refused(rep.post("/sequences/999999/enrollments", json={"person_id": ann["id"]}), 404)
        assert stored(api) == before

        enrollment = rep.created(enrol, {"person_id": ann["id"]})
        refused(rep.post(enrol, json={"person_id": ann["id"]}), 409)  # already enrolled
        action = f"/sequence-enrollments/{enrollment['id']}"
        refused(rep.post(f"{action}/restart"), 422)
        refused(rep.post("/sequence-enrollments/999999/pause"), 404)
        refused(rep.get(f"/sequence-enrollments/{BIG}"), 422)
        other, _other_user = api.as_new_user("rep")
        with other:
            refused(other.post(f"{action}/stop"), 403)
        assert rep.post(f"{action}/stop").json()["status"] == "stopped"
        refused(rep.post(f"{action}/resume"), 409)
        refused(rep.post(f"{action}/pause"), 409)
        for query in ({"status": "finished"}, {"person_id": "ann"}, {"person_id": BIG}):
            refused(rep.get("/sequence-enrollments", params=query), 422)
        refused(rep.get("/sequences", params={"owner_id": BIG}), 422)
        assert rep.get(action).json()["stop_reason"] == "stopped by a user"
        assert count_rows(api.database, "sequence_enrollments") == 1


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}
