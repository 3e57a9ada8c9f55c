"""Rule tree → one DuckDB query returning the ids of the members (column ``id``).

Every condition is a set of ids: person ids for person conditions, account ids for account
conditions. ``all`` / ``any`` / ``not`` become ``INTERSECT`` / ``UNION`` / ``EXCEPT`` (against
the universe of persons or accounts). User values are only ever parameters; names in the SQL
text come from the validated tree (field names match a strict pattern, JSON paths are
parameters too). ``now`` is a parameter, so a rule can be evaluated at any clock time.

A *scope* restricts the evaluation to some members (real-time membership: only the persons a
load touched); it is a CTE ``scope(id)`` every condition is limited to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from twofold.segments.rules import (
    AccountField,
    AccountRule,
    All,
    AnyOf,
    Comparison,
    DealExists,
    Event,
    Node,
    Not,
    Order,
    People,
    Prediction,
    PropertyFilter,
    SegmentRef,
    Target,
    Trait,
    Window,
)
from twofold.segments.values import Sql, admits_zero, comparison_sql, condition_sql

PERSON_COLUMNS: Final = frozenset(
    {"first_name", "last_name", "email", "phone", "title", "lifecycle_stage", "owner_id",
     "created_at", "updated_at"}
)  # fmt: skip
# Computed traits (profiles/stats.py) readable as traits.
STAT_COLUMNS: Final = {
    "first_seen": "first_seen",
    "last_seen": "last_seen",
    "event_count": "events",
    "order_count": "orders",
    "last_order_at": "last_order_at",
    "favourite_category": "favourite_category",
}
ACCOUNT_COLUMNS: Final = frozenset(
    {"name", "domain", "industry", "employees", "annual_revenue", "annual_revenue_currency",
     "country", "region", "tier", "lifecycle", "owner_id", "parent_id", "created_at",
     "updated_at"}
)  # fmt: skip
# Event properties that have a typed column (same value, faster to read).
EVENT_COLUMNS: Final = {"order_id": "order_id", "product_id": "product_id", "revenue": "revenue"}
ORDER_LINE_FIELDS: Final = frozenset({"product_id", "category"})
PAGE_EVENTS: Final = {"Page Viewed": "page", "Screen Viewed": "screen"}
# Where event conditions read: the whole table, or (real time) a copy of the events of the
# persons being re-evaluated, made once per load instead of scanning every event per condition.
EVENT_TABLES: Final = ("events", "scoped_events")


@dataclass(frozen=True)
class Query:
    """The SQL and its parameters, in order."""

    text: str
    parameters: list[object]


def compile_rule(
    node: Node,
    *,
    target: Target,
    now: datetime,
    scope: Sequence[int] | None = None,
    events_table: str = "events",
) -> Query:
    """The query answering the members of ``node`` at ``now``; with ``scope``, only among
    those ids (persons or accounts, as the target)."""
    if events_table not in EVENT_TABLES:
        raise ValueError(f"events are read from one of {EVENT_TABLES}, not {events_table!r}")
    compiler = _Compiler(now, events_table)
    sql = Sql()
    if scope is not None:
        sql.add("WITH scope AS (SELECT DISTINCT unnest(?::BIGINT[]) AS id)\n", list(scope))
    restriction = "SELECT id FROM scope" if scope is not None else None
    body = compiler.node(node, scope=restriction, kind=target)
    # Only existing persons (accounts) are members: events of a deleted person do not count.
    sql.add("SELECT DISTINCT id FROM (\n").extend(body).add("\n) AS members WHERE id IN (")
    sql.extend(compiler.universe(target, restriction)).add(")")
    return Query(sql.text, sql.parameters)


def json_path(name: str) -> str:
    """``address.country`` → ``$.address.country`` (names are validated: letters, digits, _)."""
    return "$." + name


class _Compiler:
    def __init__(self, now: datetime, events_table: str) -> None:
        self.now = now
        self.events_table = events_table

    def node(self, node: Node, *, scope: str | None, kind: Target) -> Sql:  # noqa: C901, PLR0911, PLR0912
        if isinstance(node, All | AnyOf):
            keyword = "INTERSECT" if isinstance(node, All) else "UNION"
            sql = Sql()
            for index, child in enumerate(node.children):
                if index:
                    sql.add(f"\n{keyword}\n")
                sql.add("(").extend(self.node(child, scope=scope, kind=kind)).add(")")
            return sql
        if isinstance(node, Not):
            sql = self.universe(kind, scope).add("\nEXCEPT\n(")
            return sql.extend(self.node(node.child, scope=scope, kind=kind)).add(")")
        if isinstance(node, SegmentRef):
            sql = Sql().add(
                "SELECT member_id AS id FROM segment_members WHERE segment_id = ?", node.segment_id
            )
            return self.within(sql, "member_id", scope)
        if isinstance(node, Trait):
            return self.trait(node, scope)
        if isinstance(node, Prediction):
            sql = Sql().add("SELECT person_id AS id FROM person_predictions WHERE ")
            sql.extend(condition_sql(f"CAST({node.name} AS VARCHAR)", node.condition))
            return self.within(sql, "person_id", scope)
        if isinstance(node, Event):
            return self.event(node, scope)
        if isinstance(node, Order):
            return self.order(node, scope)
        if isinstance(node, AccountRule):
            inner = None
            if scope is not None:
                inner = f"SELECT account_id FROM person_accounts WHERE person_id IN ({scope})"  # noqa: S608
            sql = Sql().add(
                "SELECT person_id AS id FROM person_accounts WHERE NOT has_left AND account_id IN ("
            )
            sql.extend(self.node(node.rule, scope=inner, kind="accounts")).add(")")
            return self.within(sql, "person_id", scope)
        if isinstance(node, AccountField):
            return self.account_field(node, scope)
        if isinstance(node, DealExists):
            sql = Sql().add("SELECT account_id AS id FROM deal_facts WHERE account_id IS NOT NULL")
            for name, condition in node.filters:
                sql.add(" AND ").extend(condition_sql(f"CAST({name} AS VARCHAR)", condition))
            return self.within(sql, "account_id", scope)
        if isinstance(node, People):
            return self.people(node, scope)
        raise AssertionError(f"no SQL for {type(node).__name__}")

    # -- pieces -------------------------------------------------------------------------------

    @staticmethod
    def universe(kind: Target, scope: str | None) -> Sql:
        table, column = ("account_facts", "account_id") if kind == "accounts" else (
            "person_facts", "person_id")  # fmt: skip
        sql = Sql().add(f"SELECT {column} AS id FROM {table}")  # noqa: S608 - constant names
        if scope is not None:
            sql.add(f" WHERE {column} IN ({scope})")
        return sql

    @staticmethod
    def within(sql: Sql, column: str, scope: str | None) -> Sql:
        if scope is not None:
            sql.add(f" AND {column} IN ({scope})")
        return sql

    def trait(self, node: Trait, scope: str | None) -> Sql:
        if node.name in PERSON_COLUMNS:
            expression = f"CAST(f.{node.name} AS VARCHAR)"
            sql = Sql().add("SELECT f.person_id AS id FROM person_facts f WHERE ")
            sql.extend(condition_sql(expression, node.condition))
            return self.within(sql, "f.person_id", scope)
        if node.name in STAT_COLUMNS:
            expression = f"CAST(s.{STAT_COLUMNS[node.name]} AS VARCHAR)"
            sql = Sql().add(
                "SELECT f.person_id AS id FROM person_facts f "
                "LEFT JOIN person_stats s ON s.person_id = f.person_id WHERE "
            )
            sql.extend(condition_sql(expression, node.condition))
            return self.within(sql, "f.person_id", scope)
        # A custom field of the CRM wins over a trait of the same name sent by a source.
        expression = (
            "coalesce(json_extract_string(f.custom, $path), json_extract_string(f.traits, $path))"
        )
        sql = Sql().add("SELECT f.person_id AS id FROM person_facts f WHERE ")
        sql.extend(_bind_path(condition_sql(expression, node.condition), json_path(node.name)))
        return self.within(sql, "f.person_id", scope)

    def account_field(self, node: AccountField, scope: str | None) -> Sql:
        if node.name in ACCOUNT_COLUMNS:
            sql = Sql().add("SELECT account_id AS id FROM account_facts WHERE ")
            sql.extend(condition_sql(f"CAST({node.name} AS VARCHAR)", node.condition))
            return self.within(sql, "account_id", scope)
        sql = Sql().add("SELECT account_id AS id FROM account_facts WHERE ")
        condition = condition_sql("json_extract_string(custom, $path)", node.condition)
        sql.extend(_bind_path(condition, json_path(node.name)))
        return self.within(sql, "account_id", scope)

    def window(self, window: Window, column: str) -> Sql:
        sql = Sql()
        if window.within_days is not None:
            sql.add(f" AND {column} >= ?", self.now - timedelta(days=window.within_days))
        if window.since is not None and window.until is not None:
            start = datetime.combine(window.since, datetime.min.time())
            end = datetime.combine(window.until, datetime.min.time()) + timedelta(days=1)
            sql.add(f" AND {column} >= ? AND {column} < ?", start, end)
        # Events stamped in the future (clock skew) are not counted before they happen.
        sql.add(f" AND {column} <= ?", self.now)
        return sql

    def event(self, node: Event, scope: str | None) -> Sql:
        fast = not node.where and node.window == Window() and node.aggregate is None
        if fast:
            return self.event_counts(node, scope)
        sql = Sql().add(
            f"SELECT e.person_id AS id FROM {self.events_table} e WHERE e.person_id IS NOT NULL"  # noqa: S608
        )
        if node.name in PAGE_EVENTS:
            # page/screen calls, and track events some libraries send under the same name
            sql.add(
                " AND (e.type = ? OR (e.type = 'track' AND e.name = ?))",
                PAGE_EVENTS[node.name],
                node.name,
            )
        else:
            sql.add(" AND e.type = 'track' AND e.name = ?", node.name)
        sql.extend(self.window(node.window, "e.timestamp"))
        for item in node.where:
            sql.add(" AND ").extend(self.event_property(item, page=node.name in PAGE_EVENTS))
        self.within(sql, "e.person_id", scope)
        sql.add(" GROUP BY e.person_id")
        if node.aggregate is not None:
            assert node.aggregate_property is not None
            assert node.aggregate_comparison is not None
            value = self.event_number(node.aggregate_property)
            if node.aggregate == "sum":
                return self.measured(sql, f"coalesce(sum({value}), 0)", node.aggregate_comparison,
                                     "persons", scope)  # fmt: skip
            return sql.add(" HAVING ").extend(
                comparison_sql(f"{node.aggregate}({value})", node.aggregate_comparison)
            )
        return self.event_measure(sql, node, "min(e.timestamp)", "max(e.timestamp)", scope)

    def event_measure(
        self, sql: Sql, node: Event | Order, first: str, last: str, scope: str | None
    ) -> Sql:
        if node.count is not None:
            return self.measured(sql, "count(*)", node.count, "persons", scope)
        first_seen = node.first_seen_days_ago
        if first_seen is not None:
            return sql.add(" HAVING ").extend(comparison_sql(self.days_ago(first), first_seen))
        if node.last_seen_days_ago is not None:
            return sql.add(" HAVING ").extend(
                comparison_sql(self.days_ago(last), node.last_seen_days_ago)
            )
        return sql

    def days_ago(self, column: str) -> str:
        # Elapsed fractional days; ``now`` is bound where the text is used.
        now = self.now.isoformat(sep=" ")
        return f"((epoch(CAST('{now}' AS TIMESTAMP)) - epoch({column})) / 86400.0)"

    def measured(
        self, grouped: Sql, measure: str, comparison: Comparison, kind: Target, scope: str | None
    ) -> Sql:
        """``HAVING measure <comparison>``; when zero satisfies it, people with no matching
        rows match too: the universe minus those whose measure fails it."""
        if not admits_zero(comparison):
            return grouped.add(" HAVING ").extend(comparison_sql(measure, comparison))
        failing = grouped.add(" HAVING NOT ").extend(comparison_sql(measure, comparison))
        return self.universe(kind, scope).add("\nEXCEPT\n(").extend(failing).add(")")

    def event_counts(self, node: Event, scope: str | None) -> Sql:
        """Counts and first/last times over all time come from the per-person event counts."""
        sql = Sql().add("SELECT person_id AS id FROM person_event_counts WHERE ")
        if node.name in PAGE_EVENTS:
            sql.add(
                "(type = ? OR (type = 'track' AND name = ?))", PAGE_EVENTS[node.name], node.name
            )
        else:
            sql.add("type = 'track' AND name = ?", node.name)
        sql.add(" AND first_at <= ?", self.now)  # nobody has done it before the first time
        self.within(sql, "person_id", scope)
        sql.add(" GROUP BY person_id")
        if node.count is not None:
            return self.measured(sql, "sum(events)", node.count, "persons", scope)
        return self.event_measure(sql, node, "min(first_at)", "max(last_at)", scope)

    def event_property(self, item: PropertyFilter, *, page: bool) -> Sql:
        if page and item.property == "name":
            return condition_sql("e.name", item.condition)
        if item.property in EVENT_COLUMNS:
            return condition_sql(f"CAST(e.{EVENT_COLUMNS[item.property]} AS VARCHAR)",
                                 item.condition)  # fmt: skip
        condition = condition_sql("json_extract_string(e.properties, $path)", item.condition)
        return _bind_path(condition, json_path(item.property))

    def event_number(self, name: str) -> str:
        if name in EVENT_COLUMNS:
            return f"TRY_CAST(e.{EVENT_COLUMNS[name]} AS DOUBLE)"
        # The path is validated (letters, digits, _ and dots): safe as a literal JSON path.
        return f"TRY_CAST(json_extract_string(e.properties, '{json_path(name)}') AS DOUBLE)"

    def order(self, node: Order, scope: str | None) -> Sql:
        sql = Sql().add("SELECT o.person_id AS id FROM orders o WHERE o.person_id IS NOT NULL")
        if not any(item.property == "status" for item in node.where):
            sql.add(" AND o.status <> 'cancelled'")
        sql.extend(self.window(node.window, "o.placed_at"))
        for item in node.where:
            sql.add(" AND ")
            if item.property in ORDER_LINE_FIELDS:
                sql.add(
                    "EXISTS (SELECT 1 FROM order_lines l WHERE l.source_id = o.source_id "
                    "AND l.order_id = o.order_id AND "
                )
                sql.extend(condition_sql(f"l.{item.property}", item.condition)).add(")")
            else:
                sql.extend(condition_sql(f"CAST(o.{item.property} AS VARCHAR)", item.condition))
        self.within(sql, "o.person_id", scope)
        sql.add(" GROUP BY o.person_id")
        if node.aggregate is not None:
            assert node.aggregate_property is not None
            assert node.aggregate_comparison is not None
            value = f"CAST(o.{node.aggregate_property} AS DOUBLE)"
            if node.aggregate == "sum":
                return self.measured(sql, f"coalesce(sum({value}), 0)", node.aggregate_comparison,
                                     "persons", scope)  # fmt: skip
            return sql.add(" HAVING ").extend(
                comparison_sql(f"{node.aggregate}({value})", node.aggregate_comparison)
            )
        return self.event_measure(sql, node, "min(o.placed_at)", "max(o.placed_at)", scope)

    def people(self, node: People, scope: str | None) -> Sql:
        inner = None
        if scope is not None:
            inner = f"SELECT person_id FROM person_accounts WHERE account_id IN ({scope})"  # noqa: S608
        sql = Sql().add(
            "SELECT account_id AS id FROM person_accounts WHERE NOT has_left AND person_id IN ("
        )
        sql.extend(self.node(node.rule, scope=inner, kind="persons")).add(")")
        self.within(sql, "account_id", scope)
        sql.add(" GROUP BY account_id")
        return self.measured(sql, "count(DISTINCT person_id)", node.count, "accounts", scope)


def _bind_path(condition: Sql, path: str) -> Sql:
    """Replace each ``$path`` marker with a parameter, keeping parameters in textual order."""
    pieces = condition.text.split("$path")
    remaining = list(condition.parameters)
    sql = Sql()
    for index, piece in enumerate(pieces):
        count = piece.count("?")
        sql.add(piece, *remaining[:count])
        del remaining[:count]
        if index < len(pieces) - 1:
            sql.add("?", path)
    assert not remaining
    return sql


def event_filters_sql(where: Sequence[PropertyFilter], *, page: bool = False) -> Sql:
    """`` AND <filter>`` for each property filter, over an events row aliased ``e`` (flows
    use it for their event triggers)."""
    compiler = _Compiler(datetime(2000, 1, 1, tzinfo=UTC), "events")  # filters use no clock
    sql = Sql()
    for item in where:
        sql.add(" AND ").extend(compiler.event_property(item, page=page))
    return sql
