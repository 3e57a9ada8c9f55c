"""The demo company's catalogue, price books and quotes (one waiting for approval)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from twofold.demo.generator import build_demo_company
from twofold.demo.sizes import DemoSize
from twofold.quotes.queries import deal_line_items
from twofold.store.database import Database
from twofold.store.models import Deal, PriceBook, Product, Quote

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_demo_has_products_price_books_and_quotes(database: Database) -> None:
    build_demo_company(database, size=DemoSize.parse("small"), seed=7, now=NOW)
    with database.transaction() as session:
        assert session.scalar(select(func.count(Product.id))) == 7
        assert session.scalar(select(func.count(PriceBook.id))) == 4
        quotes = list(session.scalars(select(Quote).order_by(Quote.id)))
        assert quotes, "the demo has quotes"
        assert "pending_approval" in {quote.status for quote in quotes}
        for quote in quotes:
            deal = session.get(Deal, quote.deal_id)
            assert deal is not None
            lines = deal_line_items(session, deal.id)
            assert deal.amount == sum(item.line_total for item in lines) == quote.subtotal
            assert quote.currency == deal.currency
