"""Maximum likelihood in log-parameter space: L-BFGS-B, convergence checks, standard errors.

Every model parameter is positive, so the optimiser works on log(parameter): no bounds are
needed to keep parameters valid, and wide bounds on the logs only stop a runaway estimate,
which is then reported (``FitFailed``) instead of returned. Standard errors come from the
inverse of a numeric Hessian (central differences of the gradient) at the optimum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Generic, Self, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.optimize import OptimizeResult, minimize
from threadpoolctl import threadpool_limits

from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.predictions.errors import FitFailed, NotEnoughData

FloatArray = npt.NDArray[np.float64]
# natural parameters -> (total log-likelihood, its gradient with respect to the parameters)
LogLikelihood = Callable[[FloatArray], tuple[float, FloatArray]]

LOG_BOUND = np.log(1e8)  # parameters stay within 1e-8 .. 1e8
MAX_ITERATIONS = 1000
GRADIENT_TOLERANCE = 1e-5  # on the mean log-likelihood per customer, in log-parameter space
HESSIAN_STEP = 1e-4
MIN_CUSTOMERS = 10


class ParameterSet:
    """Base of the named, positive parameter tuples of each model."""

    NAMES: ClassVar[tuple[str, ...]]

    def as_array(self) -> FloatArray:
        """The parameters in ``NAMES`` order."""
        return np.array([getattr(self, name) for name in self.NAMES], dtype=np.float64)

    def as_dict(self) -> dict[str, float]:
        """The parameters by name, as in the papers."""
        return {name: float(getattr(self, name)) for name in self.NAMES}

    @classmethod
    def from_array(cls, values: FloatArray) -> Self:
        """Parameters from an array in ``NAMES`` order."""
        return cls(*(float(value) for value in values))


P = TypeVar("P", bound=ParameterSet)


@dataclass(frozen=True)
class FittedModel(Generic[P]):
    """Maximum-likelihood estimates, their standard errors and the maximised log-likelihood."""

    params: P
    standard_errors: P
    log_likelihood: float
    customers: int
    iterations: int


def dot(left: FloatArray, right: FloatArray) -> float:
    """Sum of products of two vectors, without BLAS (see ``one_blas_thread``)."""
    return float(np.einsum("i,i->", left, right))


def one_blas_thread() -> threadpool_limits:
    """Keep OpenBLAS to one thread. The models make only tiny BLAS calls (the optimiser's
    4-vectors, dot products), and idle OpenBLAS threads spin: on a busy two-core machine
    they took half the CPU from the fit (a fit of 1M customers ran 1.2 s instead of 0.67 s,
    a threaded dot product of 100k numbers 40 times longer)."""
    return threadpool_limits(limits=1, user_api="blas")


def require_customers(count: int, *, what: str, minimum: int = MIN_CUSTOMERS) -> None:
    """Refuse a fit on fewer customers than ``minimum``: the estimates would mean nothing."""
    if count < minimum:
        raise NotEnoughData(f"{what} needs at least {minimum} customers; the data has {count}")


def maximise(
    log_likelihood: LogLikelihood,
    start: P,
    *,
    customers: int,
    label: str,
    progress: ProgressReporter | None = None,
) -> FittedModel[P]:
    """Maximise ``log_likelihood`` from ``start``; raise ``FitFailed`` rather than return junk."""
    reporter = progress or SilentProgress()
    with one_blas_thread():
        return _maximise(log_likelihood, start, customers=customers, label=label, reporter=reporter)


def _maximise(
    log_likelihood: LogLikelihood,
    start: P,
    *,
    customers: int,
    label: str,
    reporter: ProgressReporter,
) -> FittedModel[P]:
    reporter.start(label, MAX_ITERATIONS)
    scale = 1.0 / customers
    iterations = 0

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(log_params)
        value, gradient = log_likelihood(params)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return np.inf, np.zeros_like(log_params)
        return -value * scale, -gradient * params * scale

    # scipy passes the OptimizeResult only to a parameter of exactly this name
    def step(intermediate_result: OptimizeResult) -> None:  # noqa: ARG001
        nonlocal iterations
        iterations += 1
        reporter.advance(1)

    result = minimize(
        objective,
        np.log(start.as_array()),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start.NAMES),
        callback=step,
        options={"maxiter": MAX_ITERATIONS, "ftol": 1e-13, "gtol": 1e-7, "maxcor": 20},
    )
    reporter.advance(MAX_ITERATIONS - iterations)
    _check_converged(result, objective, start.NAMES, label)
    estimates = np.exp(result.x)
    errors = _standard_errors(log_likelihood, result.x, start.NAMES, label)
    kind = type(start)
    return FittedModel(
        params=kind.from_array(estimates),
        standard_errors=kind.from_array(errors),
        log_likelihood=-float(result.fun) / scale,
        customers=customers,
        iterations=int(result.nit),
    )


def _check_converged(
    result: OptimizeResult,
    objective: Callable[[FloatArray], tuple[float, FloatArray]],
    names: tuple[str, ...],
    label: str,
) -> None:
    at_bound = [
        name for name, value in zip(names, result.x, strict=True) if abs(value) > LOG_BOUND - 1e-3
    ]
    if at_bound:
        raise FitFailed(
            f"{label}: the estimate of {', '.join(at_bound)} runs away (beyond 1e-8 .. 1e8); "
            "the data cannot identify the model"
        )
    value, gradient = objective(result.x)
    # L-BFGS-B may stop on "abnormal termination in line search" at the optimum itself,
    # when rounding makes further progress invisible: a vanishing gradient settles it.
    if not np.isfinite(value) or np.max(np.abs(gradient)) > GRADIENT_TOLERANCE:
        raise FitFailed(f"{label}: the optimiser did not converge ({result.message})")


def _standard_errors(
    log_likelihood: LogLikelihood, log_params: FloatArray, names: tuple[str, ...], label: str
) -> FloatArray:
    """sqrt(diag(inverse observed information)), by the delta method from log space."""
    params = np.exp(log_params)

    def gradient(at: FloatArray) -> FloatArray:
        values = np.exp(at)
        return log_likelihood(values)[1] * values

    size = len(log_params)
    hessian = np.empty((size, size))
    for index in range(size):
        shift = np.zeros(size)
        shift[index] = HESSIAN_STEP
        hessian[:, index] = (gradient(log_params + shift) - gradient(log_params - shift)) / (
            2 * HESSIAN_STEP
        )
    information = -(hessian + hessian.T) / 2
    try:
        covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        covariance = np.full((size, size), np.nan)
    variances = np.diag(covariance)
    if not np.all(np.isfinite(variances)) or np.any(variances <= 0):
        raise FitFailed(
            f"{label}: the likelihood is flat around the estimates of {', '.join(names)}; "
            "their standard errors are undefined"
        )
    return params * np.sqrt(variances)


def central_difference_gradient(
    value: Callable[[FloatArray], float], params: FloatArray, step: float = 1e-6
) -> FloatArray:
    """d value / d params by central differences in log space (for likelihoods without an
    analytic gradient)."""
    log_params = np.log(params)
    gradient = np.empty(len(params))
    for index in range(len(params)):
        shift = np.zeros(len(params))
        shift[index] = step
        upper = value(np.exp(log_params + shift))
        lower = value(np.exp(log_params - shift))
        gradient[index] = (upper - lower) / (2 * step) / params[index]
    return gradient
