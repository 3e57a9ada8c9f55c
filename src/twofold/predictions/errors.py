"""Why a model could not be fitted or scored: each a clear message, never a NaN result."""

from __future__ import annotations

from twofold.core.errors import TwofoldError, ValidationFailed


class BadTransactions(ValidationFailed):
    """A transactions table that cannot be read: a missing column, a bad date or amount."""

    code = "bad_transactions"


class NotEnoughData(ValidationFailed):
    """Too few customers, no repeat purchases, or a calibration end outside the data."""

    code = "not_enough_data"


class FitFailed(TwofoldError):
    """The likelihood could not be maximised (no convergence, or a parameter ran away)."""

    status = 422
    code = "fit_failed"
