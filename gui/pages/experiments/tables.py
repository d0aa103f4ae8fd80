"""Texts and tables shared by the Experiments page's Compare and Search tabs:
numbers as a person reads them, and read-only tables whose best row stands out."""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from gui.theme import is_dark

BEST_BRUSH = QBrush(QColor("#dff3df"))
BEST_BRUSH_DARK = QBrush(QColor("#24502a"))  # the dark scheme's: its light text stays legible


def tr(text: str) -> str:
    """``text`` (marked with QT_TRANSLATE_NOOP in context "ExperimentsPage") translated."""
    return QCoreApplication.translate("ExperimentsPage", text)


# -- texts --------------------------------------------------------------------------------

def count_text(n: int | None) -> str:
    """1.23M, 45.6k or 789 (parameters)."""
    if n is None:
        return ""
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    return f"{n / 1e3:.1f}k" if n >= 1000 else str(n)


def value_text(v) -> str:
    """A setting's value: floats to 3 significant digits (1e-3 stays short)."""
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def settings_text(values: dict) -> str:
    return ", ".join(f"{k}={value_text(v)}" for k, v in values.items())


def finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def score_text(value, name: str) -> str:
    return f"{value:.4g} {name}" if finite(value) else ""


def loss_text(value) -> str:
    return f"{value:.4f}" if finite(value) else ""


def best_index(values: list, higher_is_better: bool = False) -> int | None:
    """Where the best of ``values`` is (None when fewer than two can be compared)."""
    scored = [(v, i) for i, v in enumerate(values) if finite(v)]
    if len(scored) < 2:
        return None
    return (max(scored) if higher_is_better else min(scored))[1]


def table_item(text: str, number: bool = False) -> QTableWidgetItem:
    """A read-only cell; numbers align right; the tooltip shows a clipped text whole."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setToolTip(text)
    return item


def make_table(columns: tuple[str, ...]) -> QTableWidget:
    """A read-only table of whole rows with these (translated) headers."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels([tr(c) for c in columns])
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def emphasize(table: QTableWidget, row: int) -> None:
    """Bold text on a green row: the best one."""
    for column in range(table.columnCount()):
        item = table.item(row, column)
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
        item.setBackground(BEST_BRUSH_DARK if is_dark() else BEST_BRUSH)


def fit_columns(table: QTableWidget, widest: int = 260) -> None:
    """Columns as wide as their texts, within ``widest`` (the last one stretches)."""
    table.resizeColumnsToContents()
    for column in range(table.columnCount() - 1):
        table.setColumnWidth(column, min(table.columnWidth(column) + 12, widest))
