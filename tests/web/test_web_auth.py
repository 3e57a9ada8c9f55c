"""Logging in and out of the web UI, and the CSRF protection of every form."""

from __future__ import annotations

import re

from web_support import Site, csrf_token, log_in

from support import PASSWORD, count_rows


def test_pages_require_login_and_come_back_after_it(site: Site) -> None:
    with site.client() as client:
        for path in ("/", "/accounts", f"/deals/{site.crm.bare_deal_id}", "/pipeline?owner=me"):
            response = client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login")
        assert client.get("/accounts").headers["location"] == "/login?next=%2Faccounts"
        # An HTMX request is sent to the login page as a whole, not swapped into a fragment.
        fragment = client.get("/search?q=globex", headers={"HX-Request": "true"})
        assert fragment.status_code == 401
        assert fragment.headers["HX-Redirect"] == "/login?next=%2Fsearch%3Fq%3Dglobex"
        # Static assets are public: the login page needs them.
        for asset in ("/static/twofold.css", "/static/vendor/htmx/htmx.min.js"):
            assert client.get(asset).status_code == 200, asset
        logged_in = log_in(client, site.crm.admin_email, PASSWORD, next_path="/accounts?q=glob")
        assert logged_in.status_code == 303
        assert logged_in.headers["location"] == "/accounts?q=glob"
        cookie = logged_in.headers["set-cookie"]
        assert "twofold_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
        assert client.get("/accounts").status_code == 200


def test_wrong_password_is_refused_with_a_message(site: Site) -> None:
    with site.client() as client:
        response = log_in(client, site.crm.admin_email, "not-the-password")
        assert response.status_code == 401
        assert "Wrong email or password." in response.text
        assert f'value="{site.crm.admin_email}"' in response.text  # the email is kept
        assert "twofold_session" not in client.cookies
        unknown = log_in(client, "nobody@example.com", PASSWORD)
        assert "Wrong email or password." in unknown.text
        assert client.get("/accounts").status_code == 303


def test_login_never_redirects_off_site(site: Site) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "accounts"):
        with site.client() as client:
            response = log_in(client, site.crm.admin_email, PASSWORD, next_path=target)
            assert response.status_code == 303
            assert response.headers["location"] == "/", target


def test_login_form_needs_its_own_token(site: Site) -> None:
    with site.client() as client:
        response = client.post(
            "/login", data={"email": site.crm.admin_email, "password": PASSWORD, "next": "/"}
        )
    assert response.status_code == 403
    assert "The login form had expired" in response.text
    assert "twofold_session" not in response.headers.get("set-cookie", "")


def test_post_without_csrf_token_is_refused_and_changes_nothing(site: Site) -> None:
    accounts_before = count_rows(site.database, "accounts")
    deal_page = f"/deals/{site.crm.committee_deal_id}"
    with site.logged_in() as client:
        missing = client.post("/accounts", data={"name": "Sneaky Inc"})
        wrong = client.post("/accounts", data={"name": "Sneaky Inc", "csrf_token": "forged"})
        moved = client.post(
            f"/pipeline/deals/{site.crm.committee_deal_id}/move",
            data={"stage_id": str(site.crm.stages["Closed lost"]), "lost_reason": "x"},
            headers={"HX-Request": "true"},
        )
        for response in (missing, wrong):
            assert response.status_code == 403
            assert "CSRF check failed" in response.text
        # HTMX gets the message in the page's flash area.
        assert moved.status_code == 403
        assert moved.headers["HX-Retarget"] == "#flash"
        assert count_rows(site.database, "accounts") == accounts_before
        assert "Discovery" in client.get(deal_page).text.split('id="details-heading"')[1][:800]
        # The same post with the session's token, in the form or in HTMX's header, works.
        token = csrf_token(client)
        created = client.post("/accounts", data={"name": "Honest Inc", "csrf_token": token})
        assert created.status_code == 303
        by_header = client.post(
            "/accounts", data={"name": "Header Inc"}, headers={"X-CSRF-Token": token}
        )
        assert by_header.status_code == 303
    assert count_rows(site.database, "accounts") == accounts_before + 2


def test_logout_needs_csrf_and_ends_the_session(site: Site) -> None:
    with site.logged_in() as client:
        refused = client.post("/logout")
        assert refused.status_code == 403
        assert client.get("/accounts").status_code == 200
        session_cookie = client.cookies["twofold_session"]
        logged_out = client.post("/logout", data={"csrf_token": csrf_token(client)})
        assert logged_out.status_code == 303
        assert logged_out.headers["location"] == "/login"
        assert client.get("/accounts").status_code == 303
    # The old cookie no longer works anywhere (the session row is gone).
    with site.client() as replay:
        replay.cookies.set("twofold_session", session_cookie)
        assert replay.get("/accounts").status_code == 303
    assert count_rows(site.database, "web_sessions") == 0


def test_security_headers_on_pages(site: Site) -> None:
    with site.logged_in() as client:
        response = client.get("/accounts")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    # Nothing is loaded from another host (a CDN). Not a search for "cdn" in the page: the
    # random CSRF token in it contains those letters now and then.
    assert re.search(r'(?:src|href)="(?:https?:)?//', response.text) is None
