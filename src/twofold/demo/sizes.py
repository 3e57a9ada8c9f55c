"""How big a demo company to build: named sizes, a scale factor, or explicit counts."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

SIZE_FIELDS = ("accounts", "persons", "deals", "activities")
_LARGEST_SCALE = 100_000.0
_LARGEST_COUNT = 1_000_000_000


@dataclass(frozen=True)
class DemoSize:
    """Counts of the main records the demo generator creates (links and history follow)."""

    accounts: int
    persons: int
    deals: int
    activities: int

    def __post_init__(self) -> None:
        for name in SIZE_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"demo size: {name} must be a whole number >= 0, got {value!r}")
            if value > _LARGEST_COUNT:
                raise ValueError(f"demo size: {name} must be at most {_LARGEST_COUNT:,}")
        if self.accounts < 1:
            raise ValueError("demo size: accounts must be at least 1")
        if self.persons < self.accounts:
            raise ValueError(
                "demo size: persons must be at least accounts (every account gets a CEO), "
                f"got persons={self.persons} < accounts={self.accounts}"
            )

    @classmethod
    def parse(cls, text: str) -> DemoSize:
        """Read ``default``, ``small``, ``large``, ``scale=N`` or ``accounts=..,persons=..``."""
        cleaned = text.strip().lower()
        if cleaned in NAMED_SIZES:
            return NAMED_SIZES[cleaned]
        if cleaned.startswith("scale="):
            return _scaled(cleaned.removeprefix("scale="))
        if "=" in cleaned:
            return _explicit(cleaned)
        raise ValueError(
            f"unknown demo size {text!r}: use one of {', '.join(NAMED_SIZES)}, 'scale=N' "
            "or 'accounts=N,persons=N,deals=N,activities=N'"
        )

    def scaled(self, factor: float) -> DemoSize:
        """This size with every count multiplied by ``factor`` (at least one account)."""
        counts = {name: round(getattr(self, name) * factor) for name in SIZE_FIELDS}
        counts["accounts"] = max(1, counts["accounts"])
        counts["persons"] = max(counts["accounts"], counts["persons"])
        return replace(self, **counts)

    def describe(self) -> str:
        """``accounts=300,persons=2000,...``: the explicit form that ``parse`` reads back."""
        return ",".join(f"{field.name}={getattr(self, field.name)}" for field in fields(self))


DEFAULT_SIZE = DemoSize(accounts=300, persons=2_000, deals=600, activities=10_000)
NAMED_SIZES = {
    "small": DemoSize(accounts=30, persons=200, deals=60, activities=1_000),
    "default": DEFAULT_SIZE,
    # A tenth of ``large`` with the same shape (10 people, 1 deal, 100 activities per account):
    # big enough that an account's page and the searches behave as at full scale, seeded in
    # about a minute instead of fifteen.
    "medium": DemoSize(accounts=10_000, persons=100_000, deals=100_000, activities=1_000_000),
    "large": DemoSize(accounts=100_000, persons=1_000_000, deals=1_000_000, activities=10_000_000),
}


def _scaled(factor_text: str) -> DemoSize:
    try:
        factor = float(factor_text)
    except ValueError:
        raise ValueError(f"demo size: scale must be a number, got {factor_text!r}") from None
    if not 0 < factor <= _LARGEST_SCALE:
        raise ValueError(
            f"demo size: scale must be > 0 and <= {_LARGEST_SCALE:g}, got {factor_text}"
        )
    return DEFAULT_SIZE.scaled(factor)


def _explicit(text: str) -> DemoSize:
    counts: dict[str, int] = {}
    for part in text.split(","):
        name, separator, value = (piece.strip() for piece in part.partition("="))
        if not separator or name not in SIZE_FIELDS:
            raise ValueError(
                f"demo size: {part.strip()!r} should be one of {', '.join(SIZE_FIELDS)}=N"
            )
        if name in counts:
            raise ValueError(f"demo size: {name} is given twice")
        digits = value.replace("_", "")
        if not (digits.isascii() and digits.isdigit()):
            raise ValueError(f"demo size: {name} must be a whole number >= 0, got {value!r}")
        counts[name] = int(digits)
    missing = [name for name in SIZE_FIELDS if name not in counts]
    if missing:
        raise ValueError(f"demo size: missing {', '.join(missing)} (all four counts are needed)")
    return DemoSize(**counts)
