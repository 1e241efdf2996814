"""Scripting API: SPC charts with the Making Data Count rules (XmR, p-chart, run chart).

A stable facade over `model.compare.spc` (see docs/scripting-api.md).
"""

from model.compare.spc import RunChartResult, SpcPoint, SpcResult, p_chart, run_chart, xmr

__all__ = ["RunChartResult", "SpcPoint", "SpcResult", "p_chart", "run_chart", "xmr"]
