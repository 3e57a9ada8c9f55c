"""Search across record types (the search box in the top bar)."""
