"""What the spreadsheet import wizard gathers, and the reading and planning it runs in the background.

No widgets here: each function runs off the GUI thread through gui.tasks.run_task with its own
store connection. The commit (the one step that writes) is started by the wizard itself
(gui.import_wizard).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from model.collect import case_import as ci
from model.collect.proforma import DATA_SHEET, ProformaMeta, read_proforma_meta
from model.collect.pseudonym import key_path_for, load_or_create_key
from model.collect.sheets import RawSheet, SheetTable, build_table, guess_data_sheet, read_raw_sheets
from model.core.progress import Progress
from model.plan.audits import get_audit
from model.plan.cycles import get_cycle
from model.store.store import Store

FILE_FILTER = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv);;All files (*)"


@dataclass
class LoadedFile:
    """A spreadsheet read in the background: its sheets, the guessed table and what we know of it."""

    path: Path
    sha256: str
    raws: dict[str, RawSheet]
    sheet: str
    table: SheetTable
    meta: ProformaMeta | None = None
    previous_import: int | None = None


@dataclass
class Session:
    """What the wizard has gathered so far."""

    loaded: LoadedFile | None = None
    table: SheetTable | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    merges: dict[str, dict[str, str]] = field(default_factory=dict)
    plan: ci.ImportPlan | None = None
    replace_import_id: int | None = None



def load_file_task(progress: Progress, path: Path, store: Store | None, cycle_id: int | None) -> LoadedFile:
    """Read every sheet, guess the data sheet and header, and look for an earlier import."""
    progress.report(0, 3, f"Reading {path.name}…")
    raws = read_raw_sheets(path)
    progress.report(1, 3, "Finding the data…")
    meta = read_proforma_meta(path)
    sheet = DATA_SHEET if meta is not None and DATA_SHEET in raws else guess_data_sheet(
        {n: r.grid for n, r in raws.items()})
    table = build_table(path, raws[sheet])
    progress.report(2, 3, "Checking earlier imports…")
    sha = ci.file_sha256(path)
    previous = None
    if store is not None and cycle_id is not None:
        with store.connect() as db:
            previous = ci.find_previous_import(db, cycle_id, sha)
    return LoadedFile(path, sha, raws, sheet, table, meta, previous)


def table_task(progress: Progress, path: Path, raw: RawSheet, header_row: int | None) -> SheetTable:
    """The table of a sheet, with the detected header or the one the user chose."""
    progress.report(0, 1, "Reading the sheet…")
    return build_table(path, raw) if header_row is None else ci.table_at_header(path, raw, header_row)


def values_task(progress: Progress, store: Store, cycle_id: int, table: SheetTable,
                mapping: dict[str, str]) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """The unreadable answers (one row per cell) and the ward/site/team spellings to merge."""
    progress.report(0, 1, "Reading the answers…")
    with store.connect() as db:
        return ci.unrecognised_values(db, cycle_id, table, mapping), ci.proposed_merges(db, table, mapping)


def plan_task(progress: Progress, store: Store, cycle_id: int, table: SheetTable, mapping: dict[str, str],
              decisions: dict[str, str], replace_import_id: int | None,
              merges: dict[str, dict[str, str]] | None = None) -> ci.ImportPlan:
    """Plan the import with the audit's identifier rules and key."""
    progress.report(0, 1, "Checking every row…")
    with store.connect() as db:
        audit = get_audit(db, get_cycle(db, cycle_id).audit_id)
        # Any column may turn out to hold NHS numbers (a case reference, a ward): they are
        # pseudonymised whatever they are mapped to, so the key is needed whenever identifiers
        # are not kept, not only when a column is mapped as the NHS or hospital number.
        key = None if audit.keep_identifiers else load_or_create_key(key_path_for(store.path, audit.uid))
        return ci.plan_import(db, cycle_id, table, mapping, decisions, keep_identifiers=bool(audit.keep_identifiers),
                              key=key, replace_import_id=replace_import_id, merges=merges)

