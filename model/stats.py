"""Scripting API: proportions with Wilson intervals and two proportions compared.

A stable facade over `model.core.stats` (see docs/scripting-api.md); the app imports the
implementation directly, scripts and notebooks import from here.
"""

from model.core.stats import Comparison, compare_proportions, wilson_interval, wilson_intervals

__all__ = ["Comparison", "compare_proportions", "wilson_interval", "wilson_intervals"]
