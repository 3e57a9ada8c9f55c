"""Probabilistic customer-base models: BG/NBD and Pareto/NBD for purchase counts, Gamma-Gamma
for spend, fitted by maximum likelihood, and the per-person scores built on them.

See docs/predictions.md and docs/decisions/0011-clv-models.md.
"""
