"""Output shapes of the REST API (``*Out``); input shapes live with their domains."""
