"""/api/v1/flows over HTTP: a flow is checked on save (422 with paths, nothing stored),
activated, refused changes while active, paused, listed with its runs and step counts."""

from __future__ import annotations

from typing import Any

from support import ApiClient, count_rows
from twofold.store.database import Database
from twofold.store.models import MessageTemplate


def template(database: Database) -> int:
    with database.transaction() as session:
        row = MessageTemplate(name="Hello", channel="email", subject="Hi", text="Hello")
        session.add(row)
        session.flush()
        return row.id


def welcome(template_id: int) -> dict[str, Any]:
    return {
        "trigger": {"type": "event", "event": "Signed Up"},
        "start": "wait",
        "steps": [
            {"id": "wait", "type": "delay", "hours": 24, "next": "mail"},
            {"id": "mail", "type": "send_email", "template_id": template_id},
        ],
    }


def test_flow_lifecycle(api: ApiClient, database: Database) -> None:
    flow = api.created("/flows", {"name": "Welcome", "definition": welcome(template(database))})
    assert flow["status"] == "draft"
    assert api.post(f"/flows/{flow['id']}/activate").json()["status"] == "active"
    busy = api.patch(f"/flows/{flow['id']}", json={"definition": welcome(1)})
    assert busy.status_code == 409
    assert api.delete(f"/flows/{flow['id']}").status_code == 409
    assert api.post(f"/flows/{flow['id']}/pause").json()["status"] == "paused"
    renamed = api.patch(f"/flows/{flow['id']}", json={"name": "Welcome series"})
    assert renamed.json()["name"] == "Welcome series"
    assert api.get(f"/flows/{flow['id']}/runs").json() == {"items": [], "next_cursor": None}
    assert api.get("/flows").json()["items"][0]["steps"] == {}
    assert api.delete(f"/flows/{flow['id']}").status_code == 204


def test_bad_flows_are_refused_and_nothing_is_stored(api: ApiClient, database: Database) -> None:
    template_id = template(database)
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {
                "trigger": {"type": "event", "event": "X"},
                "start": "a",
                "steps": [
                    {"id": "a", "type": "update_trait", "trait": "t", "value": 1, "next": "b"},
                    {"id": "b", "type": "update_trait", "trait": "t", "value": 2, "next": "a"},
                ],
            },
            "flow.steps",
        ),  # a cycle with no wait
        (welcome(template_id + 100), "flow.steps.mail.template_id"),
        (
            {**welcome(template_id), "trigger": {"type": "segment_entered", "segment_id": 9}},
            "flow.trigger.segment_id",
        ),
        ({**welcome(template_id), "start": "nope"}, "flow.start"),
    ]
    for definition, path in cases:
        answer = api.post("/flows", json={"name": "Bad", "definition": definition})
        assert answer.status_code == 422, answer.text
        assert path in {d["field"] for d in answer.json()["error"]["details"]}, answer.json()
    assert api.post("/flows", json={"name": "", "definition": {}}).status_code == 422
    assert count_rows(database, "flows") == 0
    viewer, _ = api.as_new_user("viewer")
    refused = viewer.post("/flows", json={"name": "V", "definition": welcome(template_id)})
    assert refused.status_code == 403
    assert count_rows(database, "flows") == 0
