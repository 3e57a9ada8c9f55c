"""The mapping table has no foreign key to persons (merge history outlives the merged
person), so deleting a person frees their identifiers explicitly; afterwards no newest
version names a person who is gone."""

from __future__ import annotations

from sqlalchemy import insert, select

from twofold.identity.mappings import current_identifiers, owners_of, reassign_identifiers
from twofold.persons.actions import create_person, delete_person, get_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import IdentityMapping, User


def mapping(kind: str, value: str, version: int, person_id: int) -> dict[str, object]:
    return {
        "kind": kind,
        "value": value,
        "version": version,
        "person_id": person_id,
        "reason": "identify",
    }


def test_reassigning_adds_versions_and_deleting_frees_what_the_person_owned(
    database: Database, admin: User
) -> None:
    with database.transaction() as session:
        first = create_person(session, actor=admin, data=PersonCreate(first_name="One")).id
        second = create_person(session, actor=admin, data=PersonCreate(first_name="Two")).id
        session.execute(
            insert(IdentityMapping),
            [
                mapping("user_id", "u-1", 1, first),
                mapping("anonymous_id", "d-1", 1, second),
                mapping("anonymous_id", "d-2", 1, first),  # then the second person's
                mapping("anonymous_id", "d-2", 2, second),
            ],
        )
        assert [(i.kind, i.value) for i in current_identifiers(session, first)] == [
            ("user_id", "u-1")
        ]
        moved = reassign_identifiers(
            session, from_person_id=second, to_person_id=first, reason="merge"
        )
        assert moved == 2
        assert owners_of(session, [("anonymous_id", "d-1"), ("anonymous_id", "d-2")]) == {
            ("anonymous_id", "d-1"): first,
            ("anonymous_id", "d-2"): first,
        }
        # Give d-2 back to the second person, then delete the first person.
        session.execute(insert(IdentityMapping), [mapping("anonymous_id", "d-2", 4, second)])
        delete_person(session, actor=admin, person=get_person(session, first))
        rows = session.execute(
            select(
                IdentityMapping.value, IdentityMapping.version, IdentityMapping.person_id
            ).order_by(IdentityMapping.value, IdentityMapping.version)
        ).all()
    # u-1 and d-1 (owned by the first person) are gone in every version; d-2 keeps the
    # versions of the second person, and the rows that named the first person are gone.
    assert [tuple(row) for row in rows] == [("d-2", 2, second), ("d-2", 4, second)]
