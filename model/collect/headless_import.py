"""A case import with no window: what `import-cases` runs (audit departments' monthly Forms exports).

It is the import wizard's own pipeline (``model.collect.case_import``): the same reader, the
same auto-mapping, answer vocabularies, pseudonymisation and all-or-nothing commit. What the
wizard asks the user is given up front instead: ``maps`` (a header → a case field, a criterion
or "ignore"), ``values`` (an unreadable answer → an outcome) and ``unrecognised_as`` (an
outcome for every unreadable answer left). Answer columns nobody mapped and unreadable answers
nobody decided on stop the import: the summary lists them and nothing is stored.

The summary's fields are a public interface (README, `import-cases`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlite_utils import Database

from model.collect.answers import OUTCOMES, answer_key
from model.collect.case_import import (
    CASE_FIELDS,
    IGNORE,
    auto_mapping,
    commit_import,
    criterion_target,
    file_sha256,
    find_previous_import,
    load_profile,
    plan_import,
    unrecognised_values,
)
from model.collect.import_plan import ImportPlan
from model.collect.pseudonym import key_path_for, load_or_create_key
from model.collect.sheet_analysis import guess_column_roles
from model.collect.sheets import SheetTable, read_table
from model.core.errors import KnownError
from model.plan.audits import get_audit
from model.plan.criteria import Criterion, list_criteria
from model.plan.cycles import get_cycle

#: What `--map HEADER=FIELD` accepts besides a criterion's short name or statement.
MAP_FIELDS: dict[str, str] = {IGNORE: "leave the column out", **CASE_FIELDS}


@dataclass
class HeadlessRequest:
    """What the command line says about one import.

    Attributes:
        path: the spreadsheet or CSV file.
        cycle_id: the cycle to import into.
        store_path: the data file (its folder holds the audits' pseudonymisation keys).
        sheet: the sheet to read (None: the data sheet, as the wizard guesses it).
        profile: a saved mapping to start from instead of the automatic one.
        maps: header → FIELD (a key of ``MAP_FIELDS``, or a criterion's short name or statement).
        values: an unreadable answer as typed → "met", "not_met", "exception" or "missing".
        unrecognised_as: the outcome of every unreadable answer ``values`` does not decide; None stops.
        dry_run: plan only; nothing is stored.
        replace: the same file was imported into this cycle before: replace that import.
    """

    path: Path
    cycle_id: int
    store_path: Path
    sheet: str | None = None
    profile: str | None = None
    maps: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    unrecognised_as: str | None = None
    dry_run: bool = False
    replace: bool = False


def _collapse(text: str) -> str:
    return " ".join(text.split()).casefold()


def _criterion_named(criteria: list[Criterion], name: str) -> Criterion | None:
    """The criterion whose short name or statement is `name` (spacing and case aside)."""
    wanted = _collapse(name)
    return next((c for c in criteria if wanted in {_collapse(c.short_name or ""), _collapse(c.statement)}), None)


def _column_named(table: SheetTable, header: str) -> str:
    if header in table.columns:
        return header
    found = [c for c in table.columns if _collapse(c) == _collapse(header)]
    if len(found) != 1:
        raise KnownError(f"The sheet has no column called '{header}'.", where=str(table.path),
                         hint="Columns: " + ", ".join(f"'{c}'" for c in table.columns[:40]) + ".")
    return found[0]


def _target(criteria: list[Criterion], field_name: str) -> str:
    key = field_name.strip()
    if key.casefold() in MAP_FIELDS:
        return key.casefold()
    crit = _criterion_named(criteria, key)
    if crit is None:
        raise KnownError(f"'{field_name}' is neither a case field nor one of this cycle's criteria.",
                         hint="Case fields: " + ", ".join(MAP_FIELDS) + "; criteria: "
                         + ", ".join(f"'{c.label}'" for c in criteria) + ".")
    return criterion_target(crit)


def build_mapping(db: Database, request: HeadlessRequest, table: SheetTable) -> tuple[dict[str, str], dict[str, str]]:
    """(mapping, how each column got its target: "auto", "profile", "name" or "given")."""
    criteria = list_criteria(db, request.cycle_id)
    start = "profile" if request.profile else "auto"
    mapping = load_profile(db, request.profile, table, request.cycle_id) if request.profile else \
        auto_mapping(db, request.cycle_id, table)
    how = dict.fromkeys(mapping, start)
    # A header that is a criterion's short name or statement maps to it without being told.
    for column in table.columns:
        crit = _criterion_named(criteria, column)
        if crit is not None:
            _assign(mapping, how, column, criterion_target(crit), "name")
    for header, field_name in request.maps.items():
        _assign(mapping, how, _column_named(table, header), _target(criteria, field_name), "given")
    return mapping, how


def _assign(mapping: dict[str, str], how: dict[str, str], column: str, target: str, reason: str) -> None:
    """Map `column` to `target`; a column that held the target by a weaker reason lets it go."""
    for other, held in list(mapping.items()):
        if other != column and held == target and target != IGNORE:
            if how.get(other) == "given":
                raise KnownError(f"Two columns are mapped to the same field: '{other}' and '{column}'.",
                                 hint="Give each FIELD to one --map only.")
            mapping[other], how[other] = IGNORE, reason
    mapping[column], how[column] = target, reason


def _decisions(request: HeadlessRequest, odd: pd.DataFrame) -> dict[str, str]:
    """Outcomes for unreadable answers: those given, then `unrecognised_as` for the rest."""
    for value, outcome in [*request.values.items(), *([("", request.unrecognised_as)] if request.unrecognised_as
                                                         else [])]:
        if outcome not in OUTCOMES or outcome == "unrecognised":
            raise KnownError(f"'{outcome}' (for '{value}') is not an outcome.",
                             hint="Use met, not_met, exception or missing.")
    decided = {answer_key(v): o for v, o in request.values.items()}
    if request.unrecognised_as:
        for key in odd["key"].unique():
            decided.setdefault(str(key), request.unrecognised_as)
    return decided


def _key(db: Database, request: HeadlessRequest) -> bytes | None:
    audit = get_audit(db, get_cycle(db, request.cycle_id).audit_id)
    if audit.keep_identifiers:
        return None
    path = key_path_for(request.store_path, audit.uid)
    if request.dry_run and not path.exists():
        return os.urandom(32)  # nothing is stored, so no key file is made for a dry run
    return load_or_create_key(path)


def run_headless_import(db: Database, request: HeadlessRequest) -> dict[str, Any]:
    """Read, map, plan and (unless stopped or a dry run) commit one file; the JSON summary.

    ``summary["applied"]`` says whether cases were stored; ``summary["stopped"]`` lists why
    not (unmapped answer columns, undecided unreadable answers), each with what to pass.

    Raises:
        KnownError: unreadable file, unknown column or field, unusable mapping, already imported.
    """
    table = read_table(request.path, request.sheet)
    mapping, how = build_mapping(db, request, table)
    given_ignore = {c for c, t in mapping.items() if t == IGNORE and how[c] == "given"}
    unmapped = [g.name for g in guess_column_roles(table)
                if g.role == "answer" and mapping.get(g.name) == IGNORE and g.name not in given_ignore]
    odd = unrecognised_values(db, request.cycle_id, table, mapping)
    decisions = _decisions(request, odd)
    undecided = odd[~odd["key"].isin(list(decisions))]
    sha = file_sha256(request.path)
    previous = find_previous_import(db, request.cycle_id, sha)
    if previous is not None and not request.replace:
        raise KnownError("This file was imported into this cycle before.", where=str(request.path),
                         hint="Add --replace to replace that import, or choose another file.")
    stopped = _stops(unmapped, undecided)
    keep = bool(get_audit(db, get_cycle(db, request.cycle_id).audit_id).keep_identifiers)
    plan = plan_import(db, request.cycle_id, table, mapping, decisions, keep_identifiers=keep,
                       key=_key(db, request), replace_import_id=previous if request.replace else None)
    import_id = None
    if not stopped and not request.dry_run:
        import_id = commit_import(db, request.cycle_id, plan, file_name=request.path.name, sha256=sha)
    return _summary(db, request, table, mapping, how, plan, stopped, undecided, import_id)


def _stops(unmapped: list[str], undecided: pd.DataFrame) -> list[dict[str, Any]]:
    stops: list[dict[str, Any]] = []
    if unmapped:
        stops.append({"reason": "answer columns not mapped to a criterion", "columns": unmapped,
                      "what_to_do": 'map each with --map "HEADER=CRITERION", '
                      'or leave it out with --map "HEADER=ignore"'})
    if len(undecided):
        stops.append({"reason": "answers the vocabulary cannot read", "values": sorted(undecided["value"].unique()),
                      "what_to_do": 'decide each with --value "TEXT=OUTCOME", or all with --unrecognised-as OUTCOME '
                      "(met, not_met, exception, missing)"})
    return stops


def _summary(db: Database, request: HeadlessRequest, table: SheetTable, mapping: Mapping[str, str],
             how: Mapping[str, str], plan: ImportPlan, stopped: list[dict[str, Any]], undecided: pd.DataFrame,
             import_id: int | None) -> dict[str, Any]:
    criteria = {criterion_target(c): c for c in list_criteria(db, request.cycle_id)}
    by_id = {int(c.id or 0): c for c in criteria.values()}
    cycle = get_cycle(db, request.cycle_id)
    left = plan.unrecognised.groupby("criterion").size().to_dict() if len(plan.unrecognised) else {}
    counts = []
    for crit_id, row in plan.counts.iterrows():
        crit = by_id.get(int(str(crit_id)))
        met, not_met, odd = int(row["met"]), int(row["not_met"]), int(left.get(row["label"], 0))
        # The plan leaves an undecided answer missing; here it is counted as what it is.
        counts.append({"criterion": row["label"], "short_name": crit.short_name if crit else "",
                       "met": met, "not_met": not_met, "exception": int(row["exception"]),
                       "missing": int(row["missing"]) - odd, "unrecognised": odd,
                       "compliance_pct": round(100 * met / (met + not_met), 1) if met + not_met else None})
    return {
        "file": request.path.name, "sheet": table.sheet, "header_row": table.header_row,
        "audit_id": cycle.audit_id, "cycle": cycle.number, "cycle_id": request.cycle_id,
        "mapping": [{"column": c, "letter": table.letter_of(c), "field": _field_name(t, criteria), "how": how[c]}
                    for c, t in mapping.items()],
        "cases": plan.case_count,
        "criteria": counts,
        "rejected_rows": [{"row": int(r["row"]), "column": str(r["column"]), "value": _plain(r["value"]),
                           "reason": str(r["reason"]), "action": str(r["action"])}
                          for r in plan.rejected.to_dict("records")],
        "unrecognised": [{"row": int(r["row"]), "column": str(r["column"]), "value": str(r["value"]),
                          "criterion": str(r["criterion"])} for r in undecided.to_dict("records")],
        "warnings": list(plan.warnings),
        "stopped": stopped,
        "dry_run": request.dry_run,
        "applied": import_id is not None,
        "import_id": import_id,
        "replaced_import_id": plan.replace_import_id if import_id is not None else None,
    }


def _field_name(target: str, criteria: Mapping[str, Criterion]) -> str:
    crit = criteria.get(target)
    return crit.short_name or crit.label if crit is not None else target


def _plain(value: object) -> object:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)
