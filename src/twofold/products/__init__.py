"""Products, bundles and price books (decision 0019).

The query API other domains read the catalogue through: ``get_product``,
``get_product_by_sku``, ``products_by_id``, ``list_active_products``, ``list_products``,
``bundle_components``, ``variants_of``; prices through ``twofold.products.pricing``.
"""

from twofold.products.queries import (
    ProductFilters,
    bundle_components,
    get_product,
    get_product_by_sku,
    list_active_products,
    list_products,
    products_by_id,
    variants_of,
)

__all__ = [
    "ProductFilters",
    "bundle_components",
    "get_product",
    "get_product_by_sku",
    "list_active_products",
    "list_products",
    "products_by_id",
    "variants_of",
]
