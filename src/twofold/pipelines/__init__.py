"""Pipelines and their gated stages."""
