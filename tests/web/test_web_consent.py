"""Consent on the person page: shown per channel, changed with a source, CSRF-protected,
bad input refused with nothing recorded, viewers without the form."""

from __future__ import annotations

from b2c_web_support import B2cSite
from web_support import csrf_token

from support import count_rows


def test_consent_panel_shows_and_records_changes(b2c_site: B2cSite) -> None:
    site = b2c_site
    person = site.anns.keep
    with site.logged_in() as client:
        page = client.get(f"/people/{person}")
        assert 'id="consent"' in page.text
        assert page.text.count("Never subscribed") >= 3
        form = {
            "csrf_token": csrf_token(client),
            "channel": "email",
            "status": "subscribed",
            "source": "<b>phone call</b>",
        }
        changed = client.post(f"/people/{person}/consent", data=form)
        assert changed.status_code == 303
        page = client.get(f"/people/{person}")
        assert "&lt;b&gt;phone call&lt;/b&gt;" in page.text
        assert 'value="manual"' in page.text  # the source a user's own change defaults to
        assert "phone call&lt;/b&gt;, by " in page.text  # and who recorded it
        assert "<b>phone call</b>" not in page.text
        assert count_rows(site.database, "consent_changes") == 1
        for bad in (
            {"channel": "fax", "status": "subscribed", "source": "x"},
            {"channel": "email", "status": "pending", "source": "x"},
            {"channel": "email", "status": "unsubscribed", "source": ""},
        ):
            refused = client.post(
                f"/people/{person}/consent", data={"csrf_token": csrf_token(client), **bad}
            )
            assert refused.status_code == 422, bad
        no_csrf = client.post(
            f"/people/{person}/consent",
            data={"channel": "email", "status": "unsubscribed", "source": "x"},
        )
        assert no_csrf.status_code == 403
    assert count_rows(site.database, "consent_changes") == 1
