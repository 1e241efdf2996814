"""Scripting API: funnel plots against a target with exact binomial limits.

A stable facade over `model.benchmark.benchmarks` (see docs/scripting-api.md).
"""

from model.benchmark.benchmarks import FunnelPoint, FunnelResult, funnel

__all__ = ["FunnelPoint", "FunnelResult", "funnel"]
