"""Chart data for the economics page, as JSON-able dicts the page script draws with ECharts
(``kind`` bar / heatmap / lines). Every chart also has a table on the page."""

from __future__ import annotations

from typing import Any


def cohort_heatmap(cohorts: list[dict[str, Any]]) -> dict[str, Any]:
    """Cohort (rows) by months since acquisition (columns), retention in %."""
    width = max((len(row["retention"]) for row in cohorts), default=0)
    cells = [
        [months, index, value]
        for index, row in enumerate(cohorts)
        for months, value in enumerate(row["retention"])
        if value is not None and months > 0
    ]
    return {
        "kind": "heatmap",
        "x": [str(months) for months in range(width)],
        "y": [row["cohort"] for row in cohorts],
        "cells": cells,
        "max": max((cell[2] for cell in cells), default=100),
        "unit": "%",
        "x_name": "months since first purchase",
    }


def distribution_bars(title: str, labels: list[str], counts: list[int]) -> dict[str, Any]:
    """One series of bars: persons per band."""
    return {"kind": "bar", "x": labels, "series": [{"name": title, "values": counts}]}


def rfm_heatmap(grid: dict[str, Any]) -> dict[str, Any]:
    """Persons per recency score (rows 1-5) and FM score (columns 1-5)."""
    return {
        "kind": "heatmap",
        "x": ["1", "2", "3", "4", "5"],
        "y": ["1", "2", "3", "4", "5"],
        "cells": [[cell["fm"] - 1, cell["r"] - 1, cell["persons"]] for cell in grid["cells"]],
        "max": max((cell["persons"] for cell in grid["cells"]), default=1),
        "unit": "",
        "x_name": "FM score",
        "y_name": "R score",
    }


def holdout_bars(holdout: dict[str, Any]) -> dict[str, Any]:
    """Mean purchases in the holdout per calibration-purchase group: actual and expected."""
    groups = holdout.get("groups", [])
    return {
        "kind": "bar",
        "x": [group["label"] for group in groups],
        "series": [
            {"name": "Actual", "values": [round(group["actual"], 3) for group in groups]},
            {
                "name": "Expected (BG/NBD)",
                "values": [round(group["expected"], 3) for group in groups],
            },
        ],
        "x_name": "repeat purchases in the calibration period",
    }
