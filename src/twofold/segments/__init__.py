"""Dynamic segments: the rule language, its compilation to SQL, membership (issue 5)."""
