"""The data-collection proforma: an Excel workbook to fill in, that imports itself back.

Sheets: "Instructions" (the audit, the cycle, how to fill it in, every criterion with its
full statement and exceptions), "Data" (one row per case; criteria columns with Yes/No/N/A
drop-downs and the statement as a cell note) and a hidden "_auditloop" sheet recording the
audit, the cycle and what each Data column is, so `proforma_mapping` maps a returned copy
without asking. Every text written is neutralised against formula injection (DOMAIN.md §10).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet
from sqlite_utils import Database

from model.collect.entry import choices, threshold_text
from model.collect.import_mapping import CASE_FIELDS, CRITERION_PREFIX, criterion_target
from model.collect.sheets import SheetTable, list_sheets, read_raw_sheets
from model.core.errors import ImportProblem, KnownError
from model.core.excel_safety import neutralise, unneutralise
from model.plan.audits import get_audit
from model.plan.criteria import Criterion, list_criteria
from model.plan.cycles import Cycle, get_cycle

META_SHEET = "_auditloop"
DATA_SHEET = "Data"
FORMAT = "auditloop-proforma-1"
# (target, header, width) of the case columns, in sheet order.
CASE_COLUMNS = (("case_ref", "Case ref", 12), ("case_date", "Case date", 13), ("age", "Age", 7),
                ("sex", "Sex", 9), ("ward", "Ward", 14), ("collector", "Collector", 16))
#: What the instructions say goes in each case column (the report's proforma appendix prints them).
CASE_COLUMN_HELP = {"case_ref": "A reference for the case (never a name or NHS number).",
                    "case_date": "The date of the case (admission, procedure or visit), dd/mm/yyyy.",
                    "age": "Age in completed years.", "sex": "Sex as recorded.",
                    "ward": "The ward or unit.", "collector": "Who collected the data for this case."}
YES_NO_LIST = '"Yes,No,N/A"'
DEFAULT_ROWS = 200
MAX_LIST_CHARS = 255  # Excel's limit on a typed drop-down list
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def safe_cell(text: str) -> str:
    """Text that Excel will not run as a formula (model.core.excel_safety.neutralise)."""
    safe: str = neutralise(text)
    return safe


@dataclass(frozen=True)
class ProformaMeta:
    """What the hidden sheet of a returned proforma says.

    Attributes:
        audit_uid: the audit it was made for.
        cycle_id: the cycle's id in the database that made it.
        cycle_number: the cycle's number (1 = baseline).
        columns: Data-sheet header → mapping target ("case_ref", "criterion:<lineage>", …).
    """

    audit_uid: str
    cycle_id: int
    cycle_number: int
    columns: dict[str, str]


def _criterion_note(c: Criterion) -> str:
    parts = [c.statement]
    if c.exceptions.strip():
        parts.append(f"Exceptions (answer N/A): {c.exceptions}")
    if c.answer_type in ("numeric", "time_diff"):
        parts.append(f"Enter the number ({c.threshold_unit or 'value'}); {threshold_text(c)}.")
    elif c.answer_type == "choice":
        parts.append("Choose one of: " + ", ".join(choices(c)))
    else:
        parts.append("Answer Yes, No or N/A; leave blank if unknown.")
    return "\n".join(parts)


def _headers(criteria: list[Criterion]) -> list[str]:
    """Unique criterion headers (short names; a repeat gets its number)."""
    seen: set[str] = {h for _t, h, _w in CASE_COLUMNS}
    out = []
    for i, c in enumerate(criteria, start=1):
        header = c.short_name.strip() or f"Criterion {i}"
        if header in seen:
            header = f"{header} ({i})"
        seen.add(header)
        out.append(header)
    return out


def proforma_columns(criteria: list[Criterion]) -> list[tuple[str, str]]:
    """(header, what to enter) of every column of the proforma's Data sheet, in sheet order.

    The same headers and notes `export_proforma` writes, so the report's appendix shows the
    form the data was collected on.
    """
    rows = [(header, CASE_COLUMN_HELP.get(target, "")) for target, header, _w in CASE_COLUMNS]
    rows += [(header, _criterion_note(c)) for c, header in zip(criteria, _headers(criteria), strict=True)]
    return rows


def export_proforma(db: Database, cycle_id: int, path: str | Path, *, rows: int = DEFAULT_ROWS) -> Path:
    """Write the proforma workbook for a cycle.

    Raises:
        KnownError: the cycle has no criteria, or the file cannot be written.
    """
    cycle = get_cycle(db, cycle_id)
    audit = get_audit(db, cycle.audit_id)
    criteria = list_criteria(db, cycle_id)
    if not criteria:
        raise KnownError("This cycle has no criteria yet, so there is nothing to collect.",
                         hint="Add the criteria on the Criteria page first.")
    book = Workbook()
    _instructions(book.active, audit.title, cycle.title, cycle, criteria)
    headers = _headers(criteria)
    _data_sheet(book.create_sheet(DATA_SHEET), criteria, headers, rows)
    _meta_sheet(book.create_sheet(META_SHEET), audit.uid, cycle, criteria, headers)
    path = Path(path)
    try:
        book.save(path)
    except OSError as exc:
        raise KnownError("The proforma could not be saved.", where=str(path),
                         hint=f"Close it in Excel or choose another folder ({exc.strerror}).") from exc
    return path


def _instructions(ws: Worksheet, title: str, cycle_title: str, cycle: Cycle, criteria: list[Criterion]) -> None:
    ws.title = "Instructions"
    period = f"{cycle.period_start or '?'} to {cycle.period_end or '?'}"
    lines = [
        (title, Font(bold=True, size=14)),
        (f"{cycle_title} · data collection period {period}", None),
        ("", None),
        ("How to fill it in", Font(bold=True)),
        ("One row per case on the 'Data' sheet. Give every case a reference (not a name or NHS number).", None),
        ("Answer each criterion Yes, No or N/A (not applicable: an exception below). Leave a cell blank only "
         "when the notes do not say; blank is counted as missing, never as No.", None),
        ("Dates as dd/mm/yyyy. Do not add, rename or reorder columns; keep the hidden sheet.", None),
        ("", None),
        ("Criteria", Font(bold=True)),
    ]
    for c in criteria:
        lines.append((f"{c.label}: {c.statement}", Font(bold=True)))
        if c.exceptions.strip():
            lines.append((f"    Exceptions (answer N/A): {c.exceptions}", None))
        if c.data_location.strip():
            lines.append((f"    Where to find it: {c.data_location}", None))
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=safe_cell(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
    ws.column_dimensions["A"].width = 110


def _data_sheet(ws: Worksheet, criteria: list[Criterion], headers: list[str], rows: int) -> None:
    yes_no = DataValidation(type="list", formula1=YES_NO_LIST, allow_blank=True, showErrorMessage=True,
                            errorTitle="Answer", error="Choose Yes, No or N/A (or leave blank).")
    dates = DataValidation(type="date", operator="between", formula1="DATE(1990,1,1)",
                           formula2="DATE(2100,12,31)", allow_blank=True, showErrorMessage=True,
                           errorTitle="Date", error="Enter a date as dd/mm/yyyy.")
    ws.add_data_validation(yes_no)
    ws.add_data_validation(dates)
    last = rows + 1
    for col, (_target, header, width) in enumerate(CASE_COLUMNS, start=1):
        _header_cell(ws, col, header, width)
        if header == "Case date":
            dates.add(f"{get_column_letter(col)}2:{get_column_letter(col)}{last}")
            for r in range(2, last + 1):
                ws.cell(row=r, column=col).number_format = "DD/MM/YYYY"
    for offset, (c, header) in enumerate(zip(criteria, headers, strict=True)):
        col = len(CASE_COLUMNS) + 1 + offset
        cell = _header_cell(ws, col, header, max(12, min(28, len(header) + 2)))
        cell.comment = Comment(safe_cell(_criterion_note(c)), "AuditLoop", width=320, height=160)
        letter = get_column_letter(col)
        if c.answer_type == "yes_no":
            yes_no.add(f"{letter}2:{letter}{last}")
        elif c.answer_type == "choice" and _list_fits(listed := [safe_cell(o) for o in choices(c)]):
            options = DataValidation(type="list", formula1='"' + ",".join(listed).replace('"', "") + '"',
                                     allow_blank=True)
            ws.add_data_validation(options)
            options.add(f"{letter}2:{letter}{last}")
    ws.freeze_panes = "B2"


def _list_fits(options: list[str]) -> bool:
    """Whether the options can be an in-cell drop-down list.

    Excel splits a typed list at commas and refuses one longer than 255 characters (it "repairs"
    the file and drops every list); such options are left to the header's note instead.
    """
    return bool(options) and not any("," in o for o in options) and len(",".join(options)) <= MAX_LIST_CHARS


def _header_cell(ws: Worksheet, col: int, header: str, width: int) -> Cell:
    cell = ws.cell(row=1, column=col, value=safe_cell(header))
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions[get_column_letter(col)].width = width
    return cell


def _meta_sheet(ws: Worksheet, audit_uid: str, cycle: Cycle, criteria: list[Criterion], headers: list[str]) -> None:
    ws.sheet_state = "hidden"
    ws.append(["format", FORMAT])
    ws.append(["audit_uid", audit_uid])
    ws.append(["cycle_id", cycle.id])
    ws.append(["cycle_number", cycle.number])
    ws.append(["column", "target"])
    for target, header, _w in CASE_COLUMNS:
        ws.append([safe_cell(header), target])
    for c, header in zip(criteria, headers, strict=True):
        ws.append([safe_cell(header), criterion_target(c)])


def read_proforma_meta(path: str | Path) -> ProformaMeta | None:
    """The hidden sheet's contents when `path` is an AuditLoop proforma, else None.

    Read by the one spreadsheet reader (``model.collect.sheet_files``), with its checks: a file
    it cannot read is not one of our proformas (the import then reports why it cannot be read).
    """
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        if META_SHEET not in list_sheets(path):
            return None
        grid = read_raw_sheets(path, [META_SHEET])[META_SHEET].grid
    except ImportProblem:
        return None
    rows = [tuple(v if isinstance(v, str) else None for v in r) for r in grid.to_numpy(dtype=object).tolist()]
    return _parse_meta(rows)


def _unquote(text: object) -> str:
    return unneutralise(text)


def _parse_meta(rows: list[tuple[Any, ...]]) -> ProformaMeta | None:
    head = {str(r[0]): r[1] for r in rows[:4] if r and len(r) > 1}
    if head.get("format") != FORMAT:
        return None
    columns = {_unquote(r[0]): str(r[1]) for r in rows[5:] if r and r[0] is not None and r[1]}
    return ProformaMeta(audit_uid=str(head.get("audit_uid", "")), cycle_id=int(head.get("cycle_id") or 0),
                        cycle_number=int(head.get("cycle_number") or 0), columns=columns)


def proforma_mapping(meta: ProformaMeta, table: SheetTable, db: Database, cycle_id: int) -> dict[str, str]:
    """The column mapping a proforma carries, for this cycle's criteria.

    Criteria are matched by lineage, so a baseline proforma also maps into the re-audit for
    the criteria both cycles share; anything else is ignored.
    """
    wanted = {criterion_target(c) for c in list_criteria(db, cycle_id)} | set(CASE_FIELDS)
    mapping = {}
    for column in table.columns:
        target = meta.columns.get(column, "ignore")
        mapping[column] = target if target in wanted else "ignore"
    return mapping


__all__ = ["CRITERION_PREFIX", "ProformaMeta", "export_proforma", "proforma_mapping", "read_proforma_meta",
           "safe_cell"]
