"""The web UI's pages over real HTTP: what they show, escaping, search and pagination."""

from __future__ import annotations

import html
import json
import re

from web_support import Site

from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.auth.users import get_user_by_email


def test_account_page_shows_hierarchy_rollup_people_org_chart_deals_timeline(site: Site) -> None:
    with site.logged_in() as client:
        response = client.get(f"/accounts/{site.crm.benelux_id}")
    assert response.status_code == 200
    page = response.text
    # The whole tree, with this account highlighted and its parent and sibling linked.
    assert f'<a href="/accounts/{site.crm.group_id}">Globex Group</a>' in page
    assert '<span class="tree-current" aria-current="page">Globex Benelux</span>' in page
    assert f'<a href="/accounts/{site.crm.germany_id}">Globex Deutschland</a>' in page
    # Roll-up of this subtree: the open EUR deal only (the group's won deal is not below it).
    rollup = page[page.index('id="rollup-heading"') :]
    assert "€48,000" in rollup
    assert "$" not in rollup.split("</dl>")[0]
    # People by department, with titles, buying roles, and the leaver marked.
    for department in ("Executive", "Finance", "IT", "Procurement"):
        assert f'<h3 class="group-heading">{department}' in page
    assert "Chief Financial Officer" in page
    assert "Economic buyer" in page
    leaver_rows = re.findall(r'<tr class="row-left">(.*?)</tr>', page, re.S)
    assert len(leaver_rows) == 1
    assert "Rita Gone" in leaver_rows[0]
    assert ">left<" in leaver_rows[0]
    # The org chart as ECharts data and as a nested list (no JavaScript needed).
    chart = json.loads(
        re.search(
            r'<script type="application/json" id="org-chart-data">(.*?)</script>', page, re.S
        ).group(1)
    )
    ceo = chart["children"][0]
    assert ceo["name"] == "Hank Scorpio"
    assert {child["name"] for child in ceo["children"]} == {"Carla Jonas", "Tim Techno"}
    carla = next(child for child in ceo["children"] if child["name"] == "Carla Jonas")
    assert carla["children"][0] == {
        "name": "Rita Gone",
        "title": "Buyer",
        "left": True,
        "url": f"/people/{site.crm.leaver_id}",
        "children": [],
    }
    assert 'class="org-list" data-org-fallback' in page
    # Open deals and the timeline, newest first.
    assert "Globex Benelux expansion" in page
    assert "Globex Benelux rollout" in page
    timeline = page[page.index('id="timeline-heading"') :]
    assert timeline.index("Globex Benelux expansion created") < timeline.index(
        "Account Globex Benelux created"
    )


def test_names_are_escaped_everywhere(site: Site) -> None:
    with site.logged_in() as client:
        pages = [
            client.get(f"/accounts/{site.crm.xss_account_id}").text,
            client.get("/accounts").text,
            client.get("/search", params={"q": "holdings"}).text,
            client.get("/search", params={"q": "holdings"}, headers={"HX-Request": "true"}).text,
        ]
    for page in pages:
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; Holdings" in page


def test_deal_page_shows_committee_map_history_and_details(site: Site) -> None:
    with site.logged_in() as client:
        page = client.get(f"/deals/{site.crm.committee_deal_id}").text
    assert "€48,000" in page
    assert "Discovery" in page
    committee = page[page.index('id="committee-heading"') : page.index('id="timeline-heading"')]
    # Covered key roles name the person and show the sentiment as a badge.
    economic = committee[committee.index("Economic buyer") :][:600]
    assert "Carla Jonas" in economic
    assert '<span class="badge badge-sentiment-positive">Positive</span>' in economic
    technical = committee[committee.index("Technical evaluator") :][:600]
    assert '<span class="badge badge-sentiment-negative">Negative</span>' in technical
    # Uncovered key roles are marked missing.
    decision = committee[committee.index("Decision maker") :][:300]
    assert '<span class="badge badge-missing">missing</span>' in decision
    assert "2 of 8 key roles covered" in committee
    assert (
        "missing: Decision maker, Business user, Approver, Champion, Executive sponsor, "
        "Procurement." in committee
    )
    history = page[page.index('id="history-heading"') :]
    assert "Discovery" in history
    assert "so far" in history


