"""The duplicate review queue: scan, list, dismiss, and close pairs a merge settled."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, aliased

from twofold.auth.permissions import ensure_can_write
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.core.time import utcnow
from twofold.duplicates.facts import count_records, stored_account_facts, stored_person_facts
from twofold.duplicates.matching import Match, RecordFilter, account_matches, person_matches
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Account, DuplicateCandidate, Person, User
from twofold.store.statements import affected_rows

Kind = Literal["persons", "accounts"]
KINDS: tuple[Kind, ...] = ("persons", "accounts")
OPEN, MERGED, DISMISSED = "open", "merged", "dismissed"
INSERT_BATCH = 5_000
Item = TypeVar("Item")


@dataclass(frozen=True)
class ScanReport:
    """What a scan looked at and found: ``found`` pairs, of which ``added`` are new."""

    kind: Kind
    records: int
    found: int
    added: int


def check_kind(kind: str) -> Kind:
    """``persons`` or ``accounts``, or ``ValidationFailed``."""
    if kind not in KINDS:
        raise ValidationFailed.on("kind", "must be persons or accounts")
    return "persons" if kind == "persons" else "accounts"


def find_matches(
    session: Session,
    kind: Kind,
    *,
    progress: ProgressReporter | None = None,
    focus: RecordFilter | None = None,
) -> list[Match]:
    """Every candidate pair among the stored records of ``kind``."""
    progress = progress or SilentProgress()
    progress.start(f"Reading {kind}", count_records(session, kind))
    if kind == "persons":
        persons = list(_counted(stored_person_facts(session), progress))
        progress.start("Comparing persons", 1)
        matches = person_matches(persons, focus=focus)
    else:
        accounts = list(_counted(stored_account_facts(session), progress))
        progress.start("Comparing accounts", 1)
        matches = account_matches(accounts, focus=focus)
    progress.advance(1)
    return matches


def scan_duplicates(
    session: Session,
    *,
    actor: User | None,
    kind: Kind,
    progress: ProgressReporter | None = None,
    focus: RecordFilter | None = None,
) -> ScanReport:
    """Find the candidate pairs of ``kind`` and queue the ones never proposed before
    (a dismissed or merged pair is not proposed again)."""
    if actor is not None:
        ensure_can_write(actor)
    matches = find_matches(session, kind, progress=progress, focus=focus)
    added = queue_matches(session, kind=kind, matches=matches)
    records = count_records(session, kind)
    return ScanReport(kind=kind, records=records, found=len(matches), added=added)


def queue_matches(session: Session, *, kind: Kind, matches: Sequence[Match]) -> int:
    """Insert the pairs not in the queue yet (in batches); how many were added."""
    pairs = select(DuplicateCandidate.record_id, DuplicateCandidate.other_record_id).where(
        DuplicateCandidate.kind == kind
    )
    known = {(int(low), int(high)) for low, high in session.execute(pairs)}
    now = utcnow()
    rows = [
        {
            "kind": kind,
            "record_id": match.record_id,
            "other_record_id": match.other_record_id,
            "score": match.score,
            "reasons": match.reasons,
            "status": OPEN,
            "created_at": now,
        }
        for match in matches
        if (match.record_id, match.other_record_id) not in known
    ]
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(DuplicateCandidate), rows[start : start + INSERT_BATCH])
    return len(rows)


def list_candidates(
    session: Session, *, kind: Kind, status: str | None = OPEN, page: PageRequest
) -> Page[DuplicateCandidate]:
    """Candidates of ``kind`` (and ``status``; None: all), best score first; pairs whose
    records no longer both exist are left out."""
    model: type[Person] | type[Account] = Person if kind == "persons" else Account
    first, second = aliased(model), aliased(model)
    query = (
        select(DuplicateCandidate)
        .join(first, first.id == DuplicateCandidate.record_id)
        .join(second, second.id == DuplicateCandidate.other_record_id)
        .where(DuplicateCandidate.kind == kind)
    )
    if status is not None:
        query = query.where(DuplicateCandidate.status == status)
    return paginate(
        session,
        query,
        page=page,
        sortable={"score": DuplicateCandidate.score},
        default_sort="-score",
        id_column=DuplicateCandidate.id,
    )


def get_candidate(session: Session, candidate_id: int) -> DuplicateCandidate:
    """The candidate with this id, or ``NotFound``."""
    candidate = session.get(DuplicateCandidate, candidate_id)
    if candidate is None:
        raise NotFound(f"no duplicate candidate {candidate_id}")
    return candidate


def dismiss_candidate(session: Session, *, actor: User, candidate_id: int) -> DuplicateCandidate:
    """Not a duplicate: close the pair; scans never propose it again."""
    ensure_can_write(actor)
    candidate = get_candidate(session, candidate_id)
    if candidate.status != OPEN:
        raise Conflict(f"duplicate candidate {candidate_id} is already {candidate.status}")
    candidate.status = DISMISSED
    candidate.decided_at = utcnow()
    candidate.decided_by_id = actor.id
    session.flush()
    return candidate


def settle_after_merge(
    session: Session, *, actor: User | None, kind: Kind, into_id: int, from_id: int
) -> None:
    """The pair a merge joined is ``merged``; other open pairs of the merged-away record are
    dropped (it no longer exists; the next scan compares the survivor again)."""
    low, high = sorted((into_id, from_id))
    of_kind = DuplicateCandidate.kind == kind
    affected_rows(
        session,
        update(DuplicateCandidate)
        .where(
            of_kind,
            DuplicateCandidate.record_id == low,
            DuplicateCandidate.other_record_id == high,
        )
        .values(status=MERGED, decided_at=utcnow(), decided_by_id=actor.id if actor else None),
    )
    stale = (DuplicateCandidate.record_id == from_id) | (
        DuplicateCandidate.other_record_id == from_id
    )
    affected_rows(
        session, delete(DuplicateCandidate).where(of_kind, stale, DuplicateCandidate.status == OPEN)
    )


def _counted(items: Iterable[Item], progress: ProgressReporter) -> Iterator[Item]:
    for count, item in enumerate(items, start=1):
        yield item
        if count % 10_000 == 0:
            progress.advance(10_000)
