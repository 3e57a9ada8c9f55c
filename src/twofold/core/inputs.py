"""The base of every input schema: unknown fields, NUL characters and NaN are refused.

Both databases must store exactly what was accepted: PostgreSQL rejects NUL characters and
non-finite JSON numbers that SQLite would keep, so they are refused at the edge for both.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

MAX_NESTING = 32


class InputModel(BaseModel):
    """An input shape: strict about unknown fields, whitespace-trimmed strings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unstorable_values(cls, data: Any) -> Any:
        _check(data, path="body", depth=0)
        return data


def _check(value: Any, *, path: str, depth: int) -> None:
    if depth > MAX_NESTING:
        raise ValueError(f"{path}: nested too deeply")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"{path}: contains a NUL character")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path}: must be a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _check(key, path=path, depth=depth + 1)
            _check(item, path=f"{path}.{key}", depth=depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, path=f"{path}[{index}]", depth=depth + 1)
