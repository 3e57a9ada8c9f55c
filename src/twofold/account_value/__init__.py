"""B2B account value: renewal probabilities learned from past terms, expected contract value,
expansion history, renewal risk (decision 0021)."""
