"""The B2C pages over HTTP: sources, the event debugger, the person profile with its data
actions, and identity-conflict review — contents, escaping, CSRF and permissions."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from b2c_web_support import MARKETER_EMAIL, B2cSite
from web_support import csrf_token

from support import count_rows
from twofold.core.time import utcnow
from twofold.store.models import Person

SCRIPT = "<script>alert('owned')</script>"


def post(client: httpx.Client, path: str, data: dict[str, str] | None = None) -> httpx.Response:
    """A form post with the session's CSRF token, as the browser sends it."""
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})})


def test_sources_page_create_show_key_once_and_revoke(b2c_site: B2cSite) -> None:
    site = b2c_site
    with site.logged_in() as client:
        page = client.get("/sources")
        assert page.status_code == 200
        assert 'href="/sources"' in page.text  # admins have the nav entry
        assert "Web shop" in page.text
        assert f"{site.write_key[:9]}…" in page.text
        assert site.write_key not in page.text

        created = post(client, "/sources", {"name": "Mobile app", "kind": "segment"})
        assert created.status_code == 201
        key = re.search(r'id="new-write-key"[^>]*value="(wk_[^"]+)"', created.text)
        assert key is not None
        tracked = httpx.post(
            f"{site.url}/v1/track", json={"userId": "m-1", "event": "Opened"}, auth=(key[1], "")
        )
        assert tracked.status_code == 200
        assert key[1] not in client.get("/sources").text  # shown once

        sources_before = count_rows(site.database, "sources")
        duplicate = post(client, "/sources", {"name": "Mobile app", "kind": "segment"})
        assert duplicate.status_code == 409
        assert "already exists" in duplicate.text
        blank = post(client, "/sources", {"name": " ", "kind": "segment"})
        assert blank.status_code == 422
        assert count_rows(site.database, "sources") == sources_before
        assert client.post("/sources", data={"name": "No CSRF"}).status_code == 403

        key_id = re.search(
            r'action="/sources/(\d+)/keys/(\d+)/revoke"',
            client.get("/sources").text.split("Mobile app")[1],
        )
        assert key_id is not None
        revoked = post(client, f"/sources/{key_id[1]}/keys/{key_id[2]}/revoke")
        assert revoked.status_code == 303
        assert "revoked" in client.get("/sources").text
        again = httpx.post(
            f"{site.url}/v1/track", json={"userId": "m-1", "event": "Opened"}, auth=(key[1], "")
        )
        assert again.status_code == 401
        assert post(client, f"/sources/{key_id[1]}/keys/999999/revoke").status_code == 404
    with site.logged_in(site.crm.rep_email) as rep:
        assert 'href="/sources"' not in rep.get("/people").text
        assert rep.get("/sources").status_code == 403
        assert post(rep, "/sources", {"name": "Sneaky", "kind": "segment"}).status_code == 403
    assert count_rows(site.database, "sources") == sources_before


def test_the_event_debugger_shows_events_escaped_and_rejections(b2c_site: B2cSite) -> None:
    site = b2c_site
    site.send(
        {
            "type": "track",
            "userId": "shop-annie",
            "event": "Coupon Applied",
            "properties": {"code": SCRIPT},
            "messageId": "m-xss",
        }
    )
    refused = httpx.post(
        f"{site.url}/v1/track",
        json={"userId": "u-9", "event": ["not", "a", "name"], "writeKey": site.write_key},
    )
    assert refused.status_code == 400
    with site.logged_in() as client:
        page = client.get("/events")
        assert page.status_code == 200
        assert "Coupon Applied" in page.text
        assert SCRIPT not in page.text
        assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in page.text
        assert "Refused messages" in page.text
        refusals = page.text.split('id="rejections"')[1]
        assert "missing_field" in refusals
        assert "track requires an event name" in refusals
        assert site.write_key not in page.text
        newest = re.search(r'hx-get="/events/feed\?after=(\d+)"', page.text)
        assert newest is not None
        quiet = client.get(f"/events/feed?after={newest[1]}", headers={"HX-Request": "true"})
        assert "event-item" not in quiet.text
        site.send({"type": "track", "userId": "u-2", "event": "Late Arrival"})
        fresh = client.get(f"/events/feed?after={newest[1]}", headers={"HX-Request": "true"})
        assert 'hx-swap-oob="afterbegin:#event-feed"' in fresh.text
        assert "Late Arrival" in fresh.text
        assert "Coupon Applied" not in fresh.text
        assert client.get("/events?source_id=999999").status_code == 404
        assert client.get("/events/feed?after=-1").status_code == 422
    with site.logged_in(site.crm.viewer_email) as viewer:
        page = viewer.get("/events")
        assert "Coupon Applied" in page.text
        assert "Only admins see the messages" in page.text


