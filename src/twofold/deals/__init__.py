"""Deals: amounts, stages and their gates, buying committees, partners."""
