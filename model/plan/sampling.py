"""Sample size and sample selection for an audit cycle (DOMAIN.md §3).

The sample size uses the exact normal quantile (1.959964 for 95%). DOMAIN.md writes
z = 1.96; both give the same rounded-up sizes for every worked example (111, 278, 42, 357),
and the exact value matches R's `qnorm(0.975)`.

Selections record their seed so the report can say how the sample was drawn and anyone can
reproduce it with `numpy.random.default_rng(seed)`.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from model.core.errors import KnownError

# Seeds are drawn as six-digit numbers: easy to copy into a report, plenty for audit use.
_SEED_LOW, _SEED_HIGH = 100_000, 1_000_000
# Rounding up must not turn an exact 111.0000000001 (float noise) into 112.
_CEIL_SLACK = 1e-9


def _check_sample_inputs(population: int, expected: float, margin: float, confidence: float) -> None:
    where = "Sample size calculator"
    if population <= 0 or int(population) != population:
        raise KnownError(f"The number of eligible cases must be a whole number above 0 (got {population}).",
                         where=where, hint="Enter how many patients met the audit's inclusion criteria.")
    if not 0.0 <= expected <= 1.0:
        raise KnownError(f"Expected compliance must be between 0% and 100% (got {expected * 100:g}%).",
                         where=where, hint="Use 50% if you have no idea what compliance will be.")
    if not 0.0 < margin < 1.0:
        raise KnownError(f"The margin of error must be between 0% and 100% (got {margin * 100:g}%).",
                         where=where, hint="5% is usual; 10% needs fewer cases but is less precise.")
    if not 0.0 < confidence < 1.0:
        raise KnownError(f"The confidence level must be between 0% and 100% (got {confidence * 100:g}%).",
                         where=where, hint="95% is usual.")


def _raw_sample_size(population: int, expected: float, margin: float, confidence: float) -> float:
    from model.core.stats import z_value

    z2 = z_value(confidence) ** 2
    pq = expected * (1.0 - expected)
    return z2 * population * pq / (margin**2 * population + z2 * pq)


def sample_size(
    population: int, expected: float = 0.5, margin: float = 0.05, confidence: float = 0.95
) -> int:
    """Finite-population sample size for estimating a compliance proportion.

    n = z² · N · p · (1 − p) / (A² · N + z² · p · (1 − p)), rounded up. An expected
    compliance of exactly 0 or 1 makes the formula ask for no cases; at least one is returned.

    Args:
        population: N, the number of eligible cases.
        expected: p, the expected compliance as a proportion (0.5 when unknown: largest n).
        margin: A, the margin of error as a proportion (0.05 for ±5 points).
        confidence: the confidence level (0.95).

    Returns:
        The number of cases to audit, between 1 and `population`.

    Raises:
        KnownError: when an input is out of range.
    """
    _check_sample_inputs(population, expected, margin, confidence)
    raw = _raw_sample_size(population, expected, margin, confidence)
    return int(min(population, max(1, math.ceil(raw - _CEIL_SLACK))))


def explain_sample_size(
    population: int, expected: float = 0.5, margin: float = 0.05, confidence: float = 0.95
) -> str:
    """The sample-size calculation written out for a clinician.

    Args:
        population: N, the number of eligible cases.
        expected: expected compliance (0–1).
        margin: margin of error (0–1).
        confidence: confidence level (0–1).

    Returns:
        A few lines: the formula with the numbers in it, the result, and what it means.

    Raises:
        KnownError: when an input is out of range.
    """
    n = sample_size(population, expected, margin, confidence)
    raw = _raw_sample_size(population, expected, margin, confidence)
    from model.core.stats import z_value

    z = z_value(confidence)
    p, a = expected, margin
    zpq = f"{z:.2f}² × {p:g} × {1 - p:g}"
    formula = (
        f"n = z² × N × p × (1 − p) / (A² × N + z² × p × (1 − p))\n"
        f"  = {z:.2f}² × {population} × {p:g} × {1 - p:g} / ({a:g}² × {population} + {zpq})\n"
        f"  = {raw:.2f}, rounded up to {n}."
    )
    words = (
        f"Auditing {n} of the {population} eligible cases lets you state compliance to within about "
        f"±{a * 100:g} percentage points with {confidence * 100:g}% confidence, if compliance is "
        f"near the expected {p * 100:g}%. N is the number of eligible cases, p the expected compliance, "
        f"A the margin of error and z = {z:.2f} the value for {confidence * 100:g}% confidence."
    )
    if p in (0.0, 1.0):
        words += " An expected compliance of 0% or 100% leaves no room for variation, so the formula " \
                 "asks for almost no cases; use 50% if unsure."
    elif n == population:
        words += " This means auditing every eligible case."
    return f"{formula}\n{words}"


@dataclass(frozen=True)
class SampleSelection:
    """How a sample was drawn, and which cases it holds.

    Attributes:
        method: "random" (simple random, without replacement) or "systematic".
        seed: the random seed used (reproduce with `numpy.random.default_rng(seed)`);
            None for a systematic sample whose start was given.
        k: the sampling interval for a systematic sample (None for random).
        start: the 1-based position of the first case for a systematic sample.
        population_size: N, the number of eligible cases listed.
        selected: the chosen references, in the order of the original list.
    """

    method: str
    seed: int | None
    k: int | None
    start: int | None
    population_size: int
    selected: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One sentence for the report's method section."""
        n, big_n = len(self.selected), self.population_size
        if self.method == "random":
            return f"Simple random sample of {n} from {big_n} eligible cases (seed {self.seed})."
        how = f"random start, seed {self.seed}" if self.seed is not None else "start chosen by the team"
        every = "every case" if self.k == 1 else f"every {_ordinal(self.k or 1)} case"
        return (f"Systematic sample of {n} from {big_n} eligible cases: {every} "
                f"starting from case {self.start} of the list ({how}).")


