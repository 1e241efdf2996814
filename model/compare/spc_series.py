"""One criterion's compliance over time, ready for an SPC chart (DOMAIN.md §2 and §5).

`criterion_series` gathers the answers of one criterion (by lineage) across every cycle of
an audit and buckets them by calendar month or ISO week of the case date:

- each bucket counts *met* and *eligible* (met + not met); exceptions and missing answers
  are left out of the denominator, as for compliance;
- every bucket between the first and the last dated case is kept, so a month without an
  eligible case is a gap, not a missing tick;
- cases without a usable case date cannot be placed: they are counted as *undated* and
  reported, never dropped silently;
- the bucket where each cycle starts (its period start, else its first case) is where the
  limits are rebased; completed actions and chart notes become dated event markers.

`criterion_series` (from the store) and `series_from_answers` (the pure, vectorised core,
no database, also used for benchmarks) build the series; `phase_labels` names each phase
after the cycle that starts it and the change made just before. Months and weeks are
bucketed in `model.compare.spc_periods`; `model.compare.spc_series_charts` chooses and
computes the chart and `model.compare.spc_series_reading` writes its reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.act.actions import list_actions
from model.compare.chart_notes import list_notes
from model.compare.spc import Improvement, SpcResult
from model.compare.spc_periods import FREQ, Bucket, bucket_label, period_ordinal, period_ordinals
from model.core.errors import KnownError
from model.core.util import saved
from model.plan.criteria import criterion_label
from model.plan.cycles import list_cycles
from model.store.case_answers import answers_long

_Event = tuple[str, str, Literal["action", "note"], int | None]
"""An event on the chart: (date, label, kind, note id or None)."""

_LABEL_MAX = 60  # longest action text quoted in a reading


@dataclass(frozen=True)
class CycleStart:
    """Where a cycle begins on the chart.

    Attributes:
        cycle_id: the cycle.
        number: 1 for the baseline, 2 for the first re-audit, ….
        title: 'Cycle 2 (re-audit)' or the user's label.
        on_date: the cycle's period start, else its first case date (ISO).
        bucket: index of the bucket holding that date (clamped to the first bucket).
    """

    cycle_id: int
    number: int
    title: str
    on_date: str
    bucket: int


@dataclass(frozen=True)
class EventMarker:
    """A dated event drawn on the chart: a completed action or a user's chart note.

    `bucket` is None when the date falls outside the charted period.
    """

    on_date: str
    label: str
    kind: Literal["action", "note"]
    bucket: int | None
    note_id: int | None = None


@dataclass(frozen=True, eq=False)
class SpcSeries:
    """Met and eligible counts per calendar bucket for one criterion, across cycles.

    Attributes:
        lineage: the criterion's lineage.
        name: its short label (from the latest cycle that has it).
        bucket: "month" or "week".
        starts: first day of each bucket, oldest first.
        met: met answers per bucket.
        eligible: met + not met per bucket (0 = a gap).
        exceptions: exception answers among the dated cases.
        missing: missing answers among the dated cases.
        undated_cases: cases with no usable case date (not on the chart).
        undated_eligible: how many of those were met or not met.
        cycle_starts: where each cycle starts, baseline first.
        improvement: "increase" (higher is better) or "decrease".
        target: the criterion's target in percent, or None.
        events: completed actions and chart notes, by date.
    """

    lineage: str
    name: str
    bucket: Bucket
    starts: tuple[date, ...]
    met: np.ndarray
    eligible: np.ndarray
    exceptions: int = 0
    missing: int = 0
    undated_cases: int = 0
    undated_eligible: int = 0
    cycle_starts: tuple[CycleStart, ...] = ()
    improvement: Improvement | None = "increase"
    target: float | None = None
    events: tuple[EventMarker, ...] = field(default=())

    @property
    def n_buckets(self) -> int:
        """Number of buckets on the x axis (gaps included)."""
        return len(self.starts)

    @property
    def n_points(self) -> int:
        """Buckets with at least one eligible case."""
        return int(np.count_nonzero(self.eligible))

    @property
    def percent(self) -> np.ndarray:
        """Compliance per bucket in percent; NaN where nobody was eligible."""
        out = np.full(self.met.shape, np.nan)
        np.divide(100.0 * self.met, self.eligible, out=out, where=self.eligible > 0)
        return out

    @property
    def labels(self) -> list[str]:
        """Bucket names for sentences: 'Mar 2026', or 'w/c 2 Mar 2026' for weeks."""
        return [bucket_label(d, self.bucket) for d in self.starts]

    @property
    def tick_labels(self) -> list[str]:
        """Short bucket names for the x axis: 'Mar 2026', or '2 Mar 26' for weeks."""
        if self.bucket == "month":
            return [d.strftime("%b %Y") for d in self.starts]
        return [f"{d.day} {d:%b %y}" for d in self.starts]

    @property
    def rebase_indices(self) -> tuple[int, ...]:
        """Buckets where a later cycle starts a new phase (the first bucket never does)."""
        return tuple(sorted({c.bucket for c in self.cycle_starts if 0 < c.bucket < self.n_buckets}))


# --------------------------------------------------------------------------- building a series


def criterion_series(db: Database, audit_id: int, lineage: str, *, bucket: Bucket = "month") -> SpcSeries:
    """One criterion's compliance per month or ISO week across all cycles of an audit.

    Args:
        db: the open store.
        audit_id: the audit.
        lineage: the criterion's lineage (the same criterion in every cycle).
        bucket: "month" (calendar month) or "week" (ISO week, Monday to Sunday).

    Returns:
        The series with cycle starts, direction, target and event markers.

    Raises:
        KnownError: when the audit has no criterion with this lineage.
    """
    found = db.execute(
        "SELECT cr.id, cr.short_name, cr.statement, cr.direction, cr.target FROM criteria cr "
        "JOIN cycles cy ON cy.id = cr.cycle_id WHERE cy.audit_id = ? AND cr.lineage = ? "
        "ORDER BY cy.number DESC", [audit_id, lineage]).fetchall()
    if not found:
        raise KnownError("That criterion is no longer part of this audit.", hint="Choose another criterion.")
    crit = found[0][1:]  # the latest cycle's wording, direction and target
    cycles = [(saved(c.id), c.number, c.title, c.period_start) for c in list_cycles(db, audit_id)]
    answers = answers_long(db, [c[0] for c in cycles], criterion_ids={row[0] for row in found},
                           case_columns=("cycle_id", "case_date"))
    events: list[_Event] = [(a.completed_on, a.text, "action", None) for a in list_actions(db, audit_id)
                            if a.status == "complete" and a.completed_on]
    events += [(n.on_date, n.label, "note", int(n.id)) for n in list_notes(db, audit_id, lineage=lineage)]
    name = criterion_label(crit[0], crit[1])
    direction: Improvement = "decrease" if crit[2] == "lower" else "increase"
    return series_from_answers(answers, lineage=lineage, name=name, bucket=bucket, improvement=direction,
                               target=crit[3], cycles=cycles, events=events)


def series_from_answers(
    answers: pd.DataFrame,
    *,
    lineage: str = "",
    name: str = "",
    bucket: Bucket = "month",
    improvement: Improvement | None = "increase",
    target: float | None = None,
    cycles: Sequence[tuple[int, int, str, str | None]] = (),
    events: Sequence[_Event] = (),
) -> SpcSeries:
    """Bucket one criterion's answers by month or ISO week (the vectorised core, no database).

    Args:
        answers: one row per answer (e.g. `model.store.case_answers.answers_long` for one lineage's criteria)
            with columns cycle_id, outcome and case_date (ISO text or None); an optional
            column n counts answers per row (for pre-aggregated input).
        lineage: the criterion's lineage (carried through).
        name: the criterion's short label.
        bucket: "month" or "week".
        improvement: "increase", "decrease" or None.
        target: target in percent, or None.
        cycles: (cycle_id, number, title, period_start) of each cycle, baseline first.
        events: (date, label, "action" | "note", note_id) of each event marker.

    Returns:
        The series.
    """
    if bucket not in FREQ:
        raise ValueError(f"bucket must be 'month' or 'week', got {bucket!r}")
    freq = FREQ[bucket]
    n = answers["n"].to_numpy(dtype=np.int64) if "n" in answers else np.ones(len(answers), dtype=np.int64)
    outcome = answers["outcome"].to_numpy(dtype=object)
    ordinal = period_ordinals(answers["case_date"], freq)
    dated = ordinal >= 0
    is_met, is_eligible = outcome == "met", (outcome == "met") | (outcome == "not_met")
    if not dated.any():
        return SpcSeries(lineage, name, bucket, (), np.zeros(0, np.int64), np.zeros(0, np.int64),
                         undated_cases=int(n.sum()), undated_eligible=int(n[is_eligible].sum()),
                         improvement=improvement, target=target)
    first = int(ordinal[dated].min())
    size = int(ordinal[dated].max()) - first + 1
    pos = ordinal[dated] - first
    # bincount over the period ordinals is a group-by on the period that keeps empty periods as 0.
    met = np.bincount(pos, weights=(n * is_met)[dated], minlength=size).astype(np.int64)
    eligible = np.bincount(pos, weights=(n * is_eligible)[dated], minlength=size).astype(np.int64)
    periods = pd.period_range(start=pd.Period(ordinal=first, freq=freq), periods=size, freq=freq)
    firsts = _first_case_ordinals(answers["cycle_id"].to_numpy(), ordinal, dated)
    return SpcSeries(
        lineage=lineage,
        name=name,
        bucket=bucket,
        starts=tuple(p.start_time.date() for p in periods),
        met=met,
        eligible=eligible,
        exceptions=int(n[dated & (outcome == "exception")].sum()),
        missing=int(n[dated & (outcome == "missing")].sum()),
        undated_cases=int(n[~dated].sum()),
        undated_eligible=int(n[~dated & is_eligible].sum()),
        cycle_starts=_cycle_starts(cycles, firsts, first, size, freq),
        improvement=improvement,
        target=None if target is None else float(target),
        events=_events(events, first, size, freq),
    )


def _first_case_ordinals(cycle_ids: np.ndarray, ordinal: np.ndarray, dated: np.ndarray) -> dict[int, int]:
    frame = pd.DataFrame({"cycle": cycle_ids[dated], "ordinal": ordinal[dated]})
    return {int(k): int(v) for k, v in frame.groupby("cycle")["ordinal"].min().items()}


def _cycle_starts(cycles: Sequence[tuple[int, int, str, str | None]], firsts: dict[int, int], first: int,
                  size: int, freq: str) -> tuple[CycleStart, ...]:
    """Bucket of each cycle's start: its period start, else its first case; cycles with neither are left out."""
    out = []
    for cycle_id, number, title, period_start in cycles:
        ordinal = period_ordinal(period_start, freq)
        when = period_start[:10] if ordinal is not None and period_start else None
        if ordinal is None and cycle_id in firsts:
            ordinal = firsts[cycle_id]
            when = pd.Period(ordinal=ordinal, freq=freq).start_time.date().isoformat()
        if ordinal is None or ordinal - first >= size:
            continue  # the cycle has not reached the charted period yet
        out.append(CycleStart(int(cycle_id), int(number), title, str(when), max(0, ordinal - first)))
    return tuple(out)


def _events(events: Sequence[_Event], first: int, size: int,
            freq: str) -> tuple[EventMarker, ...]:
    out = []
    for on_date, label, kind, note_id in sorted(events, key=lambda e: str(e[0])):
        ordinal = period_ordinal(on_date, freq)
        at = None if ordinal is None else ordinal - first
        out.append(EventMarker(str(on_date)[:10], label, kind, at if at is not None and 0 <= at < size else None,
                               note_id))
    return tuple(out)


# --------------------------------------------------------------------------- phase labels


def phase_labels(series: SpcSeries, result: SpcResult) -> list[str]:
    """A label for each phase: the cycle that starts there and the change made just before it.

    Example: 'cycle 2, the re-audit after “Introduce the new admission proforma”'.
    """
    return [phase_label(series, phase.start) for phase in result.phases]


def phase_label(series: SpcSeries, start: int) -> str:
    """The label of the phase starting at bucket `start` (see `phase_labels`); "" when no cycle starts there."""
    starting = [c for c in series.cycle_starts if c.bucket == start]
    if not starting:
        return ""
    cycle = starting[-1]
    kind = "the baseline" if cycle.number == 1 else "the re-audit"
    label = f"cycle {cycle.number}, {kind}"
    change = nearest_event_before(series, cycle)
    if change is not None:
        label += f" after “{_shorten(change.label)}”"
    return label


def nearest_event_before(series: SpcSeries, cycle: CycleStart) -> EventMarker | None:
    """The latest action or note on or before a cycle's start and after the previous cycle's start."""
    earlier = [c.on_date for c in series.cycle_starts if c.number < cycle.number]
    floor = max(earlier, default="")
    candidates = [e for e in series.events if floor < e.on_date <= cycle.on_date]
    return candidates[-1] if candidates else None


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _LABEL_MAX:
        return text
    return text[:_LABEL_MAX].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"  # cut at a word boundary
