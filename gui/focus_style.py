"""A focus indicator everyone can see (WCAG 2.2: 2.4.7 Focus Visible, 2.4.13 Focus Appearance).

Qt's styles mark keyboard focus with a dotted 1-pixel rectangle (Windows) or a faint tint
(Fusion) that is hard to see on a laptop at 125%, and with none at all on some widgets. This
proxy keeps the platform style and draws, on top of whatever it draws for the focused widget,
a 2-pixel outline in NHS Blue, which has a contrast ratio above 3:1 against white and grey.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QProxyStyle, QStyle, QStyleOption, QWidget

FOCUS_COLOUR = QColor("#005eb8")  # NHS Blue
FOCUS_WIDTH = 2

# What a focused widget is drawn with: the outline goes round these.
_FRAMES = {QStyle.PE_FrameFocusRect, QStyle.PE_FrameLineEdit, QStyle.PE_PanelLineEdit}
_CONTROLS = {QStyle.CC_ComboBox, QStyle.CC_SpinBox}
_ELEMENTS = {QStyle.CE_PushButton, QStyle.CE_ShapedFrame}  # buttons; text areas and other framed views


class FocusStyle(QProxyStyle):
    """The platform's style with a strong focus outline."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter,
                      widget: QWidget | None = None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        # In a table or list the whole view is outlined (its frame, below) and the current row
        # is highlighted: a second outline round the row would cover its text.
        in_view = element == QStyle.PE_FrameFocusRect and isinstance(widget, QAbstractItemView)
        if element in _FRAMES and option.state & QStyle.State_HasFocus and not in_view:
            _outline(painter, option.rect)

    def drawControl(self, element: QStyle.ControlElement, option: QStyleOption, painter: QPainter,
                    widget: QWidget | None = None) -> None:
        super().drawControl(element, option, painter, widget)
        focused = option.state & QStyle.State_HasFocus or (widget is not None and widget.hasFocus())
        if element in _ELEMENTS and focused:
            _outline(painter, option.rect)

    def drawComplexControl(self, control: QStyle.ComplexControl, option: QStyleOption, painter: QPainter,
                           widget: QWidget | None = None) -> None:
        super().drawComplexControl(control, option, painter, widget)
        if control in _CONTROLS and option.state & QStyle.State_HasFocus:
            _outline(painter, option.rect)


def _outline(painter: QPainter, rect: QRect) -> None:
    painter.save()
    pen = QPen(FOCUS_COLOUR, FOCUS_WIDTH)
    pen.setJoinStyle(pen.joinStyle().MiterJoin)
    painter.setPen(pen)
    painter.setBrush(QColor(0, 0, 0, 0))
    inset = FOCUS_WIDTH // 2
    painter.drawRect(rect.adjusted(inset, inset, -inset - 1, -inset - 1))
    painter.restore()


def install(app: object) -> None:
    """Use the focus style for the whole application (keeping the platform's look)."""
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    app.setStyle(FocusStyle(app.style().name()))
