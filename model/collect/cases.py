"""Cases (one per patient episode) and their answers, one per criterion.

Answers are stored normalised as met / not_met / exception / missing with the raw value
as entered; numeric and time answers also keep the number they were derived from. They are
packed on the case's row (model.store.case_answers explains the layout and why).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, NewType

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import now_iso
from model.store.case_answers import Answer, case_answers, write_case_answers
from model.store.rows import inserted_id

CaseId = NewType("CaseId", int)
OUTCOME_LABELS = {"met": "Met", "not_met": "Not met", "exception": "Exception (N/A)", "missing": "Missing"}
SEGMENT_FIELDS = ("age_band", "sex", "ethnicity", "imd_quintile", "ward", "site", "team")


@dataclass
class Case:
    """One patient episode in a cycle. Identifiers are pseudonymised before they get here."""

    cycle_id: int
    case_ref: str
    id: CaseId | None = None
    patient_key: str | None = None
    nhs_number: str | None = None
    hospital_number: str | None = None
    age: int | None = None
    age_band: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    imd_decile: int | None = None
    imd_quintile: int | None = None
    ward: str | None = None
    site: str | None = None
    team: str | None = None
    case_date: str | None = None
    collected_on: str | None = None
    collector: str | None = None
    import_id: int | None = None
    source_row: int | None = None
    created_at: str = ""
    updated_at: str = ""
    deleted_at: str | None = None
    answers: dict[int, Answer] = field(default_factory=dict)


_COLUMNS = [f.name for f in fields(Case) if f.name not in ("id", "answers")]


def _values(case: Case) -> dict[str, Any]:
    return {k: v for k, v in asdict(case).items() if k in _COLUMNS}


def _write_answers(db: Database, case_id: int, answers: dict[int, Answer]) -> None:
    write_case_answers(db, case_id, answers)


def add_case(db: Database, case: Case) -> Case:
    """Store a new case with its answers, in one transaction."""
    if not case.case_ref.strip():
        raise KnownError("A case needs a case reference (e.g. a proforma number).")
    stamp = now_iso()
    case.created_at, case.updated_at = stamp, stamp
    with db.atomic():
        if _ref_taken(db, case.cycle_id, case.case_ref, None):
            raise KnownError(f"Case reference '{case.case_ref}' is already used in this cycle.")
        case.id = CaseId(inserted_id(db.table("cases").insert(_values(case))))
        _write_answers(db, case.id, case.answers)
    return case


def update_case(db: Database, case: Case) -> Case:
    """Save a stored case's fields and answers."""
    if case.id is None:
        raise ValueError("update_case needs a stored case")
    case.updated_at = now_iso()
    with db.atomic():
        if _ref_taken(db, case.cycle_id, case.case_ref, case.id):
            raise KnownError(f"Case reference '{case.case_ref}' is already used in this cycle.")
        db.table("cases").update(case.id, _values(case))
        _write_answers(db, case.id, case.answers)
    return case


def _ref_taken(db: Database, cycle_id: int, ref: str, own_id: int | None) -> bool:
    row = db.execute(
        "SELECT id FROM cases WHERE cycle_id = ? AND case_ref = ? AND deleted_at IS NULL AND id IS NOT ?",
        [cycle_id, ref, own_id],
    ).fetchone()
    return row is not None


def delete_case(db: Database, case_id: int) -> None:
    """Soft-delete a case (undo with `restore_case`)."""
    with db.atomic():
        db.execute("UPDATE cases SET deleted_at = ? WHERE id = ?", [now_iso(), case_id])


def restore_case(db: Database, case_id: int) -> None:
    """Undo a case deletion (fails if its reference has been reused meanwhile)."""
    row = db.execute("SELECT cycle_id, case_ref FROM cases WHERE id = ?", [case_id]).fetchone()
    if row is None:
        raise KnownError("That case no longer exists.")
    if _ref_taken(db, row[0], row[1], case_id):
        raise KnownError(f"Case reference '{row[1]}' has been used again, so the case cannot be restored.")
    with db.atomic():
        db.execute("UPDATE cases SET deleted_at = NULL WHERE id = ?", [case_id])


def get_case(db: Database, case_id: int) -> Case:
    """One case with its answers."""
    rows = list(db.query("SELECT * FROM cases WHERE id = ?", [case_id]))
    if not rows:
        raise KnownError(f"Case {case_id} no longer exists.")
    case = Case(id=CaseId(rows[0]["id"]), **{k: rows[0][k] for k in _COLUMNS})
    case.answers = case_answers(db, case_id)
    return case


def list_cases(db: Database, cycle_id: int) -> list[Case]:
    """A cycle's live cases (without answers), in entry order."""
    rows = db.query("SELECT * FROM cases WHERE cycle_id = ? AND deleted_at IS NULL ORDER BY id", [cycle_id])
    return [Case(id=CaseId(r["id"]), **{k: r[k] for k in _COLUMNS}) for r in rows]


def count_cases(db: Database, cycle_id: int) -> int:
    """How many live cases a cycle holds."""
    count: int = db.execute(
        "SELECT COUNT(*) FROM cases WHERE cycle_id = ? AND deleted_at IS NULL", [cycle_id]
    ).fetchone()[0]
    return count


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list: the case and a count of its answers by outcome."""

    id: int
    case_ref: str
    case_date: str | None
    ward: str | None
    collector: str | None
    met: int
    not_met: int
    exception: int
    missing: int

    @property
    def summary(self) -> str:
        """E.g. "3 met · 1 not met · 0 N/A · 1 missing"."""
        return f"{self.met} met · {self.not_met} not met · {self.exception} N/A · {self.missing} missing"


def case_rows(db: Database, cycle_id: int, ref_filter: str = "") -> list[CaseRow]:
    """The cycle's live cases with answer counts, in entry order; `ref_filter` matches part of the ref.

    A criterion without an answer row for a case counts as missing.
    """
    # Letters counted in the packed outcomes (model.store.case_answers): M met, N not met, E exception.
    sql = """
        SELECT c.id, c.case_ref, c.case_date, c.ward, c.collector, met, not_met, exception,
               (SELECT COUNT(*) FROM criteria WHERE cycle_id = c.cycle_id) - met - not_met - exception
        FROM (SELECT *, length(outcomes) - length(replace(outcomes, 'M', '')) AS met,
                        length(outcomes) - length(replace(outcomes, 'N', '')) AS not_met,
                        length(outcomes) - length(replace(outcomes, 'E', '')) AS exception FROM cases) AS c
        WHERE c.cycle_id = ? AND c.deleted_at IS NULL AND c.case_ref LIKE ? ESCAPE '\\'
        ORDER BY c.id
    """
    pattern = "%" + ref_filter.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return [CaseRow(*row) for row in db.execute(sql, [cycle_id, pattern])]


def next_case_ref(db: Database, cycle_id: int) -> str:
    """A suggestion for the next case reference: the last one with its trailing number + 1.

    "C1-009" → "C1-010", "12" → "13"; when no reference ends in a number, "1".
    """
    import re

    rows = db.execute("SELECT case_ref FROM cases WHERE cycle_id = ? AND deleted_at IS NULL ORDER BY id DESC",
                      [cycle_id]).fetchall()
    taken = {r[0] for r in rows}
    for (ref,) in rows:
        match = re.fullmatch(r"(.*?)(\d+)", ref)
        if match:
            prefix, digits = match.groups()
            number = int(digits) + 1
            while (candidate := f"{prefix}{number:0{len(digits)}d}") in taken:
                number += 1
            return candidate
    number = len(rows) + 1
    while str(number) in taken:
        number += 1
    return str(number)
