"""Activities over 18 months, linked to deals, accounts and persons, with timeline entries.

This is the biggest phase (tens of millions of rows at the large size), so the inner loop
works on local names and plain tuples.
"""

from __future__ import annotations

import random

from twofold.core.enums import ActivityKind, RecordType
from twofold.core.progress import ProgressReporter
from twofold.demo.bulk import BulkWriter
from twofold.demo.progress import PhaseTicker
from twofold.demo.specs import (
    ACTIVITIES,
    ACTIVITY_ACCOUNTS,
    ACTIVITY_DEALS,
    ACTIVITY_PERSONS,
    TIMELINE,
)
from twofold.demo.words import BODIES, COMPETITORS, OBJECTIONS, OUTCOMES, SUBJECTS
from twofold.demo.world import (
    DAY,
    HISTORY_DAYS,
    AccountFacts,
    DealFacts,
    PersonFacts,
    World,
    weighted,
)
from twofold.timeline import kinds

DEAL_ACTIVITY_SHARE = 0.6
ACCOUNT_ACTIVITY_SHARE = 0.32  # the rest are with consumers
# Kinds repeated by weight: rng.choice on these is several times faster than rng.choices.
_DEAL_KINDS = weighted({
    "call": 22, "meeting": 15, "email": 28, "note": 9, "task": 14, "demo": 7, "proposal": 5,
})  # fmt: skip
_ACCOUNT_KINDS = weighted(
    {"call": 25, "meeting": 12, "email": 35, "note": 13, "task": 15, "support": 4}
)
# Support issues are resolved within this many seconds, except the few still open.
SUPPORT_RESOLVED_WITHIN = 10 * 86_400
SUPPORT_OPEN_SHARE = 0.15
_CONSUMER_KINDS = weighted({"call": 20, "email": 55, "note": 15, "task": 10})
_DEAL, _ACCOUNT, _PERSON = RecordType.DEAL.value, RecordType.ACCOUNT.value, RecordType.PERSON.value
_CONVERSATIONS = frozenset({"call", "meeting", "demo", "proposal"})
_LABELS = {kind.value: kind.value.capitalize() for kind in ActivityKind}


class _Link:
    """The records one activity touches."""

    __slots__ = ("account", "deal", "persons")

    def __init__(self, account: int | None, deal: int | None, persons: list[int]) -> None:
        self.account, self.deal, self.persons = account, deal, persons


def generate_activities(
    world: World, writer: BulkWriter, *, total: int, progress: ProgressReporter
) -> None:
    """Write ``total`` activities with their links and activity-logged timeline entries."""
    accounts, persons, deals = world.accounts, world.persons, world.deals
    if accounts is None or persons is None or deals is None:
        raise RuntimeError("accounts, persons and deals must be generated before activities")
    builder = _ActivityBuilder(world, writer, (accounts, persons, deals), world.rng("activities"))
    ticker = PhaseTicker(progress, writer, "Activities", total)
    for _ in range(total):
        builder.add()
        ticker.tick()
    ticker.done()


