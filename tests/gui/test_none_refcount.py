"""PySide6/shiboken6 6.12.0 on Python 3.11 dropped a reference to None on every call of a Qt
method that returns nothing and on every Python slot that returns None (the task poll every
30 ms among them): a few thousand calls ended in "Fatal Python error: none_dealloc", and a day
left open would have too. requirements.txt pins 6.11.0, which balances them; these tests fail
if a pin brings the leak back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel


def test_a_void_qt_call_leaves_none_alone(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
    assert sys.getrefcount(None) - before > -50


def test_a_slot_returning_none_leaves_none_alone(qtbot):
    calls: list[int] = []

    def slot() -> None:
        calls.append(1)

    before = sys.getrefcount(None)
    for _ in range(500):
        QTimer.singleShot(0, slot)
    qtbot.waitUntil(lambda: len(calls) == 500)
    QApplication.processEvents()
    assert sys.getrefcount(None) - before > -50
