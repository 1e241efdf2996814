"""Stage 6: national figures: importing, storing, comparing, funnel plots."""
