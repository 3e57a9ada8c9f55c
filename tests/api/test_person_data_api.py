"""The merge, identity-conflict, erasure, export and rejection endpoints on a live server:
what they answer, who may call them, and that a refused call changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest

from b2c_support import TwoAnns, build_two_anns
from support import ApiClient, ThreadedServer, count_rows
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.store.database import Database
from twofold.store.models import User


@dataclass
class Live:
    """The running app, an admin client, the source's write key and the two Anns."""

    client: ApiClient
    ingestion: Ingestion
    source_id: int
    write_key: str
    anns: TwoAnns


@pytest.fixture
def live(settings: Settings, database: Database, admin: User) -> Iterator[Live]:
    with database.transaction() as session:
        source, key = create_source(session, actor=None, name="Shop")
        source_id = source.id
    app = create_app(settings, database=database)
    with ThreadedServer(app).running() as url:
        ingestion = cast(Ingestion, app.state.ingestion)
        anns = build_two_anns(database, ingestion, source_id, admin)
        with ApiClient.for_user(url, database, admin) as client:
            yield Live(client, ingestion, source_id, key.secret, anns)


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["error"]["code"]
    return code


def state(database: Database) -> tuple[int, ...]:
    """Row counts that any merge or erasure would change."""
    tables = (
        "persons",
        "identity_mappings",
        "identity_conflicts",
        "memberships",
        "timeline_entries",
    )
    return tuple(count_rows(database, table) for table in tables)


def test_merging_a_person_into_another(live: Live, database: Database) -> None:
    api, anns = live.client, live.anns
    response = api.post(f"/persons/{anns.keep}/merge", json={"from_person_id": anns.duplicate})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert (body["person_id"], body["merged_person_id"]) == (anns.keep, anns.duplicate)
    assert body["moved"]["identities"] == 3
    assert body["moved"]["events"] == 4
    assert body["folded"]["emails"] == ["annie@home.io"]
    assert api.get(f"/persons/{anns.duplicate}").status_code == 404
    assert api.get(f"/persons/{anns.keep}").json()["emails"] == ["ann@corp.io", "annie@home.io"]
    assert api.get("/events/count", params={"person_id": anns.keep}).json() == {"count": 5}
    timeline = api.get(f"/persons/{anns.keep}/timeline").json()
    assert timeline[0]["kind"] == "persons_merged"
    conflict = api.get(f"/identity-conflicts/{anns.conflict}").json()
    assert conflict["status"] == "merged"


def test_merge_boundaries(live: Live, database: Database) -> None:
    api, anns = live.client, live.anns
    before = state(database)
    path = f"/persons/{anns.keep}/merge"
    assert error_code(api.post(path, json={"from_person_id": anns.keep}), 422) == "validation_error"
    assert error_code(api.post(path, json={"from_person_id": 987654}), 404) == "not_found"
    assert error_code(api.post("/persons/987654/merge", json={"from_person_id": anns.keep}), 404)
    assert error_code(api.post(path, json={}), 422) == "validation_error"
    assert error_code(api.post(path, json={"from_person_id": "x"}), 422) == "validation_error"
    assert error_code(api.post(path, json={"from_person_id": 2, "extra": 1}), 422)
    assert error_code(api.post(path, json={"from_person_id": 2**70}), 422)
    assert error_code(api.post("/persons/abc/merge", json={"from_person_id": 2}), 422)
    assert error_code(api.post(f"/persons/{2**64}/merge", json={"from_person_id": 2}), 422)
    assert error_code(
        api.post(path, content=b"{nope", headers={"Content-Type": "application/json"}), 400
    )
    for role in ("rep", "manager", "viewer"):
        client, _user = api.as_new_user(role)
        with client:
            refused = client.post(path, json={"from_person_id": anns.duplicate})
            assert error_code(refused, 403) == "permission_denied"
    anonymous = httpx.post(f"{api.server_url}/api/v1{path}", json={"from_person_id": 2})
    assert error_code(anonymous, 401) == "not_authenticated"
    assert state(database) == before