class _ActivityBuilder:
    """Makes up one activity at a time."""

    def __init__(
        self,
        world: World,
        writer: BulkWriter,
        facts: tuple[AccountFacts, PersonFacts, DealFacts],
        rng: random.Random,
    ) -> None:
        self._world, self._rng = world, rng
        self._accounts, self._persons, self._deals = facts
        self._values = writer.values
        self._rows = [
            writer.rows(spec)
            for spec in (ACTIVITIES, ACTIVITY_ACCOUNTS, ACTIVITY_PERSONS, ACTIVITY_DEALS, TIMELINE)
        ]
        self._activity_ids, self._timeline_ids = world.ids_for(ACTIVITIES), world.ids_for(TIMELINE)
        self._now = world.clock.now_ts
        self._earliest = self._now - HISTORY_DAYS * DAY
        self._reps = world.team.reps
        self._consumer_owners = world.team.reps + world.team.marketers

    def add(self) -> None:
        """One activity: on a deal, on an account, or with a consumer."""
        rng = self._rng
        roll = rng.random()
        if self._deals.count and roll < DEAL_ACTIVITY_SHARE:
            self._on_deal(rng.randrange(self._deals.count))
        elif (
            roll < DEAL_ACTIVITY_SHARE + ACCOUNT_ACTIVITY_SHARE or not self._persons.consumer_names
        ):
            self._on_account(rng.randrange(self._accounts.count))
        else:
            self._with_consumer(rng.randrange(len(self._persons.consumer_names)))

    def _on_deal(self, index: int) -> None:
        rng, deals = self._rng, self._deals
        start = deals.created[index]
        moment = start + int((deals.active_until[index] - start) * rng.random())
        kind = rng.choice(_DEAL_KINDS)
        deal_id = deals.first_id + index
        account_index = deals.account_index[index]
        if account_index >= 0:
            link = _Link(
                self._accounts.first_id + account_index, deal_id, self._people_at(account_index)
            )
            name = self._accounts.names[account_index]
        else:
            person = deals.person_id[index]
            link = _Link(None, deal_id, [person])
            name = self._persons.consumer_names[person - self._persons.consumer_first_id]
        self._write(kind, name, moment, deals.owner[index], link)

    def _on_account(self, index: int) -> None:
        rng, accounts = self._rng, self._accounts
        start = max(accounts.created[index], self._earliest)
        moment = start + int((self._now - start) * rng.random())
        kind = rng.choice(_ACCOUNT_KINDS)
        link = _Link(accounts.first_id + index, None, self._people_at(index))
        self._write(kind, accounts.names[index], moment, accounts.owner[index], link)

    def _with_consumer(self, offset: int) -> None:
        rng, persons = self._rng, self._persons
        start = max(persons.consumer_created[offset], self._earliest)
        moment = start + int((self._now - start) * rng.random())
        kind = rng.choice(_CONSUMER_KINDS)
        link = _Link(None, None, [persons.consumer_first_id + offset])
        owner = rng.choice(self._consumer_owners)
        self._write(kind, persons.consumer_names[offset], moment, owner, link)

    def _people_at(self, index: int) -> list[int]:
        """Nobody (a note to self), one person, or two people of the account."""
        rng, persons = self._rng, self._persons
        roll, count = rng.random(), persons.count[index]
        if roll < 0.1:
            return []
        start = persons.start[index]
        if roll < 0.88 or count == 1:
            return [start + rng.randrange(count)]
        return [start + offset for offset in rng.sample(range(count), 2)]

    def _write(self, kind: str, name: str, moment: int, owner: int, link: _Link) -> None:
        rng, values = self._rng, self._values
        activity_id = self._activity_ids.take()
        subject = rng.choice(SUBJECTS[kind]).format(name=name)
        body = rng.choice(BODIES[kind]) if rng.random() < 0.6 else None
        occurred_at = values.time(moment)
        due_at = done_at = None
        if kind == "task":
            due = moment + rng.randint(DAY, 14 * DAY)
            due_at = values.time(due)
            if rng.random() < (0.85 if due < self._now else 0.2):
                done = moment + rng.randint(3_600, due - moment + 2 * DAY)
                done_at = values.time(min(self._now, done))
        elif kind == "support" and rng.random() >= SUPPORT_OPEN_SHARE:
            done_at = values.time(
                min(self._now, moment + rng.randint(600, SUPPORT_RESOLVED_WITHIN))
            )
        outcomes = OUTCOMES.get(kind)
        outcome = rng.choice(outcomes) if outcomes and rng.random() < 0.8 else None
        objections = competitors = values.empty_list
        if kind in _CONVERSATIONS:
            if rng.random() < 0.12:
                objections = values.strings(rng.sample(OBJECTIONS, rng.randint(1, 2)))
            if rng.random() < 0.08:
                competitors = values.strings(rng.sample(COMPETITORS, rng.randint(1, 2)))
        activities, accounts, persons, deals, timeline = self._rows
        activities.append((
            activity_id, kind, subject, body, occurred_at, due_at, done_at, outcome, objections,
            competitors, owner, occurred_at, occurred_at, 1,
        ))  # fmt: skip
        logged = (occurred_at, owner, kinds.ACTIVITY_LOGGED, f"{_LABELS[kind]}: {subject}",
                  values.empty_object, activity_id)  # fmt: skip
        take = self._timeline_ids.take
        if link.deal is not None:
            deals.append((activity_id, link.deal))
            timeline.append((take(), _DEAL, link.deal, *logged))
        if link.account is not None:
            accounts.append((activity_id, link.account))
            timeline.append((take(), _ACCOUNT, link.account, *logged))
        for person in link.persons:
            persons.append((activity_id, person))
            timeline.append((take(), _PERSON, person, *logged))
