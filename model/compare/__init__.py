"""Stage 5: cycles compared over time: SPC charts, their rules, readings and notes."""
