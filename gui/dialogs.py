"""Message boxes behind small functions, so tests can swap them for answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from model.core.errors import KnownError


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size a dialog or wizard as wished, but never larger than the screen's free area: on a
    1366×768 laptop at 125% a 1000×680 wizard would put its buttons off the screen."""
    from PySide6.QtGui import QGuiApplication

    screen = window.screen() or QGuiApplication.primaryScreen()
    window.resize(within(screen.availableGeometry().size() if screen is not None else None, QSize(width, height)))


def within(available: QSize | None, wanted: QSize) -> QSize:
    """`wanted`, shrunk to fit the screen's free `available` area (with room for the frame)."""
    if available is None or available.isEmpty():
        return wanted
    return QSize(min(wanted.width(), available.width() - 16), min(wanted.height(), available.height() - 40))


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A Yes/No question; True for Yes."""
    answer = QMessageBox.question(parent, title, text, QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    return answer == QMessageBox.Yes


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """A plain information box."""
    QMessageBox.information(parent, title, text)


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """A warning box."""
    QMessageBox.warning(parent, title, text)


def show_known_error(parent: QWidget | None, exc: KnownError, title: str = "AuditLoop") -> None:
    """Show a KnownError's message, location and advice — no traceback."""
    box = QMessageBox(QMessageBox.Warning, title, exc.message, QMessageBox.Ok, parent)
    details = "\n".join(x for x in (f"Where: {exc.where}" if exc.where else "",
                                    f"What to do: {exc.hint}" if exc.hint else "") if x)
    if details:
        box.setInformativeText(details)
    box.exec()


def open_file(parent: QWidget | None, title: str, filters: str, start: str = "") -> str:
    """A file-open dialog; '' when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    return QFileDialog.getOpenFileName(parent, title, start, filters)[0]


def open_files(parent: QWidget | None, title: str, filters: str, start: str = "") -> list[str]:
    """A file-open dialog choosing one or more files; [] when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    return list(QFileDialog.getOpenFileNames(parent, title, start, filters)[0])


def save_file(parent: QWidget | None, title: str, filters: str, start: str = "") -> str:
    """A file-save dialog; '' when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    return QFileDialog.getSaveFileName(parent, title, start, filters)[0]


def choose(parent: QWidget | None, title: str, text: str, options: list[str]) -> int:
    """A question with one button per option; the index chosen, or -1 when the box is closed."""
    box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.NoButton, parent)
    buttons = [box.addButton(option, QMessageBox.AcceptRole) for option in options]
    box.exec()
    clicked = box.clickedButton()
    return buttons.index(clicked) if clicked in buttons else -1


def ask_text(parent: QWidget | None, title: str, text: str) -> str:
    """A one-line answer typed by the user; '' when cancelled (or left blank)."""
    from PySide6.QtWidgets import QInputDialog

    answer, ok = QInputDialog.getText(parent, title, text)
    return answer.strip() if ok else ""
