"""Moving cards on the pipeline board over HTTP, the way HTMX and a plain form post do."""

from __future__ import annotations

import re

from web_support import Site, csrf_token

HTMX = {"HX-Request": "true"}


def column_of(board: str, deal_id: int) -> str:
    """The name of the column a card is drawn in."""
    position = board.index(f'id="deal-{deal_id}"')
    names = re.findall(r'<h2 id="stage-\d+-name">([^<]+)</h2>', board[:position])
    return names[-1]


def test_gate_failure_is_shown_on_the_card_and_filling_it_in_moves_the_card(site: Site) -> None:
    deal_id = site.crm.bare_deal_id
    move = f"/pipeline/deals/{deal_id}/move"
    with site.logged_in() as client:
        token = csrf_token(client)
        refused = client.post(
            move,
            headers=HTMX,
            data={"csrf_token": token, "stage_id": str(site.crm.stages["Solution demo"])},
        )
        assert refused.status_code == 422
        board = refused.text
        assert board.startswith('<div id="board"')  # the board fragment, not a page
        card = board[board.index(f'id="deal-{deal_id}"') :].split("</li>")[0]
        assert "has-problem" in board[board.index(f'id="deal-{deal_id}"') - 80 :][:200]
        assert "Cannot enter Solution demo: it requires amount, expected close date" in card
        assert f'id="card-{deal_id}-amount"' in card
        assert f'id="card-{deal_id}-expected_close_date"' in card
        assert column_of(board, deal_id) == "Qualification"
        # Filled in on the card, the same move now passes the gate.
        moved = client.post(
            move,
            headers=HTMX,
            data={
                "csrf_token": token,
                "stage_id": str(site.crm.stages["Solution demo"]),
                "amount": "15000",
                "expected_close_date": "2031-01-31",
            },
        )
        assert moved.status_code == 200
        assert column_of(moved.text, deal_id) == "Solution demo"
        assert "Moved Globex Benelux rollout to Solution demo." in moved.text
        deal_page = client.get(f"/deals/{deal_id}").text
    assert "$15,000" in deal_page
    assert "moved from Qualification to Solution demo" in deal_page


def test_a_refused_fill_in_stores_nothing(site: Site) -> None:
    deal_id = site.crm.bare_deal_id
    with site.logged_in() as client:
        token = csrf_token(client)
        refused = client.post(
            f"/pipeline/deals/{deal_id}/move",
            headers=HTMX,
            data={
                "csrf_token": token,
                "stage_id": str(site.crm.stages["Proposal"]),
                "amount": "15000",
                "expected_close_date": "2031-01-31",
            },
        )
        assert refused.status_code == 422
        assert "at least one stakeholder" in refused.text
        assert "Open the deal</a> to add at least one stakeholder" in refused.text
        page = client.get(f"/deals/{deal_id}").text
    details = page[page.index('id="details-heading"') :].split("</dl>")[0]
    assert "<dd>—</dd>" in details.split("Amount")[1][:40]  # the amount was not kept


def test_plain_form_post_redirects_back_to_the_board(site: Site) -> None:
    with site.logged_in() as client:
        token = csrf_token(client)
        response = client.post(
            f"/pipeline/deals/{site.crm.rotting_deal_id}/move",
            data={
                "csrf_token": token,
                "stage_id": str(site.crm.stages["Discovery"]),
                "owner": "me",
            },
        )
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/pipeline?pipeline_id={site.crm.pipeline_id}&owner=me#deal-{site.crm.rotting_deal_id}"
        )
        board = client.get("/pipeline").text
        assert column_of(board, site.crm.rotting_deal_id) == "Discovery"
        refused = client.post(
            f"/pipeline/deals/{site.crm.rotting_deal_id}/move",
            data={"csrf_token": token, "stage_id": "not-a-stage"},
        )
        assert refused.status_code == 422
        assert "<html" in refused.text
        assert "Choose a stage" in refused.text


def test_reps_cannot_move_deals_they_do_not_own(site: Site) -> None:
    with site.logged_in(site.crm.rep_email) as client:
        token = csrf_token(client)
        refused = client.post(
            f"/pipeline/deals/{site.crm.committee_deal_id}/move",
            headers=HTMX,
            data={"csrf_token": token, "stage_id": str(site.crm.stages["Qualification"])},
        )
        assert refused.status_code == 403
        assert "You can only change deals you own" in refused.text
        assert column_of(refused.text, site.crm.committee_deal_id) == "Discovery"
        own = client.post(
            f"/pipeline/deals/{site.crm.rep_deal_id}/move",
            headers=HTMX,
            data={
                "csrf_token": token,
                "stage_id": str(site.crm.stages["Discovery"]),
                "owner": "me",
            },
        )
        assert own.status_code == 200
        # "Only my deals" keeps the filter after the move.
        assert "Globex" not in own.text
        assert column_of(own.text, site.crm.rep_deal_id) == "Discovery"
