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

`choose_chart`, `build_chart` and `reading` turn a series into a chart result from
`model.compare.spc` (a run chart comes wrapped in a `PhasedRunChart`: a median per cycle when
rebased) and its plain-English reading. `series_from_answers` is the pure, vectorised core
(no database), also used for benchmarks.
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
from model.compare.spc import LIMITS_BELOW, Improvement, RunChartResult, SpcResult, p_chart, run_chart, xmr
from model.compare.spc_reading import read_chart
from model.core.errors import KnownError
from model.plan.criteria import criterion_label
from model.plan.cycles import list_cycles
from model.store.case_answers import answers_long

Bucket = Literal["month", "week"]
ChartKind = Literal["p", "xmr", "run"]
CHART_NAMES: dict[str, str] = {"p": "p-chart", "xmr": "XmR chart", "run": "run chart"}
_FREQ: dict[str, str] = {"month": "M", "week": "W-SUN"}  # a W-SUN period runs Monday to Sunday (ISO week)
_LABEL_MAX = 60  # longest action text quoted in a reading
# A run chart's phase needs this many points off its median for a median of its own: the points
# DOMAIN.md §5 asks for before limits mean anything, and few enough runs for the Anhøj rules to read.
RUN_PHASE_MIN = LIMITS_BELOW


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


@dataclass(frozen=True)
class RunPhase:
    """One phase of a run chart with its own median.

    Attributes:
        start: first bucket of the phase.
        end: one past its last bucket.
        label: 'cycle 2, the re-audit …' when a cycle starts the phase, else "".
        result: `model.compare.spc.run_chart` of the phase's points.
    """

    start: int
    end: int
    label: str
    result: RunChartResult


