"""Duplicates, account merge and CSV export over HTTP: answers, refusals, nothing changed by
a refused call."""

from __future__ import annotations

import csv
import io

from support import ApiClient, count_rows
from twofold.store.database import Database


def test_scan_list_dismiss_and_rescan(api: ApiClient) -> None:
    ada = api.created("/persons", {"first_name": "Ada", "emails": ["ada@acme.com"]})
    twin = api.created("/persons", {"first_name": "Ada L", "emails": ["ADA@acme.com"]})
    api.created("/persons", {"first_name": "Grace", "emails": ["grace@navy.mil"]})
    scanned = api.post("/duplicates/scan", json={"kind": "persons"})
    assert scanned.json() == {"kind": "persons", "records": 3, "found": 1, "added": 1}
    listed = api.get("/duplicates", params={"kind": "persons"}).json()
    [pair] = listed["items"]
    assert (pair["record_id"], pair["other_record_id"], pair["score"], pair["reasons"]) == (
        ada["id"],
        twin["id"],
        100,
        ["same email ada@acme.com"],
    )
    assert api.post(f"/duplicates/{pair['id']}/dismiss").json()["status"] == "dismissed"
    again = api.post(f"/duplicates/{pair['id']}/dismiss")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
    rescanned = api.post("/duplicates/scan", json={"kind": "persons"}).json()
    assert (rescanned["found"], rescanned["added"]) == (1, 0)
    assert api.get("/duplicates", params={"kind": "persons"}).json()["items"] == []


def test_bad_duplicate_requests(api: ApiClient) -> None:
    assert api.get("/duplicates", params={"kind": "deals"}).status_code == 422
    assert api.post("/duplicates/scan", json={"kind": "x"}).status_code == 422
    assert api.post("/duplicates/scan", json={}).status_code == 422
    assert api.post("/duplicates/99/dismiss").status_code == 404
    assert api.post("/duplicates/0/dismiss").status_code == 422


def test_account_merge_over_http(api: ApiClient, database: Database) -> None:
    acme = api.created("/accounts", {"name": "Acme", "domains": ["acme.com"]})
    twin = api.created("/accounts", {"name": "Acme Inc", "industry": "Software"})
    itself = api.post(f"/accounts/{acme['id']}/merge", json={"from_account_id": acme["id"]})
    assert itself.status_code == 422
    assert itself.json()["error"]["details"][0] == {
        "field": "from_account_id",
        "message": "an account cannot be merged with itself",
    }
    bad_field = api.post(
        f"/accounts/{acme['id']}/merge",
        json={"from_account_id": twin["id"], "keep": {"domains": "from"}},
    )
    assert bad_field.status_code == 422
    assert count_rows(database, "accounts") == 2
    merged = api.post(
        f"/accounts/{acme['id']}/merge",
        json={"from_account_id": twin["id"], "keep": {"name": "from"}},
    )
    assert merged.status_code == 200
    assert merged.json()["taken"] == {"name": "Acme Inc", "industry": "Software"}
    assert api.get(f"/accounts/{twin['id']}").status_code == 404
    assert api.get(f"/accounts/{acme['id']}").json()["name"] == "Acme Inc"


def test_person_merge_takes_chosen_fields(api: ApiClient) -> None:
    keep = api.created("/persons", {"first_name": "Ada", "title": "CTO"})
    other = api.created("/persons", {"first_name": "Ada", "title": "CEO"})
    merged = api.post(
        f"/persons/{keep['id']}/merge",
        json={"from_person_id": other["id"], "keep": {"title": "from"}},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["folded"] == {"title": "CEO"}
    assert api.get(f"/persons/{keep['id']}").json()["title"] == "CEO"
    wrong = api.post(
        f"/persons/{keep['id']}/merge",
        json={"from_person_id": keep["id"], "keep": {"title": "sideways"}},
    )
    assert wrong.status_code == 422


def test_exports_stream_the_filtered_list_with_formula_cells_quoted(api: ApiClient) -> None:
    api.created("/accounts", {"name": "=HYPERLINK(1)", "industry": "Software"})
    api.created("/accounts", {"name": "Beta", "industry": "Retail"})
    api.created("/persons", {"first_name": "Ada", "emails": ["a@x.com", "b@x.com"]})
    answer = api.get("/accounts/export.csv", params={"industry": "Software"})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:4] == ["twofold_id", "external_id", "name", "domains"]
    assert [row[2] for row in rows[1:]] == ["'=HYPERLINK(1)"]
    people = list(csv.DictReader(io.StringIO(api.get("/persons/export.csv").text)))
    assert [(p["first_name"], p["email"], p["other_emails"]) for p in people] == [
        ("Ada", "a@x.com", "b@x.com")
    ]
    deals = api.get("/deals/export.csv")
    assert deals.text.splitlines()[0].startswith("twofold_id,external_id,name,account_id")
    assert api.get("/deals/export.csv", params={"status": "nope"}).status_code == 422
