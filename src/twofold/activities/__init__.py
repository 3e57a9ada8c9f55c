"""Activities: calls, meetings, emails, notes, tasks, demos and proposals."""
