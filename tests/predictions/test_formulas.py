"""The closed forms against direct numerical integration and finite differences: the
transformed 2F1 expressions and the analytic gradients must be the quantities they claim."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gammaln

from twofold.predictions.bgnbd import (
    BgNbdParams,
    bgnbd_expected_purchases,
    bgnbd_log_likelihood,
    bgnbd_probability_alive,
)
from twofold.predictions.gammagamma import gammagamma_log_likelihood, spend_rows
from twofold.predictions.likelihood import central_difference_gradient
from twofold.predictions.paretonbd import (
    ParetoNbdParams,
    paretonbd_expected_purchases,
    paretonbd_log_likelihood_value,
    paretonbd_probability_alive,
)
from twofold.predictions.purchase_rows import purchase_rows
from twofold.predictions.scoring import weeks_to_next_purchase

FREQUENCY = np.array([0, 1, 2, 5, 12, 40, 0, 3, 1, 7, 0, 150.0])
RECENCY = np.array([0, 3.5, 10, 20, 30.5, 38, 0, 1, 30, 22, 0, 51.0])
AGE = np.array([39, 38, 30, 25, 31, 38.5, 10, 35, 30, 40, 27, 52.0])
ROWS = purchase_rows(FREQUENCY, RECENCY, AGE)
BGNBD = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PARETO = [
    ParetoNbdParams(r=0.553, alpha=10.578, s=0.606, beta=11.666),  # alpha < beta
    ParetoNbdParams(r=1.3, alpha=25.0, s=0.4, beta=3.0),  # alpha > beta
    ParetoNbdParams(r=0.8, alpha=7.0, s=1.0, beta=7.0),  # alpha = beta, s = 1
]


def paretonbd_bracket_by_quadrature(
    params: ParetoNbdParams, x: float, t_x: float, age: float
) -> tuple[float, float, float]:
    """(alive term, s * integral, log of the scale both carry), by quadrature, not the 2F1."""
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    scale = (alpha + t_x) ** (r + x)  # keeps the integrand near 1 for large x
    tail, _ = integrate.quad(
        lambda y: scale * (alpha + y) ** -(r + x) * (beta + y) ** -(s + 1),
        t_x,
        age,
        epsabs=0,
        epsrel=1e-12,
    )
    alive = scale * (alpha + age) ** -(r + x) * (beta + age) ** -s
    return alive, s * tail, float(np.log(scale))


def paretonbd_by_quadrature(params: ParetoNbdParams, x: float, t_x: float, age: float) -> float:
    """log-likelihood of one customer."""
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    alive, tail, log_scale = paretonbd_bracket_by_quadrature(params, x, t_x, age)
    constant = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return float(constant + np.log(alive + tail) - log_scale)


@pytest.mark.parametrize("params", PARETO)
def test_paretonbd_likelihood_equals_the_integral_it_stands_for(params: ParetoNbdParams) -> None:
    by_quadrature = sum(
        paretonbd_by_quadrature(params, x, t_x, age)
        for x, t_x, age in zip(FREQUENCY, RECENCY, AGE, strict=True)
    )
    assert paretonbd_log_likelihood_value(params.as_array(), ROWS) == pytest.approx(
        by_quadrature, rel=1e-9
    )


@pytest.mark.parametrize("params", PARETO)
def test_paretonbd_probability_alive_is_the_share_of_the_alive_term(
    params: ParetoNbdParams,
) -> None:
    computed = paretonbd_probability_alive(params, FREQUENCY, RECENCY, AGE)
    for index, (x, t_x, age) in enumerate(zip(FREQUENCY, RECENCY, AGE, strict=True)):
        alive, tail, _ = paretonbd_bracket_by_quadrature(params, x, t_x, age)
        assert computed[index] == pytest.approx(alive / (alive + tail), rel=1e-9)


def test_paretonbd_expectation_is_continuous_at_s_equal_one() -> None:
    near = [ParetoNbdParams(0.8, 7.0, 1.0 + step, 9.0) for step in (-1e-6, 0.0, 1e-6)]
    values = [paretonbd_expected_purchases(p, 39.0, FREQUENCY, RECENCY, AGE) for p in near]
    np.testing.assert_allclose(values[0], values[1], rtol=1e-5)
    np.testing.assert_allclose(values[2], values[1], rtol=1e-5)


def test_bgnbd_gradient_matches_finite_differences() -> None:
    params = BGNBD.as_array()
    _, gradient = bgnbd_log_likelihood(params, ROWS)
    numeric = central_difference_gradient(lambda at: bgnbd_log_likelihood(at, ROWS)[0], params)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6)


def test_gammagamma_gradient_matches_finite_differences() -> None:
    x = np.array([1, 2, 3, 7, 20.0])
    m = np.array([10.0, 35.5, 18.2, 60.0, 22.0])
    weights = np.array([3, 1, 2, 1, 5.0])
    params = np.array([6.25, 3.74, 15.44])
    rows = spend_rows(x, m, weights)
    _, gradient = gammagamma_log_likelihood(params, rows)
    numeric = central_difference_gradient(lambda at: gammagamma_log_likelihood(at, rows)[0], params)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6)


def bgnbd_expectation_by_quadrature(
    x: float, t_x: float, age: float, horizon: float, params: BgNbdParams = BGNBD
) -> float:
    """P(alive) E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p] with p ~ Beta(a, b+x): given
    alive, rate lambda ~ Gamma(r+x, alpha+T), and an alive customer with (lambda, p) makes
    (1 - exp(-lambda p t))/p purchases in t on average."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_beta = gammaln(a) + gammaln(b + x) - gammaln(a + b + x)

    def integrand(p: float) -> float:  # the Beta density's powers are quad's weight
        if p == 0:  # the limit of (1 - ratio^(r+x)) / p
            return float((r + x) * horizon / (alpha + age) * np.exp(-log_beta))
        ratio = (alpha + age) / (alpha + age + p * horizon)
        return float(-np.expm1((r + x) * np.log(ratio)) / p * np.exp(-log_beta))

    value, _ = integrate.quad(
        integrand, 0, 1, weight="alg", wvar=(a - 1, b + x - 1), epsabs=0, epsrel=1e-11,
        limit=200,
    )  # fmt: skip
    alive = bgnbd_probability_alive(params, np.array([x]), np.array([t_x]), np.array([age]))
    return float(alive[0] * value)


