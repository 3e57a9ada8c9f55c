"""The flow pages over HTTP: create from the editor (problems shown, nothing stored), the
flow's page with its steps, activate and pause with the buttons, and the navigation menus."""

from __future__ import annotations

import json

from web_support import Site, csrf_token

from support import count_rows

FLOW = {
    "trigger": {"type": "event", "event": "Signed Up"},
    "start": "tag",
    "steps": [{"id": "tag", "type": "update_trait", "trait": "welcomed", "value": True}],
}


def test_create_activate_and_pause_a_flow(site: Site) -> None:
    with site.logged_in() as client:
        page = client.get("/flows")
        assert page.status_code == 200
        assert 'class="navmenu"' in page.text  # the grouped navigation
        assert 'href="/flows"' in page.text
        assert "Checkout Started" in client.get("/flows/new").text  # the example
        token = csrf_token(client)
        bad = client.post(
            "/flows",
            data={"csrf_token": token, "name": "Welcome", "definition": '{"start": "x"}'},
        )
        assert bad.status_code == 422
        assert "flow.trigger.type" in bad.text or "must be one of" in bad.text
        assert count_rows(site.database, "flows") == 0
        saved = client.post(
            "/flows",
            data={"csrf_token": token, "name": "Welcome", "definition": json.dumps(FLOW)},
        )
        assert saved.status_code == 303
        url = saved.headers["location"]
        page = client.get(url)
        assert "draft" in page.text
        assert "<code>tag</code>" in page.text
        activated = client.post(f"{url}/status", data={"csrf_token": token, "status": "active"})
        assert activated.status_code == 303
        assert "Pause" in client.get(url).text
        refused = client.post(f"{url}/status", data={"csrf_token": token, "status": "maybe"})
        assert refused.status_code == 422
        paused = client.post(f"{url}/status", data={"csrf_token": token, "status": "paused"})
        assert paused.status_code == 303
        assert client.post(f"{url}/status", data={"status": "active"}).status_code == 403

    with site.logged_in(site.crm.viewer_email) as viewer:
        token = csrf_token(viewer)
        answer = viewer.post(
            "/flows", data={"csrf_token": token, "name": "V", "definition": json.dumps(FLOW)}
        )
        assert answer.status_code == 403
    assert count_rows(site.database, "flows") == 1


def test_lists_pages_and_the_flow_report(site: Site) -> None:
    with site.logged_in() as client:
        token = csrf_token(client)
        assert 'href="/lists"' in client.get("/lists").text
        bad = client.post("/lists", data={"csrf_token": token, "name": ""})
        assert bad.status_code == 422
        assert count_rows(site.database, "static_lists") == 0
        made = client.post("/lists", data={"csrf_token": token, "name": "Webinar <guests>"})
        assert made.status_code == 303
        url = made.headers["location"]
        assert "Webinar &lt;guests&gt;" in client.get(url).text  # escaped
        person_id = site.crm.ceo_id
        refused = client.post(f"{url}/members", data={"csrf_token": token, "person_ids": "x, 1"})
        assert refused.status_code == 422
        added = client.post(
            f"{url}/members", data={"csrf_token": token, "person_ids": str(person_id)}
        )
        assert added.status_code == 303
        page = client.get(url).text
        assert f'href="/people/{person_id}"' in page
        assert "1 person" in page
        removed = client.post(
            f"{url}/members",
            data={"csrf_token": token, "person_ids": str(person_id), "action": "remove"},
        )
        assert removed.status_code == 303
        assert count_rows(site.database, "static_list_members") == 0
        saved = client.post(
            "/flows", data={"csrf_token": token, "name": "Tags", "definition": json.dumps(FLOW)}
        )
        flow_page = client.get(saved.headers["location"])
        assert "Conversions and revenue" in flow_page.text
        assert 'id="flow-report"' in flow_page.text
        wrong = client.get(saved.headers["location"], params={"window_days": "0"})
        assert wrong.status_code == 422
