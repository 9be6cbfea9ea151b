"""Demo data for development and trying the platform out."""