def test_reviewing_identity_conflicts(live: Live, database: Database) -> None:
    api, anns = live.client, live.anns
    listed = api.get("/identity-conflicts").json()
    assert [item["id"] for item in listed["items"]] == [anns.conflict]
    item = listed["items"][0]
    assert (item["kind"], item["value"], item["person_id"], item["other_person_id"]) == (
        "email",
        "ann@corp.io",
        anns.keep,
        anns.duplicate,
    )
    assert api.get("/identity-conflicts", params={"status": "dismissed"}).json()["items"] == []
    assert error_code(api.get("/identity-conflicts", params={"status": "odd"}), 422)
    assert error_code(api.get("/identity-conflicts/987654"), 404) == "not_found"
    rep, _user = api.as_new_user("rep")
    with rep:
        assert error_code(rep.post(f"/identity-conflicts/{anns.conflict}/dismiss"), 403)
        assert error_code(rep.post(f"/identity-conflicts/{anns.conflict}/merge"), 403)
    before = state(database)
    # Merge in the other direction: the claimant is kept, the owner merged into it.
    merged = api.post(
        f"/identity-conflicts/{anns.conflict}/merge", json={"into_person_id": anns.duplicate}
    )
    assert merged.status_code == 200, merged.text
    assert (merged.json()["person_id"], merged.json()["merged_person_id"]) == (
        anns.duplicate,
        anns.keep,
    )
    assert state(database) != before
    assert api.get("/identity-conflicts").json()["items"] == []
    settled = api.get("/identity-conflicts", params={"status": "merged"}).json()["items"]
    assert [c["id"] for c in settled] == [anns.conflict]
    assert error_code(api.post(f"/identity-conflicts/{anns.conflict}/merge"), 409) == "conflict"
    assert error_code(api.post(f"/identity-conflicts/{anns.conflict}/dismiss"), 409)
    assert error_code(api.post("/identity-conflicts/987654/merge"), 404)


def test_dismissing_and_merging_with_a_wrong_person(live: Live, database: Database) -> None:
    api, anns = live.client, live.anns
    wrong = api.post(
        f"/identity-conflicts/{anns.conflict}/merge", json={"into_person_id": anns.colleague}
    )
    assert error_code(wrong, 422) == "validation_error"
    marketer, user = api.as_new_user("marketer")
    with marketer:
        dismissed = marketer.post(f"/identity-conflicts/{anns.conflict}/dismiss")
    assert dismissed.status_code == 200, dismissed.text
    assert (dismissed.json()["status"], dismissed.json()["resolved_by_id"]) == (
        "dismissed",
        user.id,
    )
    assert api.get(f"/persons/{anns.duplicate}").status_code == 200


def test_erasing_a_person(live: Live, database: Database) -> None:
    api, anns = live.client, live.anns
    before = state(database)
    for role in ("marketer", "manager"):
        client, _user = api.as_new_user(role)
        with client:
            assert error_code(client.post(f"/persons/{anns.duplicate}/erase"), 403)
    assert error_code(api.post("/persons/987654/erase"), 404)
    assert state(database) == before

    response = api.post(f"/persons/{anns.duplicate}/erase")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["person_id"] == anns.duplicate
    assert report["removed"]["person"] == 1
    assert report["removed"]["events"] == 4
    assert report["suppressed_identifiers"] == 4
    assert api.get(f"/persons/{anns.duplicate}").status_code == 404
    assert api.get("/events/count", params={"person_id": anns.duplicate}).json() == {"count": 0}
    assert error_code(api.post(f"/persons/{anns.duplicate}/erase"), 404)
    # Later events with the erased identifiers are accepted (200) but not stored.
    sent = httpx.post(
        f"{api.server_url}/v1/track",
        json={"userId": "shop-annie", "event": "Back", "messageId": "m-back"},
        auth=(live.write_key, ""),
    )
    assert sent.status_code == 200
    live.ingestion.flush()
    assert api.get("/events/count", params={"name": "Back"}).json() == {"count": 0}


def test_exporting_a_person(live: Live) -> None:
    api, anns = live.client, live.anns
    response = api.get(f"/persons/{anns.duplicate}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["person"]["id"] == anns.duplicate
    assert len(document["events"]) == 4
    assert {i["value"] for i in document["identities"]} == {
        "shop-annie",
        "device-annie",
        "annie@home.io",
    }
    viewer, _user = api.as_new_user("viewer")
    with viewer:
        assert error_code(viewer.get(f"/persons/{anns.duplicate}/export"), 403)
    marketer, _user = api.as_new_user("marketer")
    with marketer:
        assert marketer.get(f"/persons/{anns.duplicate}/export").status_code == 200
    assert error_code(api.get("/persons/987654/export"), 404)


def test_recent_rejections_of_a_source(live: Live) -> None:
    api = live.client
    refused = httpx.post(
        f"{api.server_url}/v1/track",
        json={"userId": "u-1", "event": 42, "writeKey": live.write_key, "messageId": "m-bad"},
    )
    assert refused.status_code == 400
    rejections = api.get(f"/sources/{live.source_id}/rejections").json()
    assert len(rejections) == 1
    assert rejections[0]["field"] == "event"
    assert '"m-bad"' in rejections[0]["payload"]
    assert live.write_key not in rejections[0]["payload"]
    assert error_code(api.get("/sources/987654/rejections"), 404)
    assert error_code(api.get(f"/sources/{live.source_id}/rejections", params={"limit": 0}), 422)
    rep, _user = api.as_new_user("rep")
    with rep:
        assert error_code(rep.get(f"/sources/{live.source_id}/rejections"), 403)
