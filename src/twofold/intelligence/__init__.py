"""Account intelligence: health score with reasons and history, ABM status, share of
wallet and whitespace (decision 0015)."""
