"""Teams, quotas, exchange rates and the forecast rolled up the team tree."""
