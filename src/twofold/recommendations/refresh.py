"""The refit the server runs with the predictions (daily by default) and the API/CLI run on
demand: the holdout check first (stored with the fit), then the model on every purchase."""

from __future__ import annotations

from typing import Any

from twofold.core.errors import ValidationFailed
from twofold.core.progress import ProgressReporter
from twofold.events.store import EventStore
from twofold.recommendations.evaluation import evaluate_recommendations
from twofold.recommendations.fit import RecommendationFit, refit_recommendations

DEFAULT_K = 10


def refresh_recommendations(
    store: EventStore,
    *,
    evaluate: bool = True,
    k: int = DEFAULT_K,
    progress: ProgressReporter | None = None,
) -> tuple[RecommendationFit, dict[str, Any] | None]:
    """Evaluate on a holdout (when asked; a history too short gives ``{"error": ...}``),
    then refit on everything and store both."""
    evaluation: dict[str, Any] | None = None
    if evaluate:
        try:
            evaluation = evaluate_recommendations(store, k=k, progress=progress).as_dict()
        except ValidationFailed as refused:
            evaluation = {"error": refused.message}
    fit = refit_recommendations(store, evaluation=evaluation, progress=progress)
    return fit, evaluation