def test_pipeline_board_columns_totals_and_rotting(site: Site) -> None:
    with site.logged_in() as client:
        response = client.get("/pipeline")
    assert response.status_code == 200
    page = response.text
    columns = {
        match.group(1): match.group(2)
        for match in re.finditer(r'<h2 id="stage-\d+-name">([^<]+)</h2>(.*?)</section>', page, re.S)
    }
    assert list(columns) == [
        "Qualification",
        "Discovery",
        "Solution demo",
        "Proposal",
        "Negotiation",
        "Closed won",
        "Closed lost",
    ]
    qualification = columns["Qualification"]
    assert "3 deals" in qualification
    assert "$19,000" in qualification  # 12,000 + 7,000 USD; the rollout has no amount
    assert "1 rotting" in qualification
    rotting_card = qualification[qualification.index(f'id="deal-{site.crm.rotting_deal_id}"') :]
    assert "is-rotting" in qualification[: qualification.index("Globex DE pilot") + 1][-600:]
    assert "30 days in stage" in rotting_card.split("</li>")[0]
    assert "€48,000" in columns["Discovery"]
    assert "Globex Group licence" in columns["Closed won"]


def test_global_search_groups_results(site: Site) -> None:
    with site.logged_in() as client:
        dropdown = client.get("/search", params={"q": "globex"}, headers={"HX-Request": "true"})
        full = client.get("/search", params={"q": "GLOBEX"})
        nothing = client.get("/search", params={"q": "zzz-nothing"}, headers={"HX-Request": "true"})
    assert dropdown.status_code == 200
    assert "<html" not in dropdown.text  # a fragment for the dropdown
    for group in ("Accounts", "People", "Deals"):
        assert f'<h2 class="search-group">{group}</h2>' in dropdown.text
    assert "hank@globex.com" in dropdown.text
    assert full.status_code == 200
    assert "<html" in full.text
    assert f'href="/accounts/{site.crm.group_id}"' in full.text
    assert "Nothing matches" in nothing.text


def test_lists_search_and_paginate_by_cursor(site: Site) -> None:
    with site.database.transaction() as session:
        admin = get_user_by_email(session, site.crm.admin_email)
        for number in range(55):
            create_account(session, actor=admin, data=AccountCreate(name=f"Zeta {number:02d}"))
    with site.logged_in() as client:
        first = client.get("/accounts", params={"q": "zeta"})
        names = re.findall(r'<a href="/accounts/\d+">(Zeta \d+)</a>', first.text)
        assert len(names) == 50
        next_link = re.search(r'rel="next" href="([^"]+)"', first.text)
        assert next_link
        second = client.get(html.unescape(next_link.group(1)))
        rest = re.findall(r'<a href="/accounts/\d+">(Zeta \d+)</a>', second.text)
        people = client.get("/people", params={"q": "carla"})
        deals = client.get("/deals", params={"q": "initech"})
    assert rest == [f"Zeta {number}" for number in range(50, 55)]
    assert 'rel="next"' not in second.text
    assert "Carla Jonas" in people.text
    assert "Hank Scorpio" not in people.text
    assert "Initech renewal" in deals.text
    assert "Globex" not in deals.text.split("<tbody>")[1]


def test_person_page_shows_contact_accounts_and_deals(site: Site) -> None:
    with site.logged_in() as client:
        page = client.get(f"/people/{site.crm.cfo_id}").text
    assert 'href="mailto:carla@globex.com"' in page
    assert "Chief Financial Officer" in page
    assert f'href="/accounts/{site.crm.benelux_id}"' in page
    assert "Globex Benelux expansion" in page
    assert "Economic buyer" in page
    assert "Positive" in page


def test_account_picker_options_and_new_record_forms(site: Site) -> None:
    with site.logged_in() as client:
        options = client.get(
            "/accounts/choices",
            params={"picker_query": "benelux", "selected": site.crm.benelux_id},
            headers={"HX-Request": "true"},
        )
        new_deal = client.get("/deals/new", params={"account_id": site.crm.germany_id})
        subsidiary = client.get("/accounts/new", params={"parent_id": site.crm.group_id})
        activity = client.get("/activities/new", params={"deal_id": site.crm.bare_deal_id})
    assert options.text.split() == [
        "<option",
        'value="">—</option>',
        "<option",
        f'value="{site.crm.benelux_id}"',
        "selected>Globex",
        "Benelux</option>",
    ]
    assert f'<option value="{site.crm.germany_id}" selected>Globex Deutschland</option>' in (
        new_deal.text
    )
    assert '<optgroup label="New business">' in new_deal.text
    assert "Proposal (needs amount, expected close date, at least one stakeholder)" in (
        new_deal.text
    )
    assert f'<option value="{site.crm.group_id}" selected>Globex Group</option>' in subsidiary.text
    assert f'name="deal_ids" value="{site.crm.bare_deal_id}"' in activity.text
