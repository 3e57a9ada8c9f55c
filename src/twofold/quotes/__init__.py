"""Deal line items and quotes: pricing arithmetic, snapshots, approvals, PDF (decision 0019)."""
