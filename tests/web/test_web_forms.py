"""Forms: validation messages beside the fields, typed values kept, nothing half-stored."""

from __future__ import annotations

import html
import re

from web_support import Site, csrf_token

from support import count_rows


def field_errors(page: str, field: str) -> list[str]:
    """The messages the page shows next to one field."""
    found = re.findall(rf'<p class="field-error" id="error-{field}-\d+">([^<]*)</p>', page)
    return [html.unescape(message) for message in found]


def test_account_form_shows_problems_next_to_fields_and_keeps_input(site: Site) -> None:
    before = count_rows(site.database, "accounts")
    with site.logged_in() as client:
        token = csrf_token(client)
        typed = {"csrf_token": token, "name": "", "employees": "many", "region": "EMEA & <b>"}
        refused = client.post("/accounts", data=typed)
        assert refused.status_code == 422
        assert field_errors(refused.text, "name") == ["Field required"]
        assert field_errors(refused.text, "employees") == [
            "Input should be a valid integer, unable to parse string as an integer"
        ]
        assert 'value="many"' in refused.text
        assert 'value="EMEA &amp; &lt;b&gt;"' in refused.text
        assert 'aria-invalid="true"' in refused.text
        assert '<a href="#field-name">Name</a>' in refused.text  # the summary links the field
        # A rule the domain checks (country codes) is shown the same way.
        domain = client.post(
            "/accounts", data={"csrf_token": token, "name": "Acme", "country": "XX"}
        )
        assert domain.status_code == 422
        assert field_errors(domain.text, "country") == [
            "unknown country 'XX' (expected ISO 3166 code, e.g. NL)"
        ]
        assert count_rows(site.database, "accounts") == before
        created = client.post(
            "/accounts",
            data={
                "csrf_token": token,
                "name": "Acme",
                "country": "nl",
                "domains": "acme.com, acme.nl",
            },
        )
        assert created.status_code == 303
        page = client.get(created.headers["location"]).text
    assert "<h1>Acme</h1>" in page
    assert "acme.com" in page
    assert "acme.nl" in page
    assert count_rows(site.database, "accounts") == before + 1


def test_person_form_reports_bad_email_on_the_field(site: Site) -> None:
    with site.logged_in() as client:
        token = csrf_token(client)
        refused = client.post(
            "/people",
            data={
                "csrf_token": token,
                "first_name": "Ada",
                "emails": "ada@example.com\nnot-an-email",
            },
        )
        assert refused.status_code == 422
        assert len(field_errors(refused.text, "emails")) == 1
        assert "not-an-email" in field_errors(refused.text, "emails")[0]
        assert "ada@example.com\nnot-an-email</textarea>" in refused.text
        created = client.post(
            "/people",
            data={
                "csrf_token": token,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "emails": "Ada@Example.com",
                "phones": "+31 20 123 4567",
            },
        )
        assert created.status_code == 303
        page = client.get(created.headers["location"]).text
    assert "Ada Lovelace" in page
    assert "ada@example.com" in page
    assert "+31201234567" in page


def test_deal_form_shows_the_stage_gate_and_creates_in_the_chosen_stage(site: Site) -> None:
    deals_before = count_rows(site.database, "deals")
    with site.logged_in() as client:
        token = csrf_token(client)
        form = {
            "csrf_token": token,
            "name": "Big one",
            "account_id": str(site.crm.group_id),
            "stage_id": str(site.crm.stages["Proposal"]),
            "currency": "EUR",
        }
        refused = client.post("/deals", data=form)
        assert refused.status_code == 422
        assert (
            "Cannot enter Proposal: it requires amount, expected close date, "
            "at least one stakeholder" in refused.text
        )
        assert field_errors(refused.text, "amount") == ["required to enter Proposal"]
        assert 'value="Big one"' in refused.text
        form.update(stage_id=str(site.crm.stages["Discovery"]), amount="250000")
        created = client.post("/deals", data=form)
        assert created.status_code == 303
        page = client.get(created.headers["location"]).text
    assert "€250,000" in page
    assert "Discovery" in page
    assert count_rows(site.database, "deals") == deals_before + 1


def test_edit_forms_refuse_stale_versions_and_foreign_records(site: Site) -> None:
    account = f"/accounts/{site.crm.benelux_id}"
    with site.logged_in() as client:
        token = csrf_token(client)
        page = client.get(f"{account}/edit").text
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        saved = client.post(
            account,
            data={
                "csrf_token": token,
                "version": version,
                "name": "Globex BNL",
                "industry": "Chemicals",
            },
        )
        assert saved.status_code == 303
        stale = client.post(
            account, data={"csrf_token": token, "version": version, "name": "Globex Stale"}
        )
        assert stale.status_code == 412
        assert "the record changed since you read it" in stale.text.lower()
        assert 'value="Globex Stale"' in stale.text
        assert '<details class="panel-form" id="edit" open>' in stale.text
    with site.logged_in(site.crm.rep_email) as rep:
        refused = rep.post(account, data={"csrf_token": csrf_token(rep), "name": "Mine now"})
        assert refused.status_code == 403
        assert "You can only change accounts you own" in refused.text
    with site.logged_in(site.crm.viewer_email) as viewer:
        refused = viewer.post("/accounts", data={"csrf_token": csrf_token(viewer), "name": "V"})
        assert refused.status_code == 403
        assert "Viewers cannot change records" in refused.text
    with site.logged_in() as client:
        assert "<h1>Globex BNL</h1>" in client.get(account).text


