"""``deal_forecast_months``: deal totals per close month, kept in step by triggers.

The triggers themselves are created by migration 0004 (one set per dialect). What the rest of
the code needs to know about them is here: their names (a bulk load switches them off and
rebuilds the table once instead of firing a trigger per row) and the statements that rebuild
the table from ``deals``.
"""

from __future__ import annotations

TABLE = "deal_forecast_months"
SQLITE_TRIGGERS = (
    "deal_forecast_months_insert",
    "deal_forecast_months_update",
    "deal_forecast_months_delete",
)
POSTGRES_TRIGGER = "deal_forecast_months_sync"
_CLOSE_MONTH = {
    "sqlite": "date(deals.expected_close_date, 'start of month')",
    "postgresql": "CAST(date_trunc('month', deals.expected_close_date) AS date)",
}
# The same rule as the triggers of migration 0004 and forecasting/aggregate.py: won deals are
# "closed", an open deal marked "closed" is "commit", lost deals are left out.
_REFILL = """
    INSERT INTO deal_forecast_months (close_month, owner_key, category, currency, amount,
        amount_times_probability, deal_count)
    SELECT {close_month}, coalesce(deals.owner_id, 0),
        CASE WHEN stages.kind = 'won' THEN 'closed'
             WHEN deals.forecast_category = 'closed' THEN 'commit'
             ELSE deals.forecast_category END,
        deals.currency, coalesce(sum(deals.amount), 0),
        coalesce(sum(deals.amount * deals.probability), 0), count(*)
    FROM deals JOIN stages ON stages.id = deals.stage_id
    WHERE deals.expected_close_date IS NOT NULL AND stages.kind <> 'lost'
    GROUP BY 1, 2, 3, 4"""


def rebuild_statements(dialect: str) -> list[str]:
    """Statements that recompute the whole table from ``deals`` (a bulk load, a repair)."""
    return [f"DELETE FROM {TABLE}", _REFILL.format(close_month=_CLOSE_MONTH[dialect])]  # noqa: S608 - constant names only
