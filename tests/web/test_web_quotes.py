"""The quote builder on the deal page (HTMX, in Chromium), the products page, the printable
quote and its PDF, and refusals shown inside the builder with nothing stored."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from browser_support import logged_in_page
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from web_support import Site, csrf_token

from support import count_rows
from twofold.deals.actions import get_deal
from twofold.products.actions import create_product
from twofold.products.price_books import create_price_book
from twofold.products.schemas import PriceBookCreate, ProductCreate
from twofold.store.models import User


@pytest.fixture
def catalogue(site: Site) -> dict[str, int]:
    """Two products priced in the standard book of the rep deal's currency."""
    with site.database.transaction() as session:
        admin = session.query(User).filter_by(email=site.crm.admin_email).one()
        currency = get_deal(session, site.crm.rep_deal_id).currency
        seat = create_product(
            session, actor=admin, data=ProductCreate(sku="SEAT", name="Analytics seat")
        )
        setup = create_product(
            session, actor=admin, data=ProductCreate(sku="SETUP", name="Onboarding")
        )
        create_price_book(
            session,
            actor=admin,
            data=PriceBookCreate.model_validate(
                {
                    "name": f"{currency} list",
                    "currency": currency,
                    "is_standard": True,
                    "prices": [
                        {"product_id": seat.id, "unit_price": "100"},
                        {"product_id": setup.id, "unit_price": "500"},
                    ],
                }
            ),
        )
        return {"seat": seat.id, "setup": setup.id}


@pytest.fixture
def deal_page(browser: Browser, site: Site, catalogue: dict[str, int]) -> Iterator[Page]:
    """The rep deal's page, opened by the admin once the catalogue exists."""
    with logged_in_page(
        browser, site, site.crm.admin_email, f"/deals/{site.crm.rep_deal_id}"
    ) as tab:
        yield tab


@pytest.mark.browser
def test_quote_builder_in_the_browser(
    deal_page: Page, site: Site, catalogue: dict[str, int]
) -> None:
    page = deal_page
    builder = page.locator("#quote-builder")
    form = page.locator("#add-line-form")
    form.locator("select[name=product_id]").select_option(value=str(catalogue["seat"]))
    form.locator("input[name=quantity]").fill("3")
    form.get_by_role("button", name="Add line").click()
    expect(builder.locator("[data-deal-amount]")).to_contain_text("300")
    form = page.locator("#add-line-form")
    form.locator("select[name=product_id]").select_option(value=str(catalogue["setup"]))
    form.locator("input[name=discount_percent]").fill("150")
    form.get_by_role("button", name="Add line").click()
    expect(builder.locator("[data-builder-error]")).to_contain_text("100")
    form = page.locator("#add-line-form")
    form.locator("select[name=product_id]").select_option(value=str(catalogue["setup"]))
    form.locator("input[name=discount_percent]").fill("60")
    form.get_by_role("button", name="Add line").click()
    # 3 x 100 + 500 x 0.4 = 500.00 against 800.00 list: 37.5 % off, above the 20 % threshold
    expect(builder.locator("[data-deal-amount]")).to_contain_text("500")
    page.locator("#new-quote-form").get_by_role("button", name="Create quote").click()
    card = builder.locator(".quote-card").first
    expect(card).to_contain_text("draft")
    expect(card.locator("[data-quote-total]")).to_contain_text("500")
    expect(card).to_contain_text("37.50% off list")
    card.get_by_role("button", name="Mark sent").click()
    expect(builder.locator("[data-builder-error]")).to_contain_text("approval")
    builder.locator(".quote-card").first.get_by_role("button", name="Request approval").click()
    expect(builder.locator(".quote-card").first).to_contain_text("pending approval")
    builder.locator(".quote-card").first.get_by_role("button", name="Approve").click()
    expect(builder.locator(".quote-card").first).to_contain_text("approved")
    builder.locator(".quote-card").first.get_by_role("button", name="Mark sent").click()
    expect(builder.locator(".quote-card").first).to_contain_text("sent")
    builder.locator(".quote-card").first.get_by_role("link", name="Print").click()
    expect(page.locator("[data-quote-total]")).to_contain_text("500")
    pdf = page.request.get(page.url + "/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "500.00" in text
    assert "800.00" not in text  # the list total is not printed; the net is


def test_products_page_and_builder_refusals(site: Site, catalogue: dict[str, int]) -> None:
    with site.logged_in() as client:
        page = client.get("/products")
        assert page.status_code == 200
        assert "SEAT" in page.text
        assert "Onboarding" in page.text
        token = csrf_token(client)
        deal = site.crm.rep_deal_id
        bad = client.post(
            f"/deals/{deal}/line-items",
            data={"product_id": str(catalogue["seat"]), "quantity": "-1", "csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert bad.status_code == 422
        assert "data-builder-error" in bad.text
        no_lines = client.post(
            f"/deals/{deal}/quotes", data={"csrf_token": token}, headers={"HX-Request": "true"}
        )
        assert no_lines.status_code == 422
        assert count_rows(site.database, "deal_line_items") == 0
        assert count_rows(site.database, "quotes") == 0
        no_csrf = client.post(f"/deals/{deal}/line-items", data={"product_id": "1"})
        assert no_csrf.status_code == 403
        assert client.get("/quotes/999999").status_code == 404
