"""Web forms: definitions, the public submission path, flood limits (decision 0020)."""
