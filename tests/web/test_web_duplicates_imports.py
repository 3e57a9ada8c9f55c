"""The import wizard, the duplicate review and the list exports over HTTP, as a browser
drives them (forms with CSRF tokens)."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select
from web_support import Site, csrf_token

from support import count_rows
from twofold.store.models import Account, Person


def test_import_wizard_upload_map_check_and_import_valid_rows(site: Site) -> None:
    people = count_rows(site.database, "persons")
    data = b"Naam,E-mail,Phone\nZed,zed@zeta.com,\nYvonne,not-an-email,\n"
    with site.logged_in() as client:
        assert 'id="import-start"' in client.get("/import").text
        token = csrf_token(client)
        mapping = client.post(
            "/import/mapping",
            data={"csrf_token": token, "kind": "persons", "encoding": "utf-8"},
            files={"file": ("people.csv", data, "text/csv")},
        )
        assert mapping.status_code == 200, mapping.text
        upload = re.search(r'name="upload" value="([^"]+)"', mapping.text)
        assert upload is not None
        # "E-mail" and "Phone" are recognised; "Naam" is not: the user maps it.
        assert '<option value="email" selected>' in mapping.text
        form = {
            "csrf_token": token,
            "kind": "persons",
            "encoding": "utf-8",
            "upload": upload.group(1),
            "column:0": "first_name",
            "column:1": "email",
            "column:2": "phone",
        }
        check = client.post("/import/check", data=form)
        assert "1 valid, 1 with problems" in check.text
        assert "An email address must have an @-sign." in check.text
        assert count_rows(site.database, "persons") == people
        done = client.post("/import/check", data={**form, "run": "valid"})
        assert "1 created, 0 updated, 1 skipped" in done.text
    assert count_rows(site.database, "persons") == people + 1
    gone = client_post_after(site, form)
    assert gone == 422


def client_post_after(site: Site, form: dict[str, str]) -> int:
    with site.logged_in() as client:
        again = client.post("/import/check", data={**form, "csrf_token": csrf_token(client)})
        return again.status_code


def test_duplicate_review_scan_merge_with_choices_and_dismiss(site: Site) -> None:
    with site.database.transaction() as session:
        first = Account(name="Zeta", domains=["zeta.com"], industry="Software", custom={})
        second = Account(name="Zeta Inc", domains=["zeta.com", "zeta.io"], custom={})
        third = Account(name="Omega", domains=["omega.com"], custom={})
        fourth = Account(name="Omega Ltd", domains=["omega.com"], custom={})
        session.add_all([first, second, third, fourth])
        session.flush()
        ids = [first.id, second.id, third.id, fourth.id]
    with site.logged_in() as client:
        token = csrf_token(client)
        scanned = client.post("/duplicates/scan", data={"csrf_token": token, "kind": "accounts"})
        assert scanned.status_code == 303
        listing = client.get("/duplicates?kind=accounts").text
        pairs = re.findall(r'href="/duplicates/(\d+)"', listing)
        assert len(pairs) >= 2
        reviews = {pair: client.get(f"/duplicates/{pair}").text for pair in pairs[:2]}
        # the Zeta pair: the one whose "keep" radios name the first account
        target = next(pair for pair, text in reviews.items() if f'value="{ids[0]}"' in text)
        assert 'name="field:name"' in reviews[target]
        merged = client.post(
            f"/duplicates/{target}/merge",
            data={"csrf_token": token, "into": str(ids[0]), "field:name": str(ids[1])},
        )
        assert merged.status_code == 303
        assert merged.headers["location"] == f"/accounts/{ids[0]}"
        other = pairs[1] if target == pairs[0] else pairs[0]
        dismissed = client.post(f"/duplicates/{other}/dismiss", data={"csrf_token": token})
        assert dismissed.status_code == 303
    with site.database.transaction(write=False) as session:
        kept = session.get_one(Account, ids[0])
        assert (kept.name, kept.domains, kept.industry) == (
            "Zeta Inc",
            ["zeta.com", "zeta.io"],
            "Software",
        )
        assert session.get(Account, ids[1]) is None
        assert session.get(Account, ids[3]) is not None


def test_list_exports_follow_the_search(site: Site) -> None:
    with site.logged_in() as client:
        page = client.get("/accounts?q=zz-none")
        assert 'href="/accounts/export.csv?q=zz-none"' in page.text
        rows = list(csv.reader(io.StringIO(client.get("/accounts/export.csv?q=zz-none").text)))
        assert rows == [rows[0]]
        people = client.get("/people/export.csv")
        assert people.headers["content-type"].startswith("text/csv")
        with site.database.transaction(write=False) as session:
            stored = len(session.scalars(select(Person.id)).all())
        assert len(list(csv.reader(io.StringIO(people.text)))) == stored + 1
        assert client.get("/deals/export.csv?status=won").status_code == 200
