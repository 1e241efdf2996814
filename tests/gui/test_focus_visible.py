"""A visible focus everywhere (issue 12 item 3; WCAG 2.2 2.4.7): every control a keyboard user
can Tab to on the stage pages draws the NHS-blue focus outline when it has the focus."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLineEdit, QWidget

from gui.focus_style import FOCUS_COLOUR
from gui.main_window import MainWindow

_RGB = (FOCUS_COLOUR.red(), FOCUS_COLOUR.green(), FOCUS_COLOUR.blue())


def outline_pixels(widget: QWidget) -> int:
    image = widget.grab().toImage().convertToFormat(QImage.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    bgra = pixels[:, :image.width() * 4].reshape(image.height(), image.width(), 4)
    return int(np.count_nonzero((bgra[..., 2] == _RGB[0]) & (bgra[..., 1] == _RGB[1]) & (bgra[..., 0] == _RGB[2])))


def tab_stops(page: QWidget) -> list[QWidget]:
    kinds = (QAbstractButton, QLineEdit, QComboBox)
    return [w for w in page.findChildren(QWidget) if isinstance(w, kinds) and w.isVisibleTo(page)
            and w.isEnabled() and w.focusPolicy() & Qt.TabFocus and w.width() > 8]


@pytest.mark.parametrize("stage", ["plan", "collect", "actions"])
def test_every_tab_stop_on_a_stage_shows_the_focus_outline(qtbot, ctx, stage):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1093, 580)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_audit(1)
    page = window.workspace.show_stage(stage)
    if stage == "collect":
        page.tabs.setCurrentWidget(page.form)  # the entry form: answer buttons, value boxes
    QApplication.processEvents()
    stops = tab_stops(page)
    assert len(stops) >= 5
    unseen = []
    for widget in stops:
        widget.setFocus(Qt.TabFocusReason)
        QApplication.processEvents()
        if widget.hasFocus() and outline_pixels(widget) < widget.height():  # at least one side's worth
            unseen.append(f"{type(widget).__name__} {widget.accessibleName() or widget.objectName()}")
    assert unseen == []


def test_without_focus_there_is_no_outline(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    box = QWidget()
    qtbot.addWidget(box)
    first, second = QPushButton("First"), QPushButton("Second")
    layout = QVBoxLayout(box)
    layout.addWidget(first)
    layout.addWidget(second)
    box.show()
    qtbot.waitExposed(box)
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow)
    first.setFocus(Qt.TabFocusReason)
    QApplication.processEvents()
    assert outline_pixels(first) >= first.height() and outline_pixels(second) == 0
