"""The import wizard: upload a CSV file, map its columns, check it (a dry run that reports
every problem by row), then import all of it or its valid rows.

The uploaded file waits in ``<home>/uploads/`` under a random name between the steps, so the
browser never sends it twice; the steps carry only that name, the kind, the encoding and
the mapping.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from twofold.api.dependencies import AppSettings
from twofold.core.errors import ValidationFailed
from twofold.csv_import.columns import FIELDS, IMPORT_KINDS, ImportKind
from twofold.csv_import.mapping import suggest_field
from twofold.csv_import.reading import ENCODINGS, read_table
from twofold.csv_import.runner import ImportOptions, import_csv
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.templating import render

router = APIRouter()
MAX_UPLOAD_BYTES = 50_000_000
SHOWN_ROWS = 500
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _uploads(home: Path) -> Path:
    folder = home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _kind(form: FormData) -> ImportKind:
    kind = form_text(form, "kind")
    for known in IMPORT_KINDS:
        if kind == known:
            return known
    raise ValidationFailed.on("kind", "choose accounts, persons, memberships or deals")


def _encoding(form: FormData) -> str:
    encoding = form_text(form, "encoding") or "utf-8"
    if encoding not in ENCODINGS:
        raise ValidationFailed.on("encoding", f"must be one of {', '.join(ENCODINGS)}")
    return encoding


def _stored_file(home: Path, form: FormData) -> Path:
    token = form_text(form, "upload")
    path = _uploads(home) / f"{token}.csv"
    if not _TOKEN.fullmatch(token) or not path.is_file():
        raise ValidationFailed.on("file", "the uploaded file is gone; upload it again")
    return path


def _mapping(form: FormData, header: list[str]) -> dict[str, str | None]:
    return {name: (form_text(form, f"column:{index}") or None) for index, name in enumerate(header)}


@router.get("/import", include_in_schema=False)
def import_start(request: Request, _user: WebUser) -> Response:
    """Step 1: what to import, and the file."""
    context = {"kinds": IMPORT_KINDS, "encodings": ENCODINGS, "fields": FIELDS}
    return render(request, "imports/start.html", context)


@router.post("/import/mapping", include_in_schema=False)
async def import_mapping(
    request: Request, settings: AppSettings, _user: WebFormUser, form: SubmittedForm
) -> Response:
    """Step 2: the file is kept; each column gets a field (recognised names preselected)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed.on("file", "choose a CSV file")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed.on(
            "file", f"files over {MAX_UPLOAD_BYTES // 1_000_000} MB: use the CLI"
        )
    kind, encoding = _kind(form), _encoding(form)
    table = read_table(data, encoding)
    token = secrets.token_urlsafe(24)
    (_uploads(settings.home) / f"{token}.csv").write_bytes(data)
    columns = [(index, name, suggest_field(kind, name)) for index, name in enumerate(table.header)]
    context = {
        "kind": kind,
        "encoding": encoding,
        "upload": token,
        "filename": upload.filename or "upload.csv",
        "rows": len(table.rows),
        "columns": columns,
        "fields": FIELDS[kind],
        "sample": table.rows[:3],
    }
    return render(request, "imports/mapping.html", context)


@router.post("/import/check", include_in_schema=False)
def import_check(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: WebFormUser,
    form: SubmittedForm,
) -> Response:
    """Step 3 (a dry run) or step 4 (``run`` = ``all`` or ``valid``): the report."""
    kind, encoding = _kind(form), _encoding(form)
    path = _stored_file(settings.home, form)
    data = path.read_bytes()
    header = read_table(data, encoding).header
    mapping = _mapping(form, header)
    run = form_text(form, "run")
    options = ImportOptions(
        mapping=mapping,
        encoding=encoding,
        dry_run=run not in {"all", "valid"},
        valid_rows_only=run == "valid",
    )
    report = import_csv(session, actor=user, kind=kind, data=data, options=options)
    if report.imported:
        path.unlink(missing_ok=True)
    context: dict[str, Any] = {
        "kind": kind,
        "encoding": encoding,
        "upload": form_text(form, "upload"),
        "mapping": [(index, name, mapping[name]) for index, name in enumerate(header)],
        "report": report,
        "problems": report.problems[:SHOWN_ROWS],
        "duplicates": report.possible_duplicates[:SHOWN_ROWS],
    }
    return render(request, "imports/report.html", context)
