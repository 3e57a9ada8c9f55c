"""Line items and quotes over HTTP: prices from the right book, the deal amount following
the lines, hand-computed totals, the approval path, the PDF, and bad input refused."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from support import ApiClient, count_rows
from twofold.quotes.actions import expire_quotes
from twofold.store.models import Quote


@pytest.fixture
def world(api: ApiClient) -> dict[str, Any]:
    """A rep under a manager, an enterprise account, a catalogue and two EUR price books."""
    rep, rep_user = api.as_new_user("rep")
    manager, manager_user = api.as_new_user("manager")
    other_manager, _ = api.as_new_user("manager")
    assert (
        api.patch(f"/users/{rep_user.id}", json={"manager_id": manager_user.id}).status_code == 200
    )
    seat = api.created("/products", {"sku": "SEAT", "name": "Analytics seat", "unit": "seat"})
    support = api.created("/products", {"sku": "SUPPORT", "name": "Premium support"})
    kit = api.created(
        "/products",
        {
            "sku": "KIT",
            "name": "Starter kit",
            "components": [
                {"product_id": seat["id"], "quantity": "2"},
                {"product_id": support["id"], "quantity": "1"},
            ],
        },
    )
    api.created(
        "/price-books",
        {
            "name": "EUR list",
            "currency": "EUR",
            "is_standard": True,
            "prices": [
                {"product_id": seat["id"], "unit_price": "49.50"},
                {"product_id": support["id"], "unit_price": "1200"},
            ],
        },
    )
    api.created(
        "/price-books",
        {
            "name": "EUR enterprise",
            "currency": "EUR",
            "tier": "enterprise",
            "prices": [{"product_id": seat["id"], "unit_price": "45"}],
        },
    )
    smb = rep.created("/accounts", {"name": "Small Co", "tier": "smb"})
    deal = rep.created(
        "/deals", {"name": "Small Co seats", "account_id": smb["id"], "currency": "EUR"}
    )
    return {
        "rep": rep,
        "manager": manager,
        "other_manager": other_manager,
        "seat": seat,
        "support": support,
        "kit": kit,
        "deal": deal,
    }


def test_line_items_quote_approval_and_pdf(api: ApiClient, world: dict[str, Any]) -> None:
    rep: ApiClient = world["rep"]
    deal = world["deal"]
    lines = f"/deals/{deal['id']}/line-items"
    seat = rep.created(
        lines, {"product_id": world["seat"]["id"], "quantity": "3", "discount_percent": "10"}
    )
    assert (seat["list_price"], seat["line_total"]) == ("49.50", "133.65")  # standard book
    support = rep.created(
        lines, {"product_id": world["support"]["id"], "quantity": 1, "unit_price": "1000"}
    )
    assert (support["list_price"], support["unit_price"]) == ("1200.00", "1000.00")
    kit = rep.created(lines, {"product_id": world["kit"]["id"]})
    assert kit["list_price"] == "1299.00"  # 2 x 49.50 + 1200: the bundle has no own price
    assert rep.get(f"/deals/{deal['id']}").json()["amount"] == "2432.65"
    refused = rep.patch(f"/deals/{deal['id']}", json={"amount": "10"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "amount"

    quote = rep.created(
        "/quotes", {"deal_id": deal["id"], "discount_percent": "5", "tax_percent": 21}
    )
    assert quote["number"] == f"Q{deal['id']:05d}-1"
    assert quote["status"] == "draft"
    assert {
        key: quote[key]
        for key in ("list_total", "subtotal", "discount_amount", "net_total", "tax_amount", "total")
    } == {
        "list_total": "2647.50",
        "subtotal": "2432.65",
        "discount_amount": "121.63",
        "net_total": "2311.02",
        "tax_amount": "485.31",
        "total": "2796.33",
    }
    assert quote["effective_discount_percent"] == "12.71"
    assert quote["approval_required"] is False
    assert quote["valid_until"] == str(date.today() + timedelta(days=30))
    assert quote["recipient"]["name"] == "Small Co"

    # The quote is a snapshot: changing the deal's lines leaves it as it was.
    rep.patch(f"{lines}/{seat['id']}", json={"quantity": "30"})
    assert rep.get(f"/quotes/{quote['id']}").json()["lines"][0]["quantity"] == "3"

    deeper = rep.patch(f"/quotes/{quote['id']}", json={"discount_percent": "15"})
    assert deeper.status_code == 200, deeper.text
    assert (deeper.json()["total"], deeper.json()["effective_discount_percent"]) == (
        "2501.98",
        "21.90",
    )
    assert deeper.json()["approval_required"] is True
    unsent = rep.post(f"/quotes/{quote['id']}/send")
    assert unsent.status_code == 409
    assert unsent.json()["error"]["code"] == "approval_required"
    assert rep.get(f"/quotes/{quote['id']}").json()["status"] == "draft"
    assert (
        rep.post(f"/quotes/{quote['id']}/request-approval").json()["status"] == "pending_approval"
    )
    assert rep.post(f"/quotes/{quote['id']}/approve").status_code == 403  # not their own
    assert world["other_manager"].post(f"/quotes/{quote['id']}/approve").status_code == 403
    approved = world["manager"].post(f"/quotes/{quote['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert rep.post(f"/quotes/{quote['id']}/send").json()["status"] == "sent"
    assert rep.patch(f"/quotes/{quote['id']}", json={"discount_percent": "1"}).status_code == 409
    assert rep.post(f"/quotes/{quote['id']}/accept").json()["status"] == "accepted"
    assert rep.post(f"/quotes/{quote['id']}/reject").status_code == 409

    summaries = [entry["summary"] for entry in rep.get(f"/deals/{deal['id']}/timeline").json()]
    assert any("pending approval → approved" in text for text in summaries)
    assert any("Quote Q" in text and "created" in text for text in summaries)

    document = rep.get(f"/quotes/{quote['id']}.pdf")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    for expected in (
        quote["number"],
        "2432.65",
        "364.90",
        "2067.75",
        "434.23",
        "2501.98",
        "Starter kit",
    ):
        assert expected in text, expected


def test_tier_price_book_and_its_fallback(api: ApiClient, world: dict[str, Any]) -> None:
    rep: ApiClient = world["rep"]
    big = rep.created("/accounts", {"name": "Big Co", "tier": "enterprise"})
    deal = rep.created("/deals", {"name": "Big", "account_id": big["id"], "currency": "EUR"})
    lines = f"/deals/{deal['id']}/line-items"
    seat = rep.created(lines, {"product_id": world["seat"]["id"], "quantity": "2"})
    assert seat["list_price"] == "45.00"  # the enterprise book
    support = rep.post(lines, json={"product_id": world["support"]["id"]})
    assert support.status_code == 422  # not in the enterprise book, no price given
    assert "unit_price" in support.text
    usd = rep.created("/deals", {"name": "USD", "account_id": big["id"], "currency": "USD"})
    none = rep.post(f"/deals/{usd['id']}/line-items", json={"product_id": world["seat"]["id"]})
    assert none.status_code == 422
    currency = rep.patch(f"/deals/{deal['id']}", json={"currency": "USD"})
    assert currency.status_code == 422
    assert count_rows(api.database, "deal_line_items") == 1


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": "0"},
        {"quantity": "-2"},
        {"quantity": "abc"},
        {"discount_percent": "101"},
        {"discount_percent": "-5"},
        {"discount_percent": "abc"},
        {"unit_price": "-1"},
        {"unit_price": "1.001"},
        {"product_id": 99999},
        {"price_book_id": 99999},
        {"nonsense": True},
    ],
)
def test_bad_line_items_are_refused(
    api: ApiClient, world: dict[str, Any], body: dict[str, Any]
) -> None:
    response = world["rep"].post(
        f"/deals/{world['deal']['id']}/line-items", json={"product_id": world["seat"]["id"], **body}
    )
    assert response.status_code == 422, response.text
    assert "error" in response.json()
    assert count_rows(api.database, "deal_line_items") == 0
    assert world["rep"].get(f"/deals/{world['deal']['id']}").json()["amount"] is None


def test_bad_quotes_are_refused(api: ApiClient, world: dict[str, Any]) -> None:
    rep: ApiClient = world["rep"]
    deal_id = world["deal"]["id"]
    empty = rep.post("/quotes", json={"deal_id": deal_id})
    assert empty.status_code == 422  # no line items yet
    rep.created(f"/deals/{deal_id}/line-items", {"product_id": world["seat"]["id"]})
    for body in (
        {"deal_id": deal_id, "discount_percent": "150"},
        {"deal_id": deal_id, "discount_percent": "-1"},
        {"deal_id": deal_id, "tax_percent": "101"},
        {"deal_id": deal_id, "valid_until": "2001-01-01"},
        {"deal_id": deal_id, "valid_until": "not a date"},
        {"deal_id": 99999},
    ):
        response = rep.post("/quotes", json=body)
        assert response.status_code == 422, (body, response.text)
    assert count_rows(api.database, "quotes") == 0
    inactive = api.patch(f"/products/{world['support']['id']}", json={"is_active": False})
    assert inactive.status_code == 200
    gone = rep.post(f"/deals/{deal_id}/line-items", json={"product_id": world["support"]["id"]})
    assert gone.status_code == 422
    quote = rep.created("/quotes", {"deal_id": deal_id})
    assert rep.post(f"/quotes/{quote['id']}/request-approval").status_code == 409  # none needed
    assert rep.post(f"/quotes/{quote['id']}/approve").status_code == 403
    assert rep.post(f"/quotes/{quote['id']}/accept").status_code == 409  # not sent
    viewer, _ = api.as_new_user("viewer")
    assert viewer.post(f"/quotes/{quote['id']}/send").status_code == 403
    assert rep.get("/quotes/99999").status_code == 404
    assert rep.get("/quotes/99999.pdf").status_code == 404
    assert rep.post(f"/quotes/{quote['id']}/send").json()["status"] == "sent"
    second = rep.created("/quotes", {"deal_id": deal_id})
    assert second["number"].endswith("-2")
    listed = rep.get("/quotes", params={"deal_id": deal_id, "status": "sent"}).json()["items"]
    assert [item["id"] for item in listed] == [quote["id"]]


def test_sent_quotes_past_their_validity_expire(api: ApiClient, world: dict[str, Any]) -> None:
    rep: ApiClient = world["rep"]
    deal_id = world["deal"]["id"]
    rep.created(f"/deals/{deal_id}/line-items", {"product_id": world["seat"]["id"]})
    quote = rep.created("/quotes", {"deal_id": deal_id})
    assert rep.post(f"/quotes/{quote['id']}/send").json()["status"] == "sent"
    today = date.today()
    with api.database.transaction() as session:
        session.execute(
            update(Quote)
            .where(Quote.id == quote["id"])
            .values(valid_until=today - timedelta(days=1))
        )
    late = rep.post(f"/quotes/{quote['id']}/accept")
    assert late.status_code == 409
    assert "expired" in late.json()["error"]["message"]
    with api.database.transaction() as session:
        assert expire_quotes(session, today=today) == 1
        assert expire_quotes(session, today=today) == 0
    assert rep.get(f"/quotes/{quote['id']}").json()["status"] == "expired"