def test_the_person_page_is_a_b2c_profile_with_more_events_on_demand(b2c_site: B2cSite) -> None:
    site = b2c_site
    start = utcnow() - timedelta(minutes=30)
    site.send(
        *(
            {
                "type": "track",
                "userId": "shop-annie",
                "event": f"Viewed {number:02d}",
                "messageId": f"m-view-{number}",
                "timestamp": (start + timedelta(seconds=number)).isoformat(),
            }
            for number in range(25)
        )
    )
    with site.logged_in() as client:
        page = client.get(f"/people/{site.anns.duplicate}")
        assert page.status_code == 200
        identities = page.text.split('id="identities"')[1].split("</ul>")[0]
        for value in ("shop-annie", "device-annie", "annie@home.io"):
            assert value in identities
        assert "Utrecht" in page.text.split('id="traits"')[1]
        assert "1 open identity conflict" in page.text
        first = re.findall(r'id="event-\d+"', page.text)
        assert len(first) == 20
        assert "Viewed 24" in page.text
        more = re.search(r'hx-get="(/people/\d+/events\?cursor=[^"]+)"', page.text)
        assert more is not None
        fragment = client.get(more[1].replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert 'hx-swap-oob="beforeend:#person-events"' in fragment.text
        assert len(re.findall(r'id="event-\d+"', fragment.text)) == 9  # 25 + 4 earlier, 20 a page
        assert "Load more" not in fragment.text
        whole = client.get(more[1].replace("&amp;", "&"))
        assert "<html" in whole.text
        assert "Viewed 00" in whole.text
        assert client.get(f"/people/{site.anns.duplicate}/events?cursor=junk").status_code == 422
        # Admins get every data action; reps none.
        assert f'action="/people/{site.anns.duplicate}/erase"' in page.text
        assert f'action="/people/{site.anns.duplicate}/merge"' in page.text
    with site.logged_in(site.crm.rep_email) as rep:
        page = rep.get(f"/people/{site.anns.duplicate}")
        assert "/erase" not in page.text
        assert "/merge" not in page.text
        assert "/export" not in page.text


def test_export_download(b2c_site: B2cSite) -> None:
    site = b2c_site
    with site.logged_in(MARKETER_EMAIL) as client:
        response = client.get(f"/people/{site.anns.duplicate}/export")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="person-{site.anns.duplicate}.json"'
        )
        assert response.json()["person"]["first_name"] == "Annie"
    with site.logged_in(site.crm.rep_email) as rep:
        assert rep.get(f"/people/{site.anns.duplicate}/export").status_code == 403


def test_erasing_from_the_person_page_needs_the_confirmation(b2c_site: B2cSite) -> None:
    site = b2c_site
    person = site.anns.duplicate
    persons = count_rows(site.database, "persons")
    with site.logged_in(MARKETER_EMAIL) as marketer:
        assert post(marketer, f"/people/{person}/erase", {"confirm": "erase"}).status_code == 403
    with site.logged_in() as client:
        unconfirmed = post(client, f"/people/{person}/erase")
        assert unconfirmed.status_code == 422
        assert "Tick the box to confirm" in unconfirmed.text
        assert client.post(f"/people/{person}/erase", data={"confirm": "erase"}).status_code == 403
        assert count_rows(site.database, "persons") == persons
        erased = post(client, f"/people/{person}/erase", {"confirm": "erase"})
        assert erased.status_code == 200
        assert "Annie Archer was erased" in erased.text
        report = erased.text.split('id="erasure-report"')[1]
        assert re.search(r"<td>Events</td><td class=\"num\">4</td>", report)
        assert client.get(f"/people/{person}").status_code == 404
    assert count_rows(site.database, "persons") == persons - 1


def test_merging_from_the_person_page(b2c_site: B2cSite) -> None:
    site = b2c_site
    keep, duplicate = site.anns.keep, site.anns.duplicate
    with site.logged_in() as client:
        itself = post(client, f"/people/{keep}/merge", {"from_person_id": str(keep)})
        assert itself.status_code == 422
        assert "cannot be merged with itself" in itself.text
        nothing = post(client, f"/people/{keep}/merge", {"from_person_id": ""})
        assert nothing.status_code == 422
        assert "Choose the person to merge" in nothing.text
        merged = post(client, f"/people/{keep}/merge", {"from_person_id": str(duplicate)})
        assert merged.status_code == 303
        assert merged.headers["location"] == f"/people/{keep}"
        page = client.get(f"/people/{keep}").text
        assert "annie@home.io" in page
        assert "Merged Annie Archer" in page
        assert client.get(f"/people/{duplicate}").status_code == 404
    with site.database.transaction(write=False) as session:
        assert session.get(Person, duplicate) is None


def test_reviewing_a_conflict(b2c_site: B2cSite) -> None:
    site = b2c_site
    conflict = site.anns.conflict
    with site.logged_in(site.crm.rep_email) as rep:
        listed = rep.get("/identity-conflicts")
        assert f'href="/identity-conflicts/{conflict}"' in listed.text
        review = rep.get(f"/identity-conflicts/{conflict}")
        assert "Admins and marketers decide" in review.text
        assert post(rep, f"/identity-conflicts/{conflict}/dismiss").status_code == 403
        assert post(rep, f"/identity-conflicts/{conflict}/merge").status_code == 403
    with site.logged_in(MARKETER_EMAIL) as client:
        review = client.get(f"/identity-conflicts/{conflict}")
        assert review.status_code == 200
        sides = review.text.split('id="compare"')[1]
        assert sides.index("Ann Archer") < sides.index("Annie Archer")
        assert "ann@corp.io" in sides
        assert "shop-annie" in sides
        assert client.post(f"/identity-conflicts/{conflict}/merge").status_code == 403  # CSRF
        merged = post(
            client,
            f"/identity-conflicts/{conflict}/merge",
            {"into_person_id": str(site.anns.keep)},
        )
        assert merged.status_code == 303
        assert merged.headers["location"] == f"/people/{site.anns.keep}"
        assert "No open conflicts" in client.get("/identity-conflicts").text
        settled = client.get("/identity-conflicts?status=merged").text
        assert f"conflict-{conflict}" in settled
        again = post(client, f"/identity-conflicts/{conflict}/merge")
        assert again.status_code == 409
        assert client.get("/identity-conflicts?status=odd").status_code == 422
        assert client.get("/identity-conflicts/999999").status_code == 404
