"""Leads: capture, scoring, assignment and conversion (decision 0020)."""
