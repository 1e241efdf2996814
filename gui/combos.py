"""Filter boxes: named and narrow, refilled from the data while keeping what the user chose."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox


def filter_box(name: str) -> QComboBox:
    """A filter box named for screen readers that long entries (titles, names) never widen past
    twelve characters, so the window still fits a small laptop."""
    box = QComboBox()
    box.setAccessibleName(name)
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(12)
    return box


def refill(box: QComboBox, everything: str, items: Iterable[tuple[object, str]], *, every: object = "") -> None:
    """Put `everything` (data `every`) then each (data, text) in `box`, keeping the current choice
    if it is still there (else `everything`), without emitting a change."""
    chosen = box.currentData()
    box.blockSignals(True)
    box.clear()
    box.addItem(everything, every)
    for key, text in items:
        box.addItem(text, key)
    box.setCurrentIndex(max(0, box.findData(chosen)))
    box.blockSignals(False)