def _ordinal(k: int) -> str:
    """2 -> "2nd", 11 -> "11th", 23 -> "23rd"."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _new_seed() -> int:
    return _SEED_LOW + secrets.randbelow(_SEED_HIGH - _SEED_LOW)


def _check_selection(case_refs: Sequence[str], n: int) -> None:
    where = "Sample selection"
    if len(case_refs) == 0:
        raise KnownError("The list of eligible cases is empty.", where=where,
                         hint="Paste or import the list of eligible cases first.")
    if len(set(case_refs)) != len(case_refs):
        raise KnownError("The list of eligible cases contains the same reference more than once.",
                         where=where, hint="Remove the repeated references, then select again.")
    if not 1 <= n <= len(case_refs):
        raise KnownError(f"The sample size must be between 1 and {len(case_refs)} (got {n}).",
                         where=where, hint="A sample cannot be larger than the list of eligible cases.")


def select_random(case_refs: Sequence[str], n: int, seed: int | None = None) -> SampleSelection:
    """Simple random sample without replacement.

    Args:
        case_refs: the eligible cases' references, in list order; no duplicates.
        n: how many to select.
        seed: random seed; when None one is generated and recorded.

    Returns:
        The `SampleSelection`, selected cases in their original order.

    Raises:
        KnownError: for an empty list, duplicates, or n outside 1..len(case_refs).
    """
    _check_selection(case_refs, n)
    seed = _new_seed() if seed is None else seed
    import numpy as np  # lazily: model.plan.cycles imports this module at start-up

    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(case_refs), size=n, replace=False))
    return SampleSelection("random", seed, None, None, len(case_refs), [case_refs[i] for i in chosen])


def select_systematic(
    case_refs: Sequence[str], n: int, start: int | None = None, seed: int | None = None
) -> SampleSelection:
    """Systematic sample: every k-th case, k = ⌊N/n⌋, from a start in 1..k.

    Args:
        case_refs: the eligible cases' references, in list order; no duplicates.
        n: how many to select.
        start: 1-based position of the first case; random (and recorded) when None.
        seed: seed for the random start; generated and recorded when None.

    Returns:
        The `SampleSelection` with exactly n cases.

    Raises:
        KnownError: for an empty list, duplicates, n out of range, or a start outside 1..k.
    """
    _check_selection(case_refs, n)
    k = len(case_refs) // n
    if start is None:
        seed = _new_seed() if seed is None else seed
        import numpy as np

        start = int(np.random.default_rng(seed).integers(1, k + 1))
    elif not 1 <= start <= k:
        raise KnownError(f"The starting case must be between 1 and {k} (got {start}).",
                         where="Sample selection", hint="Leave the start empty to choose it at random.")
    else:
        seed = None
    selected = list(case_refs[start - 1 :: k][:n])
    return SampleSelection("systematic", seed, k, start, len(case_refs), selected)


class CaseList(list[str]):
    """A parsed list of case references that also reports what was repeated.

    Attributes:
        duplicates: references that appeared more than once (each listed once, in
            first-seen order); the list itself keeps only the first occurrence.
    """

    duplicates: tuple[str, ...] = ()


# Line breaks, commas, tabs and semicolons separate references. Spaces do not: an NHS
# number pasted as "943 476 5919" is one reference.
_SEPARATORS = re.compile(r"[\r\n,\t;]+")


def parse_case_list(text: str) -> CaseList:
    """Parse a pasted list of case references.

    One per line, or separated by commas, tabs or semicolons; each trimmed (and any
    surrounding double quotes removed), blanks dropped, duplicates kept once and reported.

    Args:
        text: the pasted text.

    Returns:
        A `CaseList` (a list of str) with a `duplicates` attribute.
    """
    seen: dict[str, None] = {}
    repeated: dict[str, None] = {}
    for raw in _SEPARATORS.split(text):
        ref = raw.strip().strip('"').strip()
        if not ref:
            continue
        if ref in seen:
            repeated[ref] = None
        seen[ref] = None
    result = CaseList(seen)
    result.duplicates = tuple(repeated)
    return result
