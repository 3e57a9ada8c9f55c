"""/api/v1/products and /api/v1/price-books: the catalogue and its prices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut
from twofold.api.schemas.products import PriceBookOut, ProductOut
from twofold.products import actions, price_books
from twofold.products.queries import ProductFilters, get_product, list_products
from twofold.products.schemas import PriceBookCreate, PriceBookUpdate, ProductCreate, ProductUpdate

router = APIRouter(tags=["products"])


@router.get("/products")
def list_(
    session: DbSession,
    paging: Paging,
    search: Annotated[str | None, Query(description="a substring of SKU, name, category")] = None,
    category: str | None = None,
    is_active: bool | None = None,
    is_bundle: bool | None = None,
    parent_id: Annotated[int | None, Query(description="the variants of this product")] = None,
) -> ListOut[ProductOut]:
    """Products, filtered, one page at a time (by name unless ``sort`` is given)."""
    filters = ProductFilters(
        search=search,
        category=category,
        is_active=is_active,
        is_bundle=is_bundle,
        parent_id=parent_id,
    )
    page = list_products(session, filters=filters, page=paging)
    items = [ProductOut.of(session, product) for product in page.items]
    return ListOut(items=items, next_cursor=page.next_cursor)


@router.post("/products", status_code=status.HTTP_201_CREATED)
def create(
    data: ProductCreate, session: DbSession, user: ApiUser, response: Response
) -> ProductOut:
    """Add a product (admins and managers); ``components`` makes it a bundle."""
    product = actions.create_product(session, actor=user, data=data)
    set_etag(response, product.version)
    return ProductOut.of(session, product)


@router.get("/products/{product_id}")
def read(product_id: int, session: DbSession, response: Response) -> ProductOut:
    """One product; the ``ETag`` header carries its version."""
    product = get_product(session, product_id)
    set_etag(response, product.version)
    return ProductOut.of(session, product)


@router.patch("/products/{product_id}")
def update(
    product_id: int,
    data: ProductUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> ProductOut:
    """Change the fields sent; ``is_active=false`` takes the product out of the catalogue."""
    product = get_product(session, product_id)
    actions.update_product(
        session, actor=user, product=product, data=data, expected_version=expected_version
    )
    set_etag(response, product.version)
    return ProductOut.of(session, product)


@router.get("/price-books")
def list_price_books(session: DbSession, currency: str | None = None) -> ListOut[PriceBookOut]:
    """Every price book (there are a handful), by currency and name."""
    books = price_books.list_price_books(session, currency=currency)
    return ListOut(items=[PriceBookOut.of(session, book) for book in books], next_cursor=None)


@router.post("/price-books", status_code=status.HTTP_201_CREATED)
def create_price_book(
    data: PriceBookCreate, session: DbSession, user: ApiUser, response: Response
) -> PriceBookOut:
    """Add a price book with its prices (admins and managers)."""
    book = price_books.create_price_book(session, actor=user, data=data)
    set_etag(response, book.version)
    return PriceBookOut.of(session, book)


@router.get("/price-books/{price_book_id}")
def read_price_book(price_book_id: int, session: DbSession, response: Response) -> PriceBookOut:
    """One price book with its prices."""
    book = price_books.get_price_book(session, price_book_id)
    set_etag(response, book.version)
    return PriceBookOut.of(session, book)


@router.patch("/price-books/{price_book_id}")
def update_price_book(
    price_book_id: int,
    data: PriceBookUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> PriceBookOut:
    """Change the fields sent; ``prices`` set (or with ``null`` remove) the prices named."""
    book = price_books.get_price_book(session, price_book_id)
    price_books.update_price_book(
        session, actor=user, book=book, data=data, expected_version=expected_version
    )
    set_etag(response, book.version)
    return PriceBookOut.of(session, book)
