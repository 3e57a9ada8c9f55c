"""Orders derived from Segment ecommerce events: lifecycle, lines, refunds."""
