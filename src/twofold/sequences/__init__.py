"""Sales sequences (B2B): a rep's personal emails, business-day waits and tasks, per contact,
stopped by a reply, a booked meeting, a bounce or an unsubscribe (decision 0023)."""
