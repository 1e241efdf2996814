"""Item models of the Benchmark stage and its import wizard (vorta's shape: COL_* constants, set_rows)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from model.benchmark.benchmark_compare import format_proportion
from model.benchmark.benchmark_import import MeasureGroup

Index = QModelIndex | QPersistentModelIndex
DASH = "—"
Column = tuple[str, str, Callable[[Any], str]]  # key, header, formatter


def _plain(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)


def _percent(value: Any) -> str:
    return format_proportion(None if value is None else float(value))


def _periods(value: Any) -> str:
    try:
        return ", ".join(json.loads(value)) or DASH
    except (TypeError, ValueError):
        return DASH


class FrameModel(QAbstractTableModel):
    """A read-only table over DataFrame rows; each column has a key, a header and a formatter."""

    COLUMNS: tuple[Column, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Replace every row from a DataFrame."""
        self.set_rows(frame.to_dict("records") if len(frame) else [])

    def row(self, row: int) -> dict[str, Any]:
        """The raw row dict."""
        return self.rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key, _, fmt = self.COLUMNS[index.column()]
        row = self.rows[index.row()]
        if role == Qt.DisplayRole:
            return fmt(row.get(key))
        if role == Qt.ToolTipRole:
            return self._tooltip(row, index.column())
        if role == Qt.BackgroundRole:
            return self._background(row)
        return None

    def _tooltip(self, row: dict[str, Any], col: int) -> str | None:
        return None

    def _background(self, row: dict[str, Any]) -> QBrush | None:
        return None


class DatasetsModel(FrameModel):
    """Imported benchmark files with their provenance (rows from `list_datasets`)."""

    COL_FILE, COL_PUBLISHER, COL_SHA, COL_IMPORTED, COL_PERIODS, COL_MEASURES = range(6)
    COLUMNS = (
        ("file_name", "File", _plain),
        ("publisher", "Publisher", lambda v: (str(v)[:60] + "…") if v and len(str(v)) > 60 else _plain(v or None)),
        ("sha256", "SHA-256", lambda v: str(v)[:12] if v else DASH),
        ("imported_at", "Imported", lambda v: str(v)[:16].replace("T", " ") if v else DASH),
        ("periods_json", "Periods", _periods),
        ("measure_count", "Measures", _plain),
    )

    def _tooltip(self, row: dict[str, Any], col: int) -> str | None:
        return f"{row.get('title') or row.get('publisher') or ''}\nSHA-256 {row.get('sha256', '')}".strip()


class MeasuresModel(FrameModel):
    """A dataset's measures (rows from `measures`)."""

    COL_CODE, COL_NAME, COL_UNIT = range(3)
    COLUMNS = (("measure_code", "Code", _plain), ("name", "Measure", _plain), ("unit", "Unit", _plain))


class LinksModel(FrameModel):
    """The audit's criterion–measure links (rows from `links_for_audit` plus `criterion`)."""

    COL_CRITERION, COL_MEASURE, COL_FILE, COL_PERIOD, COL_DIFFERENCE = range(5)
    COLUMNS = (
        ("criterion", "Criterion", _plain),
        ("measure_name", "National measure", _plain),
        ("file_name", "File", _plain),
        ("period", "Period", lambda v: v if isinstance(v, str) and v else "latest"),
        ("definition_difference", "Definition difference", lambda v: v or DASH),
    )


class OutliersModel(FrameModel):
    """The funnel's alert and alarm units (rows from `model.benchmark.benchmarks.outlier_table`)."""

    COL_CODE, COL_NAME, COL_COUNTS, COL_VALUE, COL_LIMITS, COL_STATUS = range(6)
    COLUMNS = (
        ("code", "Code", _plain),
        ("name", "Organisation", _plain),
        ("counts", "Met / eligible", _plain),
        ("value", "Proportion", _percent),
        ("limits", "95% limits", _plain),
        ("status", "Status (indicative)", _plain),
    )
    _BACKGROUND = {"alarm": "#f5b5ae", "alert": "#ffd8a8"}

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Rows from an outlier table, with counts and limits as text."""
        rows = frame.to_dict("records") if len(frame) else []
        for row in rows:
            row["counts"] = f"{row['numerator']:.0f} / {row['denominator']:.0f}"
            row["limits"] = f"{format_proportion(row['lower_95'])}–{format_proportion(row['upper_95'])}"
            if row.get("small_n_note"):
                row["status"] = f"{row['status']}; rests on very few cases"
        self.set_rows(rows)

    def _background(self, row: dict[str, Any]) -> QBrush | None:
        kind = str(row.get("flag", "")).split("_")[0]
        return QBrush(QColor(self._BACKGROUND[kind])) if kind in self._BACKGROUND else None


class ProblemsModel(FrameModel):
    """Cells or rows an import could not read (row, column, value, reason)."""

    COLUMNS = (("row", "Row", _plain), ("column", "Column", _plain), ("value", "Value", _plain),
               ("reason", "Reason", _plain))


class PreviewMeasuresModel(FrameModel):
    """Measures found in a parsed file (from `summarise(...)['measures']`)."""

    COLUMNS = (
        ("code", "Code", _plain),
        ("name", "Measure", _plain),
        ("unit", "Unit", lambda v: v or DASH),
        ("organisations", "Organisations", _plain),
        ("suppressed", "Suppressed", _plain),
        ("national_text", "National value", _plain),
    )

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Replace the rows, writing each measure's national value(s) as text."""
        for row in rows:
            row["national_text"] = "; ".join(
                f"{n['period'] or ''} {_plain(n['value'])}".strip() for n in row.get("national", [])
            ) or "not in file"
        super().set_rows(rows)


