"""The segment pages over HTTP: list, builder form, save with problems shown beside the
fields, a segment's page, delete refused while referenced, exports and who may download
them, the builder's JSON helpers (CSRF-checked)."""

from __future__ import annotations

import json

from web_support import Site, csrf_token

from support import count_rows

NL = json.dumps({"trait": "country", "op": "eq", "value": "NL"})


def test_create_view_and_delete_through_the_forms(site: Site) -> None:
    with site.logged_in() as client:
        assert "New people segment" in client.get("/segments").text
        new = client.get("/segments/new?target=accounts")
        assert new.status_code == 200
        assert 'id="segment-builder"' in new.text
        token = csrf_token(client)
        refused = client.post(
            "/segments",
            data={"csrf_token": token, "name": "Bad", "target": "persons", "rule": "{oops"},
        )
        assert refused.status_code == 422
        assert "not valid JSON" in refused.text
        assert count_rows(site.database, "segments") == 0
        missing = client.post(
            "/segments",
            data={
                "csrf_token": token,
                "name": "Bad",
                "target": "persons",
                "rule": '{"trait": "country", "op": "like"}',
            },
        )
        assert missing.status_code == 422
        assert "must be one of" in missing.text

        saved = client.post(
            "/segments",
            data={"csrf_token": token, "name": "Dutch", "target": "persons", "rule": NL},
        )
        assert saved.status_code == 303
        page_url = saved.headers["location"]
        page = client.get(page_url)
        assert page.status_code == 200
        assert "Dutch" in page.text
        assert "segment-size-data" in page.text
        segment_id = int(page_url.rsplit("/", 1)[1])

        user_rule = json.dumps({"segment": segment_id})
        client.post(
            "/segments", data={"csrf_token": token, "name": "Uses Dutch", "rule": user_rule}
        )
        blocked = client.post(f"{page_url}/delete", data={"csrf_token": token})
        assert blocked.status_code == 409
        assert "used by segment" in blocked.text
        no_csrf = client.post(f"{page_url}/delete", data={})
        assert no_csrf.status_code == 403
        assert count_rows(site.database, "segments") == 2

        edit = client.get(f"{page_url}/edit")
        assert "Edit Dutch" in edit.text
        renamed = client.post(
            page_url, data={"csrf_token": token, "name": "Dutch people", "rule": NL}
        )
        assert renamed.status_code == 303
        assert "Dutch people" in client.get("/segments").text


def test_builder_helpers_and_exports(site: Site) -> None:
    with site.logged_in() as client:
        token = csrf_token(client)
        vocabulary = client.get("/segments/builder/vocabulary").json()
        assert "lifecycle_stage" in vocabulary["traits"]
        assert "industry" in vocabulary["account_fields"]
        assert "Page Viewed" in vocabulary["events"]
        assert client.get("/segments/builder/properties", params={"event": "Page Viewed"}).json()[
            "properties"
        ] == ["name"]
        counted = client.post(
            "/segments/builder/preview",
            data={"rule": json.dumps({"field": "industry", "op": "exists"}), "target": "accounts"},
            headers={"X-CSRF-Token": token},
        )
        assert counted.status_code == 200
        assert set(counted.json()) == {"count", "sample", "seconds"}
        bad = client.post(
            "/segments/builder/preview",
            data={"rule": '{"all": []}', "target": "persons"},
            headers={"X-CSRF-Token": token},
        )
        assert bad.status_code == 422
        assert bad.json()["error"]["details"][0]["field"] == "rule.all"
        forged = client.post("/segments/builder/preview", data={"rule": NL})
        assert forged.status_code == 403

        client.post("/segments", data={"csrf_token": token, "name": "Dutch", "rule": NL})
        exported = client.get("/segments/1/export.csv")
        assert exported.status_code == 200
        assert exported.text.splitlines()[0] == "id,name,email,entered_at"
        assert client.get("/segments/1/audience.csv?format=tiktok").status_code == 422

    with site.logged_in(site.crm.rep_email) as rep:
        assert rep.get("/segments/1").status_code == 200
        assert rep.get("/segments/1/export.csv").status_code == 403
