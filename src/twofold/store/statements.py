"""Running bulk UPDATE and DELETE statements and knowing how many rows they touched."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update
from sqlalchemy.orm import Session


def affected_rows(session: Session, statement: Update | Delete) -> int:
    """Execute ``statement``; the number of rows it changed or removed.

    Objects already loaded into the session are not synchronised: callers run these
    statements on rows they have not loaded (or reload them afterwards).
    """
    options = statement.execution_options(synchronize_session=False)
    result = cast(CursorResult[Any], session.execute(options))
    return int(result.rowcount)