class OdsMatchesModel(FrameModel):
    """How each name without a code was matched to the ODS files (`summarise(...)['ods_matching']['names']`)."""

    COL_NAME, COL_ROLE, COL_HOW, COL_CODE, COL_ODS_NAME, COL_TRUST = range(6)
    HOW_TEXT = {"exact": "exact", "fuzzy": "fuzzy: check it", "ambiguous": "ambiguous: no code given",
                "unmatched": "not found: no code given"}
    COLUMNS = (
        ("name", "Name in the file", _plain),
        ("role", "As", lambda v: "trust" if v == "parent" else "organisation"),
        ("how", "Matched", lambda v: OdsMatchesModel.HOW_TEXT.get(str(v), _plain(v))),
        ("code", "ODS code", _plain),
        ("ods_name", "ODS name", _plain),
        ("parent_text", "Trust", _plain),
    )
    _BACKGROUND = {"fuzzy": "#fff3bf", "ambiguous": "#ffd8a8", "unmatched": "#ffd8a8"}

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Replace the rows, writing a site's trust as "code name"."""
        for row in rows:
            row["parent_text"] = " ".join(filter(None, [row.get("parent_code"), row.get("parent_name")])) or None
        super().set_rows(rows)

    def _tooltip(self, row: dict[str, Any], col: int) -> str | None:
        lines = [f"{row['how']}" + (f", similarity {row['score']:.2f}" if row.get("score") is not None else "")]
        lines += [f"{c['code']} {c['name']} ({c['score']:.2f})" for c in row.get("candidates", [])]
        if row.get("note"):
            lines.append(row["note"])
        return "\n".join(lines)

    def _background(self, row: dict[str, Any]) -> QBrush | None:
        colour = self._BACKGROUND.get(str(row.get("how")))
        return QBrush(QColor(colour)) if colour else None


class MappingModel(QAbstractTableModel):
    """The measure groups of a wide table, editable (code, name, columns, scale)."""

    COL_CODE, COL_NAME, COL_NUM, COL_DEN, COL_PCT, COL_SCALE = range(6)
    HEADERS = ("Code", "Measure name", "Numerator column", "Denominator column", "Percentage column", "Scale")
    _FIELDS = ("code", "name", "numerator_col", "denominator_col", "percent_col", "scale")
    COLUMN_COLS = (COL_NUM, COL_DEN, COL_PCT)

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[MeasureGroup] = []

    def set_rows(self, groups: Sequence[MeasureGroup]) -> None:
        """Replace every measure group."""
        self.beginResetModel()
        self.groups = list(groups)
        self.endResetModel()

    def add_row(self, group: MeasureGroup) -> None:
        """Append one measure group."""
        row = len(self.groups)
        self.beginInsertRows(QModelIndex(), row, row)
        self.groups.append(group)
        self.endInsertRows()

    def remove_row(self, row: int) -> None:
        """Drop one measure group."""
        if 0 <= row < len(self.groups):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.groups[row]
            self.endRemoveRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.groups)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.NoItemFlags
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsEditable

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.DisplayRole, Qt.EditRole, Qt.ToolTipRole):
            return None
        group = self.groups[index.row()]
        if role == Qt.ToolTipRole:
            return group.note or None
        value = getattr(group, self._FIELDS[index.column()])
        if index.column() == self.COL_SCALE:
            return f"{value:g}"
        return value or ("" if role == Qt.EditRole else "(none)")

    def setData(self, index: Index, value: Any, role: int = Qt.EditRole) -> bool:
        if not index.isValid() or role != Qt.EditRole:
            return False
        field = self._FIELDS[index.column()]
        text = str(value).strip()
        if index.column() == self.COL_SCALE:
            try:
                new: Any = float(text)
            except ValueError:
                return False
            if new <= 0:
                return False
        elif index.column() in self.COLUMN_COLS:
            new = None if text in ("", "(none)") else text
        else:
            if not text:
                return False
            new = text
        self.groups[index.row()] = dataclasses.replace(self.groups[index.row()], **{field: new})
        self.dataChanged.emit(index, index, [Qt.DisplayRole, Qt.EditRole])
        return True
