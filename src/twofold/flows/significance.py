"""The significance test of A/B results (decision 0022): a two-sided, pooled two-proportion
z-test on conversion — the standard test for comparing two conversion rates, identical to a
2x2 chi-square test without continuity correction (z squared = chi-square). The two-sided
p-value 2(1 - Phi(|z|)) is erfc(|z| / sqrt 2): ``math`` has it, so the server does not import
scipy.stats (seconds of start-up) for one function."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ProportionTest:
    """``b`` against ``a``: the difference of rates, z and the two-sided p-value (``None``
    where a group is empty or nobody / everybody converted in both)."""

    a: str
    b: str
    difference: float | None
    z: float | None
    p_value: float | None


def two_proportion_z_test(
    a: str, b: str, *, conversions_a: int, total_a: int, conversions_b: int, total_b: int
) -> ProportionTest:
    """z = (p_b - p_a) / sqrt(p(1 - p)(1/n_a + 1/n_b)) with p the pooled rate."""
    if total_a == 0 or total_b == 0:
        return ProportionTest(a, b, None, None, None)
    rate_a, rate_b = conversions_a / total_a, conversions_b / total_b
    pooled = (conversions_a + conversions_b) / (total_a + total_b)
    error = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    if error == 0:
        return ProportionTest(a, b, rate_b - rate_a, None, None)
    z = (rate_b - rate_a) / error
    return ProportionTest(a, b, rate_b - rate_a, z, math.erfc(abs(z) / math.sqrt(2)))
