"""Stage 7: recommendations and SMART actions."""