@pytest.mark.parametrize("horizon", [4.0, 39.0, 200.0])
def test_bgnbd_conditional_expectation_equals_its_integral(horizon: float) -> None:
    computed = bgnbd_expected_purchases(BGNBD, horizon, FREQUENCY, RECENCY, AGE)
    for index, (x, t_x, age) in enumerate(zip(FREQUENCY, RECENCY, AGE, strict=True)):
        expected = bgnbd_expectation_by_quadrature(x, t_x, age, horizon)
        assert computed[index] == pytest.approx(expected, rel=1e-7), (x, t_x, age)


@pytest.mark.parametrize("horizon", [4.0, 17.3, 52.0])
def test_bgnbd_conditional_expectation_when_a_plus_b_is_below_one(horizon: float) -> None:
    """Then 2F1(a+b-1-r, a-1; a+b+x-1; z) of the x = 0 rows is negative (its third parameter
    is); a log of it gave NaN. Parameters of a real fit (a demo shop's holdout check)."""
    params = BgNbdParams(r=1.404, alpha=30.87, a=0.0575, b=0.2718)
    computed = bgnbd_expected_purchases(params, horizon, FREQUENCY, RECENCY, AGE)
    for index, (x, t_x, age) in enumerate(zip(FREQUENCY, RECENCY, AGE, strict=True)):
        expected = bgnbd_expectation_by_quadrature(x, t_x, age, horizon, params)
        assert computed[index] == pytest.approx(expected, rel=1e-6), (x, t_x, age)


def test_next_purchase_wait_is_the_median_for_an_alive_customer() -> None:
    rng = np.random.default_rng(7)
    for x, age in ((0.0, 39.0), (3.0, 30.0), (12.0, 31.0)):
        rates = rng.gamma(BGNBD.r + x, 1 / (BGNBD.alpha + age), 400_000)
        waits = rng.exponential(1.0, len(rates)) / rates
        median = weeks_to_next_purchase(BGNBD, np.array([x]), np.array([age]))[0]
        assert np.mean(waits <= median) == pytest.approx(0.5, abs=0.004)
