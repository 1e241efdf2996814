"""Cycles: cycle 1 is the baseline, later cycles are re-audits of the same criteria."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NewType

from sqlite_utils import Database

from model.core.errors import ImportProblem, KnownError
from model.core.input_files import check_input_file
from model.core.text_table import decode_text
from model.core.util import now_iso, parse_iso_date, saved
from model.plan.criteria import Criterion, add_criterion, describe_changes, list_criteria
from model.plan.standards import Standard, is_newer
from model.store.rows import inserted_id

if TYPE_CHECKING:  # model.plan.sampling loads numpy: keep it out of the register's start-up path
    from model.plan.sampling import CaseList, SampleSelection

CycleId = NewType("CycleId", int)

CYCLE_STATUSES = {
    "planning": "Planning",
    "collecting": "Collecting data",
    "analysing": "Analysing",
    "complete": "Complete",
}
METHODS = {"retrospective": "Retrospective (from notes)", "prospective": "Prospective (as patients pass)"}
SAMPLING_METHODS = {
    "all": "All eligible cases",
    "simple_random": "Simple random sample",
    "systematic": "Systematic (every k-th case)",
    "consecutive": "Consecutive cases",
    "convenience": "Convenience sample",
}


@dataclass
class Cycle:
    """One round of measurement of an audit."""

    audit_id: int
    number: int = 1
    id: CycleId | None = None
    label: str = ""
    status: str = "planning"
    period_start: str | None = None
    period_end: str | None = None
    method: str = "retrospective"
    standard_id: int | None = None
    standard_version: str = ""
    population_size: int | None = None
    planned_sample: int | None = None
    sampling_method: str = "all"
    sampling_seed: int | None = None
    sampling_json: str = "{}"
    notes: str = ""
    started_on: str | None = None
    created_at: str = ""
    updated_at: str = ""

    @property
    def title(self) -> str:
        """'Cycle 1 (baseline)', 'Cycle 2 (re-audit)' or the user's label."""
        kind = "baseline" if self.number == 1 else "re-audit"
        return self.label or f"Cycle {self.number} ({kind})"


_COLUMNS = [f.name for f in fields(Cycle) if f.name != "id"]


def validate(cycle: Cycle) -> list[str]:
    """Problems that stop a cycle being saved."""
    problems = []
    if cycle.status not in CYCLE_STATUSES:
        problems.append(f"Unknown cycle status '{cycle.status}'.")
    if cycle.method not in METHODS:
        problems.append(f"Unknown method '{cycle.method}'.")
    if cycle.sampling_method not in SAMPLING_METHODS:
        problems.append(f"Unknown sampling method '{cycle.sampling_method}'.")
    for value in (cycle.population_size, cycle.planned_sample):
        if value is not None and value < 0:
            problems.append("Population and sample sizes cannot be negative.")
    try:
        start, end = parse_iso_date(cycle.period_start), parse_iso_date(cycle.period_end)
    except ValueError:
        problems.append("The data collection period must be real dates.")
    else:
        if start and end and end < start:
            problems.append("The data collection period ends before it starts.")
    return problems


def _row(row: dict[str, Any]) -> Cycle:
    return Cycle(id=CycleId(row["id"]), **{k: row[k] for k in _COLUMNS if k in row})


def list_cycles(db: Database, audit_id: int) -> list[Cycle]:
    """An audit's cycles, baseline first."""
    rows = db.query("SELECT * FROM cycles WHERE audit_id = ? ORDER BY number", [audit_id])
    return [_row(r) for r in rows]


def get_cycle(db: Database, cycle_id: int) -> Cycle:
    """One cycle by id."""
    rows = list(db.query("SELECT * FROM cycles WHERE id = ?", [cycle_id]))
    if not rows:
        raise KnownError(f"Cycle {cycle_id} no longer exists.")
    return _row(rows[0])


def create_cycle(db: Database, cycle: Cycle) -> Cycle:
    """Store a cycle (its number defaults to the next free one)."""
    problems = validate(cycle)
    if problems:
        raise KnownError(" ".join(problems))
    stamp = now_iso()
    cycle.created_at, cycle.updated_at = stamp, stamp
    with db.atomic():
        last = db.execute("SELECT COALESCE(MAX(number), 0) FROM cycles WHERE audit_id = ?", [cycle.audit_id])
        cycle.number = last.fetchone()[0] + 1
        values = {k: v for k, v in asdict(cycle).items() if k in _COLUMNS}
        cycle.id = CycleId(inserted_id(db.table("cycles").insert(values)))
    return cycle


def update_cycle(db: Database, cycle: Cycle) -> Cycle:
    """Save every field of a stored cycle."""
    if cycle.id is None:
        raise ValueError("update_cycle needs a stored cycle")
    problems = validate(cycle)
    if problems:
        raise KnownError(" ".join(problems))
    cycle.updated_at = now_iso()
    values = {k: v for k, v in asdict(cycle).items() if k in _COLUMNS}
    with db.atomic():
        db.table("cycles").update(cycle.id, values)
    return cycle


