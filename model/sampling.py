"""Scripting API: how many cases a cycle needs, and how they are chosen.

A stable facade over `model.plan.sampling` (see docs/scripting-api.md).
"""

from model.plan.sampling import explain_sample_size, sample_size, select_random, select_systematic

__all__ = ["explain_sample_size", "sample_size", "select_random", "select_systematic"]
