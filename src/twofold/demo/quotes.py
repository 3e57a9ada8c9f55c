"""Products, price books and quotes for the demo company, made through the domain actions.

A small catalogue (a variant and a bundle among it), a standard price book per currency of
the quoted deals plus a USD enterprise book, and quotes on up to three open deals: one whose
discount waits for the owner's manager to approve it, one sent, one draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.enums import QuoteStatus, Role, StageKind
from twofold.demo.world import World
from twofold.products.actions import create_product
from twofold.products.price_books import create_price_book
from twofold.products.schemas import PriceBookCreate, ProductCreate
from twofold.quotes import actions
from twofold.quotes.line_items import add_line_item
from twofold.quotes.schemas import LineItemIn, QuoteCreate
from twofold.store.database import Database
from twofold.store.models import Deal, Product, Stage, TimelineEntry, User

# sku, name, category, unit, list price in USD
CATALOGUE = (
    ("PLAT-LIC", "Platform licence", "software", "seat", "600.00"),
    ("ANL-ADD", "Analytics add-on", "software", "seat", "180.00"),
    ("SUP-PREM", "Premium support", "services", "year", "4800.00"),
    ("TRAIN-DAY", "Training day", "services", "day", "1500.00"),
    ("API-ACC", "API access", "software", "year", "2400.00"),
)
# Other currencies get the USD list price times these (rounded); no exchange rates needed.
CURRENCY_FACTORS = {"USD": Decimal(1), "EUR": Decimal("0.92"), "GBP": Decimal("0.79")}
QUOTED_CURRENCIES = ("USD", "EUR", "GBP")


@dataclass(frozen=True)
class QuotePlan:
    """What the demo got."""

    products: int
    price_books: int
    quotes: int
    timeline_entries: int


def add_quotes(database: Database, world: World) -> QuotePlan:
    """Write the catalogue, price books and three quotes (one pending approval)."""
    today = world.clock.now.date()
    with database.transaction() as session:
        # The catalogue is shaped by an admin or a manager (the demo team may have no admin).
        admin = session.scalar(
            select(User)
            .where(User.role.in_([Role.ADMIN, Role.MANAGER]))
            .order_by(User.role, User.id)
        )
        if admin is None:
            return QuotePlan(products=0, price_books=0, quotes=0, timeline_entries=0)
        entries_before = session.scalar(select(func.count(TimelineEntry.id))) or 0
        products = _catalogue(session, admin)
        books = _price_books(session, admin, products)
        deals = _deals_to_quote(session)
        policy = actions.QuotePolicy(
            approval_threshold_percent=Decimal(20), validity_days=30, today=today
        )
        made = 0
        for index, deal in enumerate(deals):
            owner = session.get(User, deal.owner_id) if deal.owner_id else admin
            actor = owner or admin
            lines = _lines_for(index, products)
            for product, quantity, discount in lines:
                add_line_item(
                    session,
                    actor=actor,
                    deal=deal,
                    data=LineItemIn(
                        product_id=product.id, quantity=quantity, discount_percent=discount
                    ),
                )
            overall = ("15", "5", "0")[index % 3]
            quote = actions.create_quote(
                session,
                actor=actor,
                data=QuoteCreate(deal_id=deal.id, discount_percent=overall, tax_percent="0"),
                policy=policy,
            )
            if index % 3 == 1 and not quote.approval_required:
                actions.send_quote(session, actor=actor, quote=quote, today=today)
            elif quote.approval_required and quote.status == QuoteStatus.DRAFT:
                actions.request_approval(session, actor=actor, quote=quote)
            made += 1
        entries = session.scalar(select(func.count(TimelineEntry.id))) or 0
        return QuotePlan(
            products=len(products),
            price_books=books,
            quotes=made,
            timeline_entries=entries - entries_before,
        )


def _catalogue(session: Session, admin: User) -> dict[str, Product]:
    products = {}
    for sku, name, category, unit, _price in CATALOGUE:
        data = ProductCreate(
            sku=sku,
            name=name,
            category=category,
            unit=unit,
            url=f"https://example.com/products/{sku.lower()}",
        )
        products[sku] = create_product(session, actor=admin, data=data)
    base = products["PLAT-LIC"]
    products["PLAT-LIC-EU"] = create_product(
        session,
        actor=admin,
        data=ProductCreate(
            sku="PLAT-LIC-EU",
            name="Platform licence (EU hosting)",
            category="software",
            unit="seat",
            parent_id=base.id,
            options={"hosting": "EU"},
        ),
    )
    products["START-KIT"] = create_product(
        session,
        actor=admin,
        data=ProductCreate.model_validate(
            {
                "sku": "START-KIT",
                "name": "Starter kit",
                "category": "bundles",
                "components": [
                    {"product_id": base.id, "quantity": "5"},
                    {"product_id": products["TRAIN-DAY"].id, "quantity": "1"},
                ],
            }
        ),
    )
    return products


def _price_books(session: Session, admin: User, products: dict[str, Product]) -> int:
    count = 0
    for currency in QUOTED_CURRENCIES:
        factor = CURRENCY_FACTORS[currency]
        prices = [
            {
                "product_id": products[sku].id,
                "unit_price": str((Decimal(price) * factor).quantize(Decimal("1.00"))),
            }
            for sku, _name, _category, _unit, price in CATALOGUE
        ]
        create_price_book(
            session,
            actor=admin,
            data=PriceBookCreate.model_validate(
                {
                    "name": f"{currency} list",
                    "currency": currency,
                    "is_standard": True,
                    "prices": prices,
                }
            ),
        )
        count += 1
    enterprise = [
        {
            "product_id": products[sku].id,
            "unit_price": str((Decimal(price) * Decimal("0.85")).quantize(Decimal("1.00"))),
        }
        for sku, _name, _category, _unit, price in CATALOGUE
    ]
    create_price_book(
        session,
        actor=admin,
        data=PriceBookCreate.model_validate(
            {
                "name": "USD enterprise",
                "currency": "USD",
                "tier": "enterprise",
                "prices": enterprise,
            }
        ),
    )
    return count + 1


def _deals_to_quote(session: Session) -> list[Deal]:
    """The first three open deals in a quoted currency whose owner has a manager."""
    query = (
        select(Deal)
        .join(Stage, Stage.id == Deal.stage_id)
        .join(User, User.id == Deal.owner_id)
        .where(
            Stage.kind == StageKind.OPEN.value,
            Deal.currency.in_(QUOTED_CURRENCIES),
            User.manager_id.is_not(None),
        )
        .order_by(Deal.id)
        .limit(3)
    )
    return list(session.scalars(query))


def _lines_for(index: int, products: dict[str, Product]) -> list[tuple[Product, str, str]]:
    """Three line sets: a heavy discount, a plain sale, a bundle with a variant."""
    if index % 3 == 0:
        return [(products["PLAT-LIC"], "50", "20"), (products["API-ACC"], "1", "10")]
    if index % 3 == 1:
        return [(products["PLAT-LIC"], "20", "5"), (products["SUP-PREM"], "1", "0")]
    return [(products["START-KIT"], "2", "0"), (products["PLAT-LIC-EU"], "10", "10")]
