"""Failed logins are limited per email and per client address, through the real server."""

from __future__ import annotations

from web_support import Site, log_in

from support import PASSWORD, count_rows


def test_an_email_is_locked_after_ten_failures_even_for_the_right_password(site: Site) -> None:
    email = site.crm.admin_email
    with site.client() as client:
        for _ in range(10):
            assert log_in(client, email, "wrong-password").status_code == 401
        sessions = count_rows(site.database, "web_sessions")
        locked = log_in(client, email, PASSWORD)
        assert locked.status_code == 429
        assert 890 <= int(locked.headers["retry-after"]) <= 900
        assert "Too many failed logins" in locked.text
        assert "Try again in 15 minutes." in locked.text
        assert f'value="{email}"' in locked.text  # the form again, the email kept
        assert "twofold_session" not in client.cookies
        assert count_rows(site.database, "web_sessions") == sessions
        # Any capitalisation is the same email.
        assert log_in(client, email.upper(), PASSWORD).status_code == 429
        # A script asking for JSON gets JSON.
        page = client.get("/login")
        as_json = client.post(
            "/login",
            data={
                "email": email,
                "password": PASSWORD,
                "next": "/",
                "csrf_token": page.cookies.get("twofold_login_csrf") or "",
            },
            headers={"Accept": "application/json"},
        )
        assert as_json.status_code == 429
        assert as_json.json()["error"]["code"] == "rate_limited"
        assert int(as_json.headers["retry-after"]) > 0
    # Other accounts can still log in from the same address.
    with site.client() as client:
        assert log_in(client, site.crm.rep_email, PASSWORD).status_code == 303


def test_a_successful_login_clears_the_failures_of_its_email(site: Site) -> None:
    email = site.crm.admin_email
    with site.client() as client:
        for _ in range(9):
            assert log_in(client, email, "wrong-password").status_code == 401
        assert log_in(client, email, PASSWORD).status_code == 303
    with site.client() as client:
        for _ in range(9):
            assert log_in(client, email, "wrong-password").status_code == 401
        assert log_in(client, email, PASSWORD).status_code == 303


def test_an_address_is_locked_after_thirty_failures_on_any_emails(site: Site) -> None:
    with site.client() as client:
        for number in range(30):
            failed = log_in(client, f"guess{number}@example.com", "wrong-password")
            assert failed.status_code == 401
        locked = log_in(client, site.crm.viewer_email, PASSWORD)
        assert locked.status_code == 429
        assert "retry-after" in locked.headers
