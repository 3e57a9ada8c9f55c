"""Identity mappings outlive the person they once pointed to (merge history is kept).

Revision ID: 0006_mapping_history
Revises: 0005_forecasting
Create Date: 2026-11-24

Merging person B into A adds a new version of each of B's mappings pointing to A and then
deletes B. With the foreign key (``ON DELETE CASCADE``) that delete would also remove B's
older versions, rewriting the history that the append-only table exists to keep. The column
stays indexed; deleting a person now removes its mappings explicitly (``identity.mappings``),
and erasure removes them on purpose. See docs/decisions/0009-merge-and-privacy.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_mapping_history"
down_revision = "0005_forecasting"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_identity_mappings_person_id_persons"


def upgrade() -> None:
    with op.batch_alter_table("identity_mappings", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")


def downgrade() -> None:
    # Rows of persons deleted since (merged away) would break the constraint: drop them first.
    op.execute(
        sa.text("DELETE FROM identity_mappings WHERE person_id NOT IN (SELECT id FROM persons)")
    )
    with op.batch_alter_table("identity_mappings", schema=None) as batch_op:
        batch_op.create_foreign_key(
            FOREIGN_KEY, "persons", ["person_id"], ["id"], ondelete="CASCADE"
        )
