"""The "quick look" at a spreadsheet: what it holds, read in the background, shown without importing."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from gui import dialogs
from gui.import_wizard_tasks import FILE_FILTER
from gui.tasks import Task, run_task
from model.collect.sheet_analysis import analyse_sheet
from model.core.progress import Progress


def analyse_task(progress: Progress, path: Path) -> dict[str, Any]:
    """analyse_sheet in the background."""
    progress.report(0, 1, f"Reading {path.name}…")
    return analyse_sheet(path)


class QuickLookDialog(QDialog):
    """What a spreadsheet holds: the data sheet, its header, each column's role and answers."""

    def __init__(self, result: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = result
        self.setWindowTitle(f"Quick look: {result['file']}")
        dialogs.fit_to_screen(self, 900, 600)
        self.text = QTextBrowser()
        self.text.setAccessibleName("What the spreadsheet holds")
        self.text.setHtml(quick_look_html(result))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


def quick_look_html(result: dict[str, Any]) -> str:
    """The analysis as a readable page."""
    rows = []
    for col in result["columns"]:
        answers = col.get("answers")
        summary = ""
        if answers:
            pct = "—" if answers["compliance_pct"] is None else f"{answers['compliance_pct']}%"
            summary = (f"met {answers['met']}, not met {answers['not_met']}, exception {answers['exception']}, "
                       f"missing {answers['missing']}, unreadable {answers['unrecognised']}; compliance {pct}")
        note = " ".join(col["warnings"])
        rows.append(f"<tr><td>{col['letter']}</td><td>{escape(col['name'])}</td><td>{col['role'].replace('_', ' ')}"
                    f"</td><td>{escape(summary)}</td><td style='color:#8a5a00'>{escape(note)}</td></tr>")
    dropped = ", ".join(f"row {d['row']} ({d['reason']})" for d in result["dropped_rows"]) or "none"
    warnings = "".join(f"<li>{escape(w)}</li>" for w in result["warnings"])
    return (f"<h3>{escape(result['file'])}</h3><p>Sheets: {escape(', '.join(result['sheets']))}. "
            f"Data sheet <b>{escape(result['sheet'])}</b>, header in row {result['header_row']}, "
            f"<b>{result['rows']}</b> rows. Left out: {escape(dropped)}.</p>"
            + (f"<ul>{warnings}</ul>" if warnings else "")
            + "<table border='1' cellpadding='4' cellspacing='0'><tr><th>Col</th><th>Header</th><th>Looks like</th>"
            "<th>Answers</th><th>Note</th></tr>" + "".join(rows) + "</table>")


def quick_look(parent: QWidget | None, path: str | Path | None = None) -> Task | None:
    """Ask for a file (unless given) and show the quick look when it has been read."""
    path = path or dialogs.open_file(parent, "Open spreadsheet for a quick look", FILE_FILTER)
    if not path:
        return None

    def show(result: dict[str, Any]) -> None:
        dialog = QuickLookDialog(result, parent)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        if parent is not None:
            parent.quick_look_dialog = dialog  # type: ignore[attr-defined] - keeps it reachable (tests)

    return run_task(parent, analyse_task, Path(path), on_success=show, title="Reading the spreadsheet…")
