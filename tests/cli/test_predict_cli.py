"""``twofold predict clv``: the CDNOW parameters from a CSV, and every bad input refused with
a message on stderr and a non-zero exit."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from twofold.cli import predict
from twofold.cli.main import app

CDNOW = Path(__file__).resolve().parent.parent / "data" / "cdnow" / "CDNOW_sample.txt"
COLUMNS = ["--customer-col", "customer", "--date-col", "date", "--amount-col", "amount"]


def write_cdnow_csv(path: Path) -> Path:
    """The CDNOW sample as a CSV with a header and ISO dates."""
    lines = ["customer,date,amount"]
    for line in CDNOW.read_text().splitlines():
        _, customer, day, _, amount = line.split()
        lines.append(f"{customer},{day[:4]}-{day[4:6]}-{day[6:]},{amount}")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_csv(path: Path, rows: list[str], header: str = "customer,date,amount") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["predict", "clv", *args])
    return result.exit_code, result.stdout, result.stderr


def same_to_three_figures(actual: float, published: float) -> bool:
    unit = 10.0 ** (math.floor(math.log10(abs(published))) - 2)
    return abs(actual - published) <= unit / 2


def test_cdnow_from_the_command_line_prints_the_published_parameters(tmp_path: Path) -> None:
    csv = write_cdnow_csv(tmp_path / "cdnow.csv")
    args = ["--transactions", str(csv), *COLUMNS, "--calibration-end", "1997-09-30", "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "twofold.cli", "predict", "clv", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = orjson.loads(result.stdout)
    assert printed["model"] == "bgnbd"
    assert printed["customers"] == 2357
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert set(printed["purchases"]) == set(published)
    for name, value in published.items():
        assert same_to_three_figures(printed["purchases"][name], value), name
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert same_to_three_figures(printed["spend"][name], value), name
    assert printed["log_likelihood"] == pytest.approx(-9582.4, abs=0.05)


def test_paretonbd_and_the_table(tmp_path: Path) -> None:
    csv = write_cdnow_csv(tmp_path / "cdnow.csv")
    base = ["--transactions", str(csv), *COLUMNS, "--calibration-end", "1997-09-30"]
    code, out, _ = invoke(*base, "--model", "paretonbd", "--json")
    assert code == 0
    printed = orjson.loads(out)
    assert printed["model"] == "paretonbd"
    for name, value in {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.666}.items():
        assert same_to_three_figures(printed["purchases"][name], value), name
    code, out, _ = invoke(*base)
    assert code == 0
    assert "bgnbd + Gamma-Gamma, 2357 customers" in out
    assert "gamma-gamma" in out


def test_large_files_show_progress_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(predict, "PROGRESS_FROM_BYTES", 0)
    csv = write_cdnow_csv(tmp_path / "cdnow.csv")
    code, out, err = invoke(
        "--transactions", str(csv), *COLUMNS, "--calibration-end", "1997-09-30", "--json"
    )
    assert code == 0
    assert orjson.loads(out)["customers"] == 2357  # stdout stays pure JSON
    for phase in ("Reading the file", "Summarising customers", "BG/NBD", "Gamma-Gamma"):
        assert phase in err


ROWS = [f"c{i % 30},2024-0{1 + i % 6}-1{i % 9},{10 + i % 7}.50" for i in range(200)]


@pytest.mark.parametrize(
    ("rows", "header", "extra", "message"),
    [
        (ROWS, "client,date,amount", [], "no customer column 'customer'; its columns are: client"),
        (ROWS, "customer,day,amount", [], "no date column 'date'"),
        (ROWS, "customer,date,total", [], "no amount column 'amount'"),
        (
            [*ROWS[:40], "c1,31/01/2024,12.00", *ROWS[40:]],
            None,
            [],
            "row 41 (line 42): the date '31/01/2024' (date) is not an ISO date",
        ),
        (
            [*ROWS[:7], "c1,2024-02-30,12.00", *ROWS[7:]],
            None,
            [],
            "row 8 (line 9): the date '2024-02-30'",
        ),
        (
            [*ROWS, "c1,2024-01-12,-5.00"],
            None,
            [],
            "row 201 (line 202): the amount '-5.00' (amount) is negative",
        ),
        (
            [*ROWS[:150], "c1,2024-01-12,12,50x", *ROWS[150:]],
            None,
            [],
            "row 151 (line 152): Expected Number of Columns: 3 Found: 4",
        ),
        ([*ROWS[:3], "c1,2024-01-12,twelve"], None, [], "row 4 (line 5): the amount 'twelve'"),
        (
            [*ROWS[:3], ",2024-01-12,3.00"],
            None,
            [],
            "row 4 (line 5): the customer (customer) is empty",
        ),
        (
            ROWS,
            None,
            ["--date-format", "%d/%m/%Y"],
            "row 1 (line 2): the date '2024-01-10' (date) is not %d/%m/%Y",
        ),
        (
            [row for row in ROWS if row.split(",")[0] in {f"c{i}" for i in range(9)}],
            None,
            [],
            "a purchase model needs at least 10 customers; the data has 7",  # 2 start later
        ),
        (
            [f"c{i},2024-0{1 + i % 6}-{1 + i % 28:02d},5.00" for i in range(60)],
            None,
            [],
            "no customer made a repeat purchase",
        ),
    ],
)
def test_bad_files_are_refused(
    tmp_path: Path, rows: list[str], header: str | None, extra: list[str], message: str
) -> None:
    csv = write_csv(tmp_path / "t.csv", rows, header or "customer,date,amount")
    code, out, err = invoke(
        "--transactions", str(csv), *COLUMNS, "--calibration-end", "2024-04-30", *extra
    )
    assert code == 1
    assert out == ""
    assert message in err, err


@pytest.mark.parametrize("end", ["2023-12-31", "2024-07-01"])
def test_a_calibration_end_outside_the_data_is_refused(tmp_path: Path, end: str) -> None:
    csv = write_csv(tmp_path / "t.csv", ROWS)
    code, _, err = invoke("--transactions", str(csv), *COLUMNS, "--calibration-end", end)
    assert code == 1
    assert "outside the data range 2024-01-10 .. 2024-06-18" in err


def test_a_missing_file_and_a_malformed_date_option(tmp_path: Path) -> None:
    code, _, err = invoke(
        "--transactions", str(tmp_path / "none.csv"), *COLUMNS, "--calibration-end", "2024-04-30"
    )
    assert code == 1
    assert "there is no file" in err
    csv = write_csv(tmp_path / "t.csv", ROWS)
    code, _, err = invoke("--transactions", str(csv), *COLUMNS, "--calibration-end", "30/04/2024")
    assert code != 0
    assert "calibration-end" in err
