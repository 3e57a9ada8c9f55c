"""Pipeline analytics: coverage, funnel, win rates, hygiene and revenue (decision 0012)."""