def test_deal_page_forms_move_stage_add_stakeholder_and_log_activity(site: Site) -> None:
    deal = f"/deals/{site.crm.bare_deal_id}"
    with site.logged_in() as client:
        token = csrf_token(client)
        refused = client.post(
            f"{deal}/stage",
            data={"csrf_token": token, "stage_id": str(site.crm.stages["Closed lost"])},
        )
        assert refused.status_code == 422
        assert "Cannot enter Closed lost: it requires lost reason" in refused.text
        assert field_errors(refused.text, "lost_reason") == ["required to enter Closed lost"]
        added = client.post(
            f"{deal}/stakeholders",
            data={
                "csrf_token": token,
                "person_id": str(site.crm.ceo_id),
                "buying_role": "decision_maker",
                "sentiment": "positive",
            },
        )
        assert added.status_code == 303
        duplicate = client.post(
            f"{deal}/stakeholders",
            data={
                "csrf_token": token,
                "person_id": str(site.crm.ceo_id),
                "buying_role": "decision_maker",
            },
        )
        assert duplicate.status_code == 409
        assert "Hank Scorpio is already decision_maker on this deal" in duplicate.text
        logged = client.post(
            "/activities",
            data={
                "csrf_token": token,
                "kind": "call",
                "subject": "Discovery call",
                "deal_ids": str(site.crm.bare_deal_id),
                "return_to": deal,
            },
        )
        assert logged.status_code == 303
        assert logged.headers["location"] == deal
        moved = client.post(
            f"{deal}/stage",
            data={
                "csrf_token": token,
                "stage_id": str(site.crm.stages["Closed lost"]),
                "lost_reason": "Chose a competitor",
            },
        )
        assert moved.status_code == 303
        page = client.get(deal).text
    committee = page[page.index('id="committee-heading"') :]
    decision = committee[committee.index("Decision maker") :][:500]
    assert "Hank Scorpio" in decision
    assert "badge-sentiment-positive" in decision
    timeline = page[page.index('id="timeline-heading"') :]
    assert "Call: Discovery call" in timeline
    assert "moved from Qualification to Closed lost" in timeline
    assert "Chose a competitor" in page


def test_bad_ids_in_urls_and_forms_are_clear_errors(site: Site) -> None:
    with site.logged_in() as client:
        token = csrf_token(client)
        assert client.get("/accounts/999999").status_code == 404
        assert "No account 999999" in client.get("/accounts/999999").text
        assert client.get("/deals/99999999999999999999999").status_code == 422
        assert client.get("/accounts/abc").status_code == 422
        huge = client.post(
            "/deals",
            data={"csrf_token": token, "name": "X", "account_id": "99999999999999999999999"},
        )
        assert huge.status_code == 422
        assert field_errors(huge.text, "account_id")
        cursor = client.get("/accounts", params={"cursor": "garbage!"})
        assert cursor.status_code == 422


def test_adding_a_person_to_an_account_puts_them_in_the_org_chart(site: Site) -> None:
    account = f"/accounts/{site.crm.group_id}"
    with site.logged_in() as client:
        token = csrf_token(client)
        options = client.get("/people/choices", params={"picker_query": "hank"})
        assert (
            f'<option value="{site.crm.ceo_id}">Hank Scorpio &lt;hank@globex.com&gt;</option>'
            in (options.text)
        )
        added = client.post(
            f"{account}/people",
            data={
                "csrf_token": token,
                "person_id": str(site.crm.ceo_id),
                "title": "Chairman",
                "department": "Board",
                "buying_roles": ["decision_maker", "executive_sponsor"],
            },
        )
        assert added.status_code == 303
        bad_role = client.post(
            f"{account}/people",
            data={
                "csrf_token": token,
                "person_id": str(site.crm.cfo_id),
                "buying_roles": ["approver", "no_such_role"],
            },
        )
        assert bad_role.status_code == 422
        messages = re.findall(r'<p class="field-error">([^<]*)</p>', bad_role.text)
        assert html.unescape(messages[0]).startswith("Input should be 'decision_maker'")
        assert 'value="approver" checked' in bad_role.text  # the ticked boxes stay ticked
        stranger = client.post(
            f"{account}/people",
            data={
                "csrf_token": token,
                "person_id": str(site.crm.cfo_id),
                "reports_to_id": str(site.crm.cto_id),
            },
        )
        assert stranger.status_code == 422
        assert field_errors(stranger.text, "reports_to_id") == [
            f"person {site.crm.cto_id} is not at this account"
        ]
        assert count_rows(site.database, "memberships") == 5
        page = client.get(account).text
    people = page[page.index('id="people-heading"') :]
    assert "Chairman" in people
    assert "Executive sponsor" in people
    chart = page[page.index('id="org-chart-data"') :][:400]
    assert '"name": "Hank Scorpio"' in chart
    assert '"title": "Chairman"' in chart