def start_next_cycle(db: Database, audit_id: int, **overrides: Any) -> Cycle:
    """Create the re-audit cycle, copying the latest cycle's criteria (same lineage)."""
    cycles = list_cycles(db, audit_id)
    with db.atomic():
        if not cycles:
            return create_cycle(db, Cycle(audit_id=audit_id, **overrides))
        previous = cycles[-1]
        base = {k: getattr(previous, k) for k in ("method", "standard_id", "standard_version",
                                                   "sampling_method", "planned_sample")}
        base.update(overrides)
        cycle = create_cycle(db, Cycle(audit_id=audit_id, **base))
        for c in list_criteria(db, saved(previous.id)):
            copy = Criterion(**{k: v for k, v in asdict(c).items() if k not in ("id", "cycle_id", "position")})
            copy.changes_from_previous = ""
            add_criterion(db, saved(cycle.id), copy)
    return cycle


def criteria_changes(db: Database, earlier_cycle_id: int, later_cycle_id: int) -> dict[str, str]:
    """For each lineage, what changed between two cycles ('added', 'removed' or the fields)."""
    before = {c.lineage: c for c in list_criteria(db, earlier_cycle_id)}
    after = {c.lineage: c for c in list_criteria(db, later_cycle_id)}
    changes: dict[str, str] = {}
    for lineage, new in after.items():
        old = before.get(lineage)
        text = "added in this cycle" if old is None else describe_changes(old, new)
        if text:
            changes[lineage] = text
    for lineage in before.keys() - after.keys():
        changes[lineage] = "removed in this cycle"
    return changes


# --- standards and sampling -----------------------------------------------------------------

def standard_version_notes(cycles: list[Cycle], standards: dict[int, Standard]) -> list[str]:
    """Plain sentences where cycles used different versions of a standard, or the library is newer.

    Args:
        cycles: an audit's cycles, baseline first.
        standards: the library's standards by id (for names and the current version).
    """
    notes = []
    used = [c for c in cycles if c.standard_id is not None and c.standard_version]
    for earlier, later in zip(used, used[1:], strict=False):
        if earlier.standard_id == later.standard_id and is_newer(later.standard_version, earlier.standard_version):
            name = _standard_name(standards, later.standard_id)
            notes.append(f"{later.title} uses a newer version of {name} ({later.standard_version}) than "
                         f"{earlier.title} ({earlier.standard_version}): check whether the criteria changed "
                         "before comparing the cycles.")
    if used:
        last = used[-1]
        current = standards.get(last.standard_id) if last.standard_id is not None else None
        if current is not None and is_newer(current.version, last.standard_version):
            name = _standard_name(standards, last.standard_id)
            notes.append(f"The library now holds version {current.version} of {name}; "
                         f"{last.title} used version {last.standard_version}.")
    return notes


def _standard_name(standards: dict[int, Standard], standard_id: int | None) -> str:
    standard = standards.get(standard_id) if standard_id is not None else None
    return (standard.reference_code or standard.title) if standard else "the standard"


def record_selection(db: Database, cycle_id: int, selection: SampleSelection) -> Cycle:
    """Save a drawn sample with its cycle so the report can state how it was drawn.

    Sets the sampling method, seed, population size and planned sample, and stores
    `sampling_json` = {"method", "seed", "k", "start", "population_size", "selected", "describe"}.
    """
    cycle = get_cycle(db, cycle_id)
    cycle.sampling_method = "simple_random" if selection.method == "random" else "systematic"
    cycle.sampling_seed = selection.seed
    cycle.population_size = selection.population_size
    cycle.planned_sample = len(selection.selected)
    cycle.sampling_json = json.dumps({
        "method": selection.method, "seed": selection.seed, "k": selection.k, "start": selection.start,
        "population_size": selection.population_size, "selected": list(selection.selected),
        "describe": selection.describe()}, ensure_ascii=False)
    return update_cycle(db, cycle)


def recorded_selection(cycle: Cycle) -> dict[str, Any] | None:
    """The sample stored with a cycle (see `record_selection`), or None when none was drawn."""
    try:
        data = json.loads(cycle.sampling_json or "{}")
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) and data.get("selected") else None


# Header cells that mark the first row of a case-list CSV as a heading, not a case.
_HEADER_NAMES = {"ref", "case", "case ref", "case_ref", "reference", "id", "mrn", "hospital number",
                 "nhs number", "patient", "patient id", "case reference"}


def read_case_list(path: Path | str) -> CaseList:
    """Read a list of eligible cases from a text or CSV file (first column, one case a line).

    Raises:
        ImportProblem: when the file cannot be read as text.
    """
    from model.plan.sampling import parse_case_list

    path = Path(path)
    raw = _read_text(path)
    if path.suffix.lower() != ".csv":
        return parse_case_list(raw)
    rows = [r for r in csv.reader(io.StringIO(raw)) if r and r[0].strip()]
    if rows and rows[0][0].strip().lower() in _HEADER_NAMES:
        rows = rows[1:]
    return parse_case_list("\n".join(r[0] for r in rows))


def _read_text(path: Path) -> str:
    """The file as text: the checks and the encoding decision every input file gets (model.core)."""
    check_input_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(f"Could not read the file: {exc.strerror}.", where=str(path)) from exc
    return decode_text(data, path)[0]
