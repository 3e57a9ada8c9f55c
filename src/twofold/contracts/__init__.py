"""Contracts and subscriptions: terms, renewals and recurring-revenue metrics."""