@dataclass(frozen=True)
class PhasedRunChart:
    """A run chart: one median for all points, or a median per cycle when rebased.

    Attributes:
        phases: one phase (the whole series) or one per cycle, oldest first.
        overall: the run chart of every point (one median).
        note: why one median is shown although rebasing was asked for ("" otherwise).
    """

    phases: tuple[RunPhase, ...]
    overall: RunChartResult
    note: str = ""

    @property
    def rebased(self) -> bool:
        """True when each phase has its own median."""
        return len(self.phases) > 1

    @property
    def signal(self) -> bool:
        """True when the Anhøj rules find a non-random pattern in any phase."""
        return any(p.result.signal for p in self.phases)


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
        return [_label(d, self.bucket) for d in self.starts]

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
    cycles = [(c.id, c.number, c.title, c.period_start) for c in list_cycles(db, audit_id)]
    answers = answers_long(db, [c[0] for c in cycles], criterion_ids={row[0] for row in found},
                           case_columns=("cycle_id", "case_date"))
    events = [(a.completed_on, a.text, "action", None) for a in list_actions(db, audit_id)
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
    events: Sequence[tuple[str, str, str, int | None]] = (),
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
    if bucket not in _FREQ:
        raise ValueError(f"bucket must be 'month' or 'week', got {bucket!r}")
    freq = _FREQ[bucket]
    n = answers["n"].to_numpy(dtype=np.int64) if "n" in answers else np.ones(len(answers), dtype=np.int64)
    outcome = answers["outcome"].to_numpy(dtype=object)
    ordinal = _ordinals(answers["case_date"], freq)
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


def _ordinals(dates: pd.Series, freq: str) -> np.ndarray:
    """Period ordinal of each ISO date (−1 when blank or unreadable)."""
    # Parse each distinct date once: audits repeat the same few hundred dates many times.
    codes, uniques = pd.factorize(dates)
    text = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.slice(0, 10)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    per_unique = np.full(len(uniques) + 1, -1, dtype=np.int64)  # last slot: the NA sentinel (−1)
    ok = parsed.notna().to_numpy()
    if ok.any():
        per_unique[:-1][ok] = pd.PeriodIndex(parsed[ok], freq=freq).asi8
    return per_unique[codes]


def _ordinal(day: str | None, freq: str) -> int | None:
    """Period ordinal of one ISO date, or None when blank or unreadable."""
    try:
        return pd.Period(str(day)[:10], freq=freq).ordinal if day else None
    except ValueError:
        return None


def _first_case_ordinals(cycle_ids: np.ndarray, ordinal: np.ndarray, dated: np.ndarray) -> dict[int, int]:
    frame = pd.DataFrame({"cycle": cycle_ids[dated], "ordinal": ordinal[dated]})
    return {int(k): int(v) for k, v in frame.groupby("cycle")["ordinal"].min().items()}


def _cycle_starts(cycles: Sequence[tuple[int, int, str, str | None]], firsts: dict[int, int], first: int,
                  size: int, freq: str) -> tuple[CycleStart, ...]:
    """Bucket of each cycle's start: its period start, else its first case; cycles with neither are left out."""
    out = []
    for cycle_id, number, title, period_start in cycles:
        ordinal = _ordinal(period_start, freq)
        when = period_start[:10] if ordinal is not None and period_start else None
        if ordinal is None and cycle_id in firsts:
            ordinal = firsts[cycle_id]
            when = pd.Period(ordinal=ordinal, freq=freq).start_time.date().isoformat()
        if ordinal is None or ordinal - first >= size:
            continue  # the cycle has not reached the charted period yet
        out.append(CycleStart(int(cycle_id), int(number), title, str(when), max(0, ordinal - first)))
    return tuple(out)


def _events(events: Sequence[tuple[str, str, str, int | None]], first: int, size: int,
            freq: str) -> tuple[EventMarker, ...]:
    out = []
    for on_date, label, kind, note_id in sorted(events, key=lambda e: str(e[0])):
        ordinal = _ordinal(on_date, freq)
        inside = ordinal is not None and 0 <= ordinal - first < size
        out.append(EventMarker(str(on_date)[:10], label, kind,  # type: ignore[arg-type]
                               ordinal - first if inside else None, note_id))
    return tuple(out)


def _label(d: date, bucket: str) -> str:
    return d.strftime("%b %Y") if bucket == "month" else f"w/c {d.day} {d:%b %Y}"


# --------------------------------------------------------------------------- charts


def choose_chart(series: SpcSeries) -> ChartKind:
    """The default chart: run chart for few points, p-chart for varying denominators, else XmR.

    Args:
        series: from `criterion_series`.

    Returns:
        "run" with fewer than 8 buckets holding data (too few for limits, DOMAIN.md §5);
        "p" when the number of eligible cases varies between buckets; otherwise "xmr".
    """
    if series.n_points < LIMITS_BELOW:
        return "run"
    sizes = series.eligible[series.eligible > 0]
    return "p" if sizes.min() != sizes.max() else "xmr"


def chart_reason(series: SpcSeries, kind: ChartKind) -> str:
    """Why `choose_chart` picked this kind, in a short sentence for the chart-type control."""
    unit = series.bucket + ("" if series.n_points == 1 else "s")
    if kind == "run":
        return (f"Run chart: only {series.n_points} {unit} with data; at least {LIMITS_BELOW} are needed "
                "for process limits.")
    sizes = series.eligible[series.eligible > 0]
    if kind == "p":
        return (f"p-chart: the number of eligible cases varies ({sizes.min()}–{sizes.max()} a {series.bucket}), "
                "so each point gets limits for its own size.")
    return f"XmR chart: every {series.bucket} has the same number of eligible cases ({sizes.min()})."


def build_chart(series: SpcSeries, kind: ChartKind, *, rebase: bool = True,
                screen: bool = True) -> SpcResult | PhasedRunChart:
    """Compute the chosen chart for a series.

    Args:
        series: from `criterion_series`.
        kind: "p" (proportions, target as a proportion), "xmr" (percentages) or "run".
        rebase: recompute limits (or a run chart's median) from each cycle's start.
        screen: screen moving ranges (XmR only).

    Returns:
        An `SpcResult` for "p" and "xmr" (phases under 15 points carry trial limits), a
        `PhasedRunChart` for "run" (see `phased_run_chart`).
    """
    cuts = series.rebase_indices if rebase else ()
    if kind == "p":
        target = None if series.target is None else series.target / 100.0
        return p_chart(series.met, series.eligible, improvement=series.improvement, target=target, rebase=cuts)
    if kind == "xmr":
        return xmr(series.percent, improvement=series.improvement, target=series.target, rebase=cuts,
                   screen_moving_ranges=screen)
    if kind == "run":
        return phased_run_chart(series, rebase=rebase)
    raise ValueError(f"kind must be 'p', 'xmr' or 'run', got {kind!r}")


def phased_run_chart(series: SpcSeries, *, rebase: bool = True) -> PhasedRunChart:
    """A run chart with a median per cycle when rebasing, else one median (DOMAIN.md §5).

    The Anhøj rules need enough points to say anything: each phase must have at least
    `RUN_PHASE_MIN` useful points (points not on its median). When one is shorter, the chart
    keeps one median across all cycles and `note` says which cycle was too short.

    Args:
        series: the charted series.
        rebase: split at each cycle's start (`SpcSeries.rebase_indices`).

    Returns:
        The phases with their run charts, the overall run chart and the note.
    """
    values = series.percent
    overall = run_chart(values)
    whole = (RunPhase(0, series.n_buckets, "", overall),)
    if not rebase or not series.rebase_indices:
        return PhasedRunChart(whole, overall)
    bounds = list(zip((0, *series.rebase_indices), (*series.rebase_indices, series.n_buckets), strict=True))
    phases = tuple(RunPhase(a, b, _phase_label(series, a), run_chart(values[a:b])) for a, b in bounds)
    short = [p for p in phases if p.result.useful_points < RUN_PHASE_MIN]
    if not short:
        return PhasedRunChart(phases, overall)
    first = short[0]
    name = next((c.title for c in reversed(series.cycle_starts) if c.bucket == first.start), "one cycle")
    note = (f"One median is drawn across all cycles: a median per cycle needs at least {RUN_PHASE_MIN} points "
            f"off the median in each, and {name} has only {first.result.useful_points} off its own.")
    return PhasedRunChart(whole, overall, note)


# --------------------------------------------------------------------------- reading


def reading(series: SpcSeries, result: SpcResult | PhasedRunChart) -> str:
    """The plain-English reading under the chart, with dates, cycles and the action before a change.

    Args:
        series: the charted series.
        result: from `build_chart` on that series.

    Returns:
        A few sentences: the `model.compare.spc_reading.read_chart` reading, then how moving ranges
        were screened (XmR), gaps and cases without a date.
    """
    if series.n_points == 0:
        return _join(["No eligible cases with a date yet: there is nothing to chart.", _undated(series)])
    if isinstance(result, PhasedRunChart):
        text = _run_reading(series, result)
    else:
        target = series.target if result.chart_type == "xmr" else (
            None if series.target is None else series.target / 100.0)
        text = read_chart(result, dates=series.labels, unit="%", phase_labels=phase_labels(series, result),
                          target=target, period=series.bucket)
    extra = [_screening(result), _gaps(series), _undated(series)]
    return _join([text, *extra])


def phase_labels(series: SpcSeries, result: SpcResult) -> list[str]:
    """A label for each phase: the cycle that starts there and the change made just before it.

    Example: 'cycle 2, the re-audit after “Introduce the new admission proforma”'.
    """
    return [_phase_label(series, phase.start) for phase in result.phases]


def _phase_label(series: SpcSeries, start: int) -> str:
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


def _run_reading(series: SpcSeries, chart: PhasedRunChart) -> str:
    """The run chart's reading: one statement per phase, each saying which cycle and months it covers."""
    if not chart.rebased:
        return _join([read_chart(chart.overall, period=series.bucket), chart.note])
    labels = series.labels
    parts = []
    for number, phase in enumerate(chart.phases, start=1):
        name = _sentence_start(phase.label) if phase.label else f"Phase {number}"
        text = read_chart(phase.result, period=series.bucket)
        parts.append(f"{name} ({labels[phase.start]} – {labels[phase.end - 1]}): {text[0].lower()}{text[1:]}")
    return _join(["Each cycle has its own median.", *parts])


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


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


def _screening(result: SpcResult | PhasedRunChart) -> str:
    if isinstance(result, PhasedRunChart) or result.chart_type != "xmr":
        return ""
    if not result.screened.applied:
        return "Moving-range screening was off: every jump between points counts towards the limits."
    dropped = len(result.screened.dropped)
    if dropped == 0:
        return "Moving ranges were screened; no jump was large enough to leave out."
    jumps = "jump was" if dropped == 1 else "jumps were"
    return f"Moving ranges were screened: {dropped} unusually large {jumps} left out when setting the limits."


def _gaps(series: SpcSeries) -> str:
    gaps = series.n_buckets - series.n_points
    if gaps == 0:
        return ""
    if gaps == 1:
        return f"1 {series.bucket} had no eligible cases and shows as a gap."
    return f"{gaps} {series.bucket}s had no eligible cases and show as gaps."


def _undated(series: SpcSeries) -> str:
    if series.undated_cases == 0:
        return ""
    cases = "case has" if series.undated_cases == 1 else "cases have"
    return (f"{series.undated_cases} {cases} no case date and cannot be placed on the chart "
            f"({series.undated_eligible} of them met or not met).")


def _join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)
