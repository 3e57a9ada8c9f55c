"""Decoding an uploaded CSV file and splitting it into a header and numbered rows.

Row numbers are the file's line numbers as a spreadsheet shows them (the header is row 1), so
that a problem "in row 12" is found where the user looks for it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from twofold.core.errors import FieldProblem, ValidationFailed

ENCODINGS = ("utf-8", "latin-1", "cp1252")


@dataclass(frozen=True)
class Table:
    """The header and the data rows of a CSV file: ``(row number, cells)``."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def decode(data: bytes, encoding: str = "utf-8") -> str:
    """The file's text; a UTF-8 byte-order mark is dropped. Undecodable bytes are refused
    with the row and byte where they are."""
    if encoding not in ENCODINGS:
        raise ValidationFailed.on("encoding", f"must be one of {', '.join(ENCODINGS)}")
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex()
        hint = " (if the file is Latin-1 or Windows-1252, choose that encoding)"
        message = f"row {row}: byte 0x{byte} is not valid {encoding}"
        raise ValidationFailed(
            f"the file is not {encoding}{hint if encoding == 'utf-8' else ''}",
            details=[FieldProblem("file", message)],
        ) from None


def read_table(data: bytes, encoding: str = "utf-8") -> Table:
    """Parse the decoded file; an empty file or one with blank header names is refused."""
    text = decode(data, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ValidationFailed.on("file", "the file is empty (expected a header row)")
        rows = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as error:
        raise ValidationFailed.on("file", f"row {reader.line_num}: {error}") from None
    names = [name.strip() for name in header]
    blank = [str(index + 1) for index, name in enumerate(names) if not name]
    if blank:
        raise ValidationFailed.on("file", f"header cells {', '.join(blank)} have no name")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValidationFailed.on("file", f"columns named twice: {', '.join(repeated)}")
    return Table(header=names, rows=rows)
