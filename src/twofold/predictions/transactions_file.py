"""Read a transactions CSV (customer, date, amount columns) with DuckDB into ``Transactions``.

DuckDB reads and checks the file in bulk; the first bad row is reported by its number: data
rows count from 1 after the header, so row N is line N + 1 of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.predictions.errors import BadTransactions
from twofold.predictions.summaries import Transactions


@dataclass(frozen=True)
class TransactionColumns:
    """Which columns of the file hold the customer, the purchase date and its amount; dates
    are ISO (2024-03-01, optionally with a time) unless ``date_format`` (strptime) says."""

    customer: str
    date: str
    amount: str
    date_format: str | None = None
    delimiter: str = ","


def read_transactions_csv(
    path: Path, columns: TransactionColumns, *, progress: ProgressReporter | None = None
) -> Transactions:
    """The file's purchases as arrays; ``BadTransactions`` names the first bad row."""
    reporter = progress or SilentProgress()
    connection = duckdb.connect()
    try:
        reporter.start("Reading the file", 1)
        _load(connection, path, columns.delimiter)
        reporter.advance(1)
        reporter.start("Checking the rows", 1)
        _check_columns(connection, columns)
        _parse(connection, columns)
        reporter.advance(1)
        return _arrays(connection)
    finally:
        connection.close()


def _load(connection: duckdb.DuckDBPyConnection, path: Path, delimiter: str) -> None:
    if not path.is_file():
        raise BadTransactions(f"there is no file {path}")
    try:
        # store_rejects keeps malformed lines aside with their line numbers, so the error can
        # name the first one instead of failing the whole read with DuckDB's own message
        connection.execute(
            """
            CREATE TABLE raw AS SELECT * FROM read_csv(
                ?, all_varchar = true, header = true, delim = ?, store_rejects = true)
            """,
            [str(path), delimiter],
        )
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        raise BadTransactions(f"cannot read {path} as CSV: {first_line}") from None
    rejected = connection.execute(
        "SELECT line, error_message FROM reject_errors ORDER BY line LIMIT 1"
    ).fetchone()
    if rejected is not None:
        line, message = rejected
        raise BadTransactions(f"{_row(int(line) - 1)}: {message}")


def _row(number: int) -> str:
    return f"row {number} (line {number + 1})"


def _check_columns(connection: duckdb.DuckDBPyConnection, columns: TransactionColumns) -> None:
    present = [row[0] for row in connection.execute("DESCRIBE raw").fetchall()]
    for role, name in (
        ("customer", columns.customer),
        ("date", columns.date),
        ("amount", columns.amount),
    ):
        if name not in present:
            raise BadTransactions(
                f"the file has no {role} column {name!r}; its columns are: {', '.join(present)}"
            )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _parse(connection: duckdb.DuckDBPyConnection, columns: TransactionColumns) -> None:
    customer, day, amount = (_quoted(c) for c in (columns.customer, columns.date, columns.amount))
    if columns.date_format is None:
        parsed_day = (
            f"COALESCE(TRY_CAST({day} AS DATE), TRY_CAST(TRY_CAST({day} AS TIMESTAMP) AS DATE))"
        )
        parameters: list[str] = []
    else:
        parsed_day = f"TRY_STRPTIME({day}, ?)::DATE"
        parameters = [columns.date_format]
    connection.execute(
        f"""
        CREATE TABLE parsed AS
        SELECT rowid + 1 AS row_number, trim({customer}) AS customer, {day} AS day_text,
               {parsed_day} AS day, {amount} AS amount_text,
               TRY_CAST(trim({amount}) AS DOUBLE) AS amount
        FROM raw
        """,  # noqa: S608 - column names are quoted identifiers, values are parameters
        parameters,
    )
    bad = connection.execute(
        """
        SELECT row_number, customer, day_text, day, amount_text, amount FROM parsed
        WHERE customer IS NULL OR customer = '' OR day IS NULL OR amount IS NULL
              OR NOT isfinite(amount) OR amount < 0
        ORDER BY row_number LIMIT 1
        """
    ).fetchone()
    if bad is not None:
        raise BadTransactions(_problem(bad, columns))


def _problem(row: tuple[object, ...], columns: TransactionColumns) -> str:
    number, customer, day_text, day, amount_text, amount = row
    if not customer:
        what = f"the customer ({columns.customer}) is empty"
    elif day is None:
        expected = columns.date_format or "an ISO date like 2024-03-01"
        what = f"the date {day_text!r} ({columns.date}) is not {expected}"
    elif amount is None or not np.isfinite(float(str(amount))):
        what = f"the amount {amount_text!r} ({columns.amount}) is not a number"
    else:
        what = f"the amount {amount_text!r} ({columns.amount}) is negative"
    return f"{_row(int(str(number)))}: {what}"


def _arrays(connection: duckdb.DuckDBPyConnection) -> Transactions:
    connection.execute(
        """
        CREATE TABLE customers AS
        SELECT customer, (row_number() OVER (ORDER BY customer) - 1)::BIGINT AS code
        FROM (SELECT DISTINCT customer FROM parsed)
        """
    )
    columns = connection.execute(
        """
        SELECT customers.code,
               date_diff('day', DATE '1970-01-01', parsed.day)::BIGINT AS day,
               parsed.amount
        FROM parsed JOIN customers USING (customer)
        """
    ).fetchnumpy()
    ids = connection.execute("SELECT customer FROM customers ORDER BY code").fetchnumpy()
    return Transactions(
        customers=np.asarray(columns["code"], dtype=np.int64),
        days=np.asarray(columns["day"], dtype=np.int64),
        amounts=np.asarray(columns["amount"], dtype=np.float64),
        customer_ids=np.asarray(ids["customer"], dtype=object),
    )
