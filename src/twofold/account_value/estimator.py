"""Renewal rates by segment, smoothed toward their parent segment (pure, no I/O).

The estimator is a chain of Beta-binomial posterior means. The overall rate is Laplace's
``(renewed + 1) / (terms + 2)``; a segment one field deeper (``tier``, then ``tier`` and
``size_band``...) is ``(renewed + m * parent) / (terms + m)``, where ``m`` is the prior
strength: a segment with few past terms stays near its parent's rate, one with many follows
its own. Every rate is explained by the counts behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Segment = tuple[str, ...]  # the values of the segment fields, in the settings' order


@dataclass(frozen=True)
class PastTerm:
    """A contract term that reached its end, its segment, and whether it was renewed."""

    segment: Segment
    renewed: bool


@dataclass(frozen=True)
class SegmentRate:
    """The smoothed renewal rate of one segment and the counts it rests on."""

    fields: tuple[str, ...]
    values: Segment
    terms: int
    renewed: int
    rate: float

    @property
    def label(self) -> str:
        """``tier enterprise, size_band 51-200`` (``all contracts`` for the root)."""
        if not self.fields:
            return "all contracts"
        return ", ".join(
            f"{field} {value}" for field, value in zip(self.fields, self.values, strict=True)
        )

    def as_dict(self) -> dict[str, object]:
        """The stored and API form."""
        return {
            "segment": dict(zip(self.fields, self.values, strict=True)),
            "terms": self.terms,
            "renewed": self.renewed,
            "rate": round(self.rate, 6),
        }


@dataclass(frozen=True)
class RenewalRates:
    """Learned rates for every segment prefix that has past terms."""

    fields: tuple[str, ...]
    prior_strength: int
    counts: dict[Segment, tuple[int, int]]  # segment prefix -> (terms, renewed)

    @property
    def learned(self) -> bool:
        """Whether any term has reached its end (otherwise every rate is the 50 % prior)."""
        return self.counts.get((), (0, 0))[0] > 0

    def chain(self, segment: Segment) -> list[SegmentRate]:
        """The rates from the root down to ``segment``, each smoothed toward the one before."""
        terms, renewed = self.counts.get((), (0, 0))
        rate = (renewed + 1) / (terms + 2)
        chain = [SegmentRate((), (), terms, renewed, rate)]
        for depth in range(1, len(self.fields) + 1):
            prefix = segment[:depth]
            terms, renewed = self.counts.get(prefix, (0, 0))
            rate = (renewed + self.prior_strength * rate) / (terms + self.prior_strength)
            if terms == 0 and self.prior_strength == 0:
                rate = chain[-1].rate  # nothing to learn from and no prior: keep the parent's
            chain.append(SegmentRate(self.fields[:depth], prefix, terms, renewed, rate))
        return chain

    def rate_of(self, segment: Segment) -> SegmentRate:
        """The most specific smoothed rate for ``segment``."""
        return self.chain(segment)[-1]

    def table(self) -> list[SegmentRate]:
        """Every segment with past terms, root first (what a fit stores)."""
        prefixes = sorted(self.counts, key=lambda prefix: (len(prefix), prefix))
        return [self.chain(prefix)[len(prefix)] for prefix in prefixes]


def fit_renewal_rates(
    terms: Iterable[PastTerm], *, fields: Sequence[str], prior_strength: int
) -> RenewalRates:
    """Count past terms and renewals for every prefix of every term's segment."""
    totals: Counter[Segment] = Counter()
    renewals: Counter[Segment] = Counter()
    for term in terms:
        for depth in range(len(fields) + 1):
            prefix = term.segment[:depth]
            totals[prefix] += 1
            renewals[prefix] += term.renewed
    counts = {prefix: (totals[prefix], renewals[prefix]) for prefix in totals}
    return RenewalRates(tuple(fields), prior_strength, counts)


def explain(rate: SegmentRate, parent: SegmentRate | None) -> str:
    """``tier enterprise: 7 of 9 past terms renewed → 74% (all contracts 65%)``."""
    percent = f"{rate.rate * 100:.0f}%"
    if rate.terms == 0:
        head = f"{rate.label}: no past terms"
    else:
        head = f"{rate.label}: {rate.renewed} of {rate.terms} past terms renewed"
    if parent is None:
        return f"{head} \u2192 {percent}"
    return f"{head} \u2192 {percent} (smoothed toward {parent.label} {parent.rate * 100:.0f}%)"
