"""One module per area of the UI; each exports ``router``."""
