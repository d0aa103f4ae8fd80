"""Small boxes the pages lay widgets out in: a widget under its label, a widget
in a scroll area."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget


def labelled(text: str, widget: QWidget) -> QWidget:
    """``widget`` under a label saying ``text``."""
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    col.addWidget(QLabel(text))
    col.addWidget(widget)
    return box


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area that resizes it."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(widget)
    return scroll
