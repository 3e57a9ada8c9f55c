"""The org chart of an account, built from its memberships' reporting lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from twofold.store.models import Membership, Person


@dataclass(eq=False)  # identity equality: reporting lines can loop
class OrgNode:
    """A person in the org chart with the people who report to them."""

    membership: Membership
    person: Person
    reports: list[OrgNode] = field(default_factory=list)

    @property
    def has_left(self) -> bool:
        """The person no longer works at the account."""
        return self.membership.ended_on is not None


def org_chart(members: list[tuple[Membership, Person]]) -> list[OrgNode]:
    """The top of each reporting line (people who report to nobody at the account), with trees.

    A reporting line that loops (A reports to B reports to A) cannot have a top; the loop's
    first member is then shown as a top so that nobody disappears from the chart.
    """
    nodes = {membership.person_id: OrgNode(membership, person) for membership, person in members}
    roots: list[OrgNode] = []
    for node in nodes.values():
        manager = nodes.get(node.membership.reports_to_id or -1)
        if manager is None or manager is node:
            roots.append(node)
        else:
            manager.reports.append(node)
    reached = _reachable(roots)
    for node in nodes.values():
        if id(node) not in reached:
            _detach(node, nodes)
            roots.append(node)
            reached |= _reachable([node])
    return roots


def _reachable(roots: list[OrgNode]) -> set[int]:
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(node.reports)
    return seen


def _detach(node: OrgNode, nodes: dict[int, OrgNode]) -> None:
    """Cut the link from the node's manager, breaking the loop it is part of."""
    manager = nodes.get(node.membership.reports_to_id or -1)
    if manager is not None and node in manager.reports:
        manager.reports.remove(node)
