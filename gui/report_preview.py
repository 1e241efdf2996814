"""The report's preview: what the Word and PDF files will say, before a file is written.

`preview_task` builds the document model on a read-only background connection and turns it into
HTML (`model.report.render_html`); `PreviewDialog` shows it in a read-only text browser, its charts
added as in-memory resources. Keyboard: the text scrolls with the arrow and page keys, Esc closes.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from gui import dialogs
from model.core.progress import Progress
from model.report.builder import build_report
from model.report.render_html import Preview, preview_html
from model.store.store import Store


def preview_task(progress: Progress, store: Store, cycle_id: int, status: str) -> Preview:
    """Background: the cycle's report as preview HTML (nothing is written or recorded)."""
    with store.connect() as db:
        doc = build_report(db, cycle_id, status=status, progress=progress)
    progress.report(4, 5, "Drawing the charts…")
    return preview_html(doc.without_contents())


class PreviewDialog(QDialog):
    """A read-only view of the report's content, charts included."""

    def __init__(self, preview: Preview, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Preview: {title}")
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Report preview")
        self.browser.setOpenLinks(False)
        document = self.browser.document()
        for name, png in preview.images.items():
            document.addResource(QTextDocument.ImageResource, QUrl(name), QImage.fromData(png))
        self.browser.setHtml(preview.html)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        dialogs.fit_to_screen(self, 900, 700)
