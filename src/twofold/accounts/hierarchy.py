"""Account hierarchies: cycle checks, subtrees and the roll-ups over them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import CTE, func, literal, select
from sqlalchemy.orm import Session

from twofold.core.enums import StageKind
from twofold.core.errors import ValidationFailed
from twofold.store.models import Account, Deal, Membership, Stage

MAX_DEPTH = 50


def ensure_valid_parent(session: Session, *, account_id: int | None, new_parent_id: int) -> None:
    """Refuse a parent that makes a cycle or a hierarchy deeper than ``MAX_DEPTH`` levels.

    Capping the depth on every write keeps every walk up or down the tree bounded and exact.
    """
    if new_parent_id == account_id:
        raise ValidationFailed.on("parent_id", "an account cannot be its own parent")
    ancestors = ancestor_ids(session, new_parent_id)
    if account_id is not None and account_id in ancestors:
        raise ValidationFailed.on(
            "parent_id", f"account {new_parent_id} is inside this account's hierarchy (a cycle)"
        )
    height = 0
    if account_id is not None:
        tree = subtree(account_id)
        height = int(session.scalar(select(func.max(tree.c.depth))) or 0)
    if len(ancestors) + height + 1 > MAX_DEPTH:
        raise ValidationFailed.on("parent_id", f"hierarchies are limited to {MAX_DEPTH} levels")


def ancestor_ids(session: Session, account_id: int) -> list[int]:
    """Ids from ``account_id`` up to its root, nearest first (the account itself included)."""
    chain: list[int] = []
    current: int | None = account_id
    while current is not None and current not in chain and len(chain) < MAX_DEPTH:
        chain.append(current)
        current = session.scalar(select(Account.parent_id).where(Account.id == current))
    return chain


def subtree(account_id: int) -> CTE:
    """A recursive CTE of ``(id, depth)`` for the account and everything below it."""
    base = select(Account.id.label("id"), literal(0).label("depth")).where(Account.id == account_id)
    tree = base.cte("account_subtree", recursive=True)
    children = select(Account.id, tree.c.depth + 1).join(tree, Account.parent_id == tree.c.id)
    return tree.union_all(children.where(tree.c.depth < MAX_DEPTH))


@dataclass
class Rollup:
    """Totals over an account and all its subsidiaries; money per currency."""

    accounts: int = 0
    people: int = 0
    open_pipeline: dict[str, Decimal] = field(default_factory=dict)
    won_revenue: dict[str, Decimal] = field(default_factory=dict)
    open_deals: int = 0


def account_rollup(session: Session, account_id: int) -> Rollup:
    """Open pipeline, won revenue, people and accounts over the subtree of ``account_id``."""
    tree = subtree(account_id)
    ids = select(tree.c.id)
    rollup = Rollup(accounts=int(session.scalar(select(func.count()).select_from(tree)) or 0))
    rollup.people = int(
        session.scalar(
            select(func.count(func.distinct(Membership.person_id))).where(
                Membership.account_id.in_(ids), Membership.ended_on.is_(None)
            )
        )
        or 0
    )
    money_query = (
        select(Stage.kind, Deal.currency, func.sum(Deal.amount), func.count())
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.account_id.in_(ids))
        .group_by(Stage.kind, Deal.currency)
    )
    open_pipeline: dict[str, Decimal] = defaultdict(Decimal)
    won: dict[str, Decimal] = defaultdict(Decimal)
    for kind, currency, total, count in session.execute(money_query):
        if kind == StageKind.OPEN:
            open_pipeline[currency] += Decimal(total or 0)
            rollup.open_deals += int(count)
        elif kind == StageKind.WON:
            won[currency] += Decimal(total or 0)
    rollup.open_pipeline = dict(sorted(open_pipeline.items()))
    rollup.won_revenue = dict(sorted(won.items()))
    return rollup


@dataclass
class HierarchyNode:
    """An account in a hierarchy tree, with its children."""

    id: int
    name: str
    children: list[HierarchyNode] = field(default_factory=list)


def hierarchy_tree(session: Session, account_id: int) -> HierarchyNode:
    """The whole tree the account belongs to, from its root down."""
    root_id = ancestor_ids(session, account_id)[-1]
    tree = subtree(root_id)
    rows = session.execute(
        select(Account.id, Account.name, Account.parent_id)
        .join(tree, tree.c.id == Account.id)
        .order_by(Account.name)
    ).all()
    nodes = {row.id: HierarchyNode(id=row.id, name=row.name) for row in rows}
    for row in rows:
        if row.parent_id in nodes and row.id != root_id:
            nodes[row.parent_id].children.append(nodes[row.id])
    return nodes[root_id]
