"""Tests for gui.table_models: the RowTableModel base, the read-only table view, and chart buttons."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView

from gui.charts import ChartActions, ChartCanvas
from gui.table_models import FrameTableModel, RowTableModel, SortedRowTableModel, read_only_table


@dataclass(frozen=True)
class Ward:
    name: str
    beds: int


class WardModel(RowTableModel):
    """The smallest useful subclass: headers, one text hook, one extra role."""

    COL_NAME, COL_BEDS = range(2)
    HEADERS = ("Ward", "Beds")
    HEADER_TIPS = {1: "Staffed beds."}

    def display(self, row: Ward, col: int) -> str:
        return row.name if col == self.COL_NAME else str(row.beds)

    def role_data(self, row: Ward, col: int, role: int) -> object:
        return row.beds if role == Qt.UserRole else None


def test_row_table_model_shape_and_roles(qtmodeltester) -> None:
    model = WardModel()
    qtmodeltester.check(model)  # empty
    model.set_rows([Ward("Ward 7", 28), Ward("AMU", 40)])
    qtmodeltester.check(model)
    assert (model.rowCount(), model.columnCount()) == (2, 2)
    assert model.rowCount(model.index(0, 0)) == 0 and model.columnCount(model.index(0, 0)) == 0
    assert model.data(model.index(1, 0)) == "AMU" and model.data(model.index(1, 1)) == "40"
    assert model.data(model.index(1, 1), Qt.UserRole) == 40
    assert model.data(model.index(1, 1), Qt.FontRole) is None  # unhandled roles give None
    assert model.data(QModelIndex()) is None
    assert model.headerData(0, Qt.Horizontal) == "Ward"
    assert model.headerData(1, Qt.Horizontal, Qt.ToolTipRole) == "Staffed beds."
    assert model.headerData(0, Qt.Horizontal, Qt.ToolTipRole) is None
    assert model.headerData(5, Qt.Horizontal) is None and model.headerData(0, Qt.Vertical) is None


def test_set_rows_resets_the_model(qtbot) -> None:
    model = WardModel()
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset]):
        model.set_rows(iter([Ward("Ward 7", 28)]))  # any iterable; kept as a list
    assert model.rows == [Ward("Ward 7", 28)]


def test_tuple_rows_display_their_items_by_default(qtmodeltester) -> None:
    class Pairs(RowTableModel):
        HEADERS = ("Code", "Name")

    model = Pairs()
    model.set_rows([("RXX", "Demo Trust"), ("RYY", "Other Trust")])
    assert model.data(model.index(1, 1)) == "Other Trust"
    qtmodeltester.check(model)


def test_frame_model_numbers_rows_and_keeps_chosen_columns(qtmodeltester) -> None:
    model = FrameTableModel({"b": "Bee"})
    model.set_frame(pd.DataFrame({"a": [1, 2], "b": [0.25, None]}, index=[10, 11]))
    qtmodeltester.check(model)
    assert model.columnCount() == 1 and model.headerData(0, Qt.Horizontal) == "Bee"
    assert model.headerData(1, Qt.Vertical) == "2"
    assert model.data(model.index(0, 0)) == model.data(model.index(0, 0), Qt.ToolTipRole) == "0.25"
    assert model.row_value(1, "a") == 2  # positions, after the frame's own index is dropped
    model.set_frame(pd.DataFrame({"c": ["x"]}))  # columns not in the new frame: show its own
    assert [model.headerData(0, Qt.Horizontal)] == ["c"]


class SortedWardModel(SortedRowTableModel, WardModel):
    def sort_key(self, row: Ward, col: int) -> object:
        return row.beds if col == self.COL_BEDS else super().sort_key(row, col)


def test_a_sorted_model_sorts_itself_keeps_the_order_for_new_rows_and_the_selection_follows(qtbot,
                                                                                          qtmodeltester):
    model = SortedWardModel()
    view = read_only_table(model)
    qtbot.addWidget(view)
    view.setSortingEnabled(True)
    view.sortByColumn(WardModel.COL_BEDS, Qt.AscendingOrder)
    model.set_rows([Ward("Ash", 20), Ward("birch", 8), Ward("Cedar", 12)])
    assert [w.beds for w in model.rows] == [8, 12, 20]  # by the key (a number), not the text
    qtmodeltester.check(model)
    view.selectRow(2)  # Ash
    view.sortByColumn(WardModel.COL_NAME, Qt.DescendingOrder)
    assert [w.name for w in model.rows] == ["Cedar", "birch", "Ash"]  # case-folded text
    assert [i.row() for i in view.selectionModel().selectedRows()] == [2]  # still Ash
    model.set_rows([Ward("Dunes", 1), *model.rows])
    assert model.rows[0].name == "Dunes" and model.sort_column == WardModel.COL_NAME


def test_the_register_lists_the_soonest_due_first(qtbot, ctx) -> None:
    from datetime import date

    from gui.register import RegisterPage

    page = RegisterPage(ctx)
    qtbot.addWidget(page)
    dues = [row.next_due or date.max for row in page.table_model.rows]
    assert dues == sorted(dues) and len(dues) == 4


def test_read_only_table_selects_rows_and_cannot_edit(qtbot) -> None:
    model = WardModel()
    view = read_only_table(model)
    qtbot.addWidget(view)
    assert view.model() is model
    assert view.selectionBehavior() == QAbstractItemView.SelectRows
    assert view.selectionMode() == QAbstractItemView.SingleSelection
    assert view.editTriggers() == QAbstractItemView.NoEditTriggers
    assert not view.verticalHeader().isVisible()


@pytest.fixture
def actions(qtbot) -> ChartActions:
    chart = ChartCanvas()
    chart.figure.add_subplot().plot([1, 2, 3])
    widget = ChartActions(chart, "ward-chart.png")
    qtbot.addWidget(chart)
    qtbot.addWidget(widget)
    return widget


def test_chart_actions_export_and_say_so(qtbot, actions: ChartActions, dialog_log, tmp_path: Path) -> None:
    dialog_log.save_path = str(tmp_path / "chart.svg")
    with qtbot.waitSignal(actions.message) as said:
        qtbot.mouseClick(actions.export_button, Qt.LeftButton)
    assert said.args == ["Saved chart.svg."]
    assert dialog_log.calls[0][:2] == ("save_file", "Export chart")
    assert (tmp_path / "chart.svg").read_bytes().lstrip()[:5] in (b"<?xml", b"<svg ")


def test_chart_actions_cancelled_export_does_nothing(qtbot, actions: ChartActions, dialog_log) -> None:
    dialog_log.save_path = ""
    with qtbot.assertNotEmitted(actions.message):
        qtbot.mouseClick(actions.export_button, Qt.LeftButton)


def test_chart_actions_unwritable_file_is_a_warning(qtbot, actions: ChartActions, dialog_log,
                                                    tmp_path: Path) -> None:
    dialog_log.save_path = str(tmp_path / "no such folder" / "chart.png")
    with qtbot.assertNotEmitted(actions.message):
        qtbot.mouseClick(actions.export_button, Qt.LeftButton)
    assert dialog_log.kinds() == ["save_file", "warn"] and "could not be saved" in dialog_log.calls[1][2]


def test_chart_actions_copy_puts_an_image_on_the_clipboard(qtbot, actions: ChartActions) -> None:
    QGuiApplication.clipboard().clear()
    with qtbot.waitSignal(actions.message) as said:
        qtbot.mouseClick(actions.copy_button, Qt.LeftButton)
    assert said.args == [ChartActions.COPIED]
    assert not QGuiApplication.clipboard().image().isNull()
