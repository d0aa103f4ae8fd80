"""An attention heatmap: for each output token (a row), how much the translator
looked at each source token (a column). Drawn with QPainter: a cell per
weight (white = 0, dark blue = 1, on a square-root scale so that weights spread
over many tokens still show), source pieces along the top, output pieces down
the left, the exact weight in a tooltip.

Put it in a ``QScrollArea``: it asks for the room its cells need. A very long
text is cut to the first :data:`MAX_CELLS` rows and columns, so painting stays
quick whatever the input.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

MAX_CELLS = 200  # rows and columns drawn at most
CELL = 18  # pixels per cell side
LABEL_CHARS = 14  # longer pieces are elided
LOW, HIGH = QColor("#ffffff"), QColor("#08306b")


def weight_color(w: float) -> QColor:
    """White for 0, dark blue for 1 (values outside are clamped), square-root scaled:
    a weight of 0.05 over twenty tokens is a visible tint, not white."""
    w = 0.0 if w != w else min(1.0, max(0.0, w)) ** 0.5  # NaN -> 0
    return QColor(round(LOW.red() + (HIGH.red() - LOW.red()) * w),
                  round(LOW.green() + (HIGH.green() - LOW.green()) * w),
                  round(LOW.blue() + (HIGH.blue() - LOW.blue()) * w))


def _label(piece: str) -> str:
    """A piece as a short label; a space (a character model's) shows as "␣"."""
    piece = piece.replace("\n", "\\n").replace(" ", "␣") or "∅"
    return piece if len(piece) <= LABEL_CHARS else piece[:LABEL_CHARS - 1] + "…"


class AttentionHeatmap(QWidget):
    """Rows: output pieces; columns: source pieces. ``set_attention`` fills it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: list[list[float]] = []
        self.src_tokens: list[str] = []
        self.tgt_tokens: list[str] = []
        self.full_shape = (0, 0)  # before cutting to MAX_CELLS
        self.note = ""
        # grows to fill a resizable scroll area, never below the room its cells need
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        self.setMouseTracking(True)
        self._layout()

    # -- data ----------------------------------------------------------------------------
    def set_attention(self, matrix, src_tokens: Sequence[str], tgt_tokens: Sequence[str],
                      note: str = "") -> None:
        """``matrix`` (len(tgt_tokens), len(src_tokens)): a numpy array or nested lists."""
        rows = [list(map(float, r)) for r in matrix]
        self.full_shape = (len(rows), len(rows[0]) if rows else 0)
        self.rows = [r[:MAX_CELLS] for r in rows[:MAX_CELLS]]
        self.src_tokens = [_label(t) for t in list(src_tokens)[:MAX_CELLS]]
        self.tgt_tokens = [_label(t) for t in list(tgt_tokens)[:MAX_CELLS]]
        self.note = note
        self._layout()

    def clear(self, note: str = "") -> None:
        self.set_attention([], [], [], note)

    @property
    def shape(self) -> tuple[int, int]:
        """(output tokens, source tokens) of the attention given, before any cut."""
        return self.full_shape

    @property
    def cut(self) -> bool:
        return self.full_shape[0] > MAX_CELLS or self.full_shape[1] > MAX_CELLS

    # -- geometry ------------------------------------------------------------------------
    def _layout(self) -> None:
        fm = QFontMetrics(self.font())
        self._left = 8 + max((fm.horizontalAdvance(t) for t in self.tgt_tokens), default=0)
        self._top = 8 + max((fm.horizontalAdvance(t) for t in self.src_tokens), default=0)
        self._note_h = fm.height() + 6 if self._message() else 0
        self._top += self._note_h
        n_rows, n_cols = len(self.rows), len(self.rows[0]) if self.rows else 0
        width = self._left + n_cols * CELL + 8
        height = self._top + n_rows * CELL + 8
        if self._message():
            width = max(width, fm.horizontalAdvance(self._message()) + 16)
        self.setMinimumSize(QSize(width, height))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSize()

    def _message(self) -> str:
        parts = [self.note] if self.note else []
        if self.cut:
            rows, cols = self.full_shape
            parts.append(f"showing the first {min(rows, MAX_CELLS)} of {rows} output and "
                         f"{min(cols, MAX_CELLS)} of {cols} source pieces")
        return "; ".join(parts)

    def _cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        col = (pos.x() - self._left) // CELL
        row = (pos.y() - self._top) // CELL
        if pos.x() < self._left or pos.y() < self._top:
            return None
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return row, col
        return None

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        painter.setPen(self.palette().text().color())
        if self._message():
            painter.drawText(QRect(8, 2, self.width() - 16, self._note_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             self._message())
        if not self.rows:
            painter.end()
            return
        self._paint_cells(painter, event.rect())
        self._paint_labels(painter)
        painter.end()

    def _paint_cells(self, painter: QPainter, dirty: QRect) -> None:
        for r, row in enumerate(self.rows):
            y = self._top + r * CELL
            if y > dirty.bottom() or y + CELL < dirty.top():
                continue
            for c, w in enumerate(row):
                painter.fillRect(self._left + c * CELL, y, CELL - 1, CELL - 1, weight_color(w))

    def _paint_labels(self, painter: QPainter) -> None:
        fm = painter.fontMetrics()
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, token in enumerate(self.tgt_tokens):
            painter.drawText(QRect(0, self._top + r * CELL, self._left - 4, CELL), right, token)
        painter.save()
        painter.rotate(-90)  # source pieces read upwards, above their column
        for c, token in enumerate(self.src_tokens):
            x = self._left + c * CELL + (CELL + fm.ascent() - fm.descent()) // 2
            painter.drawText(QPoint(-(self._top - 4), x), token)
        painter.restore()

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self._cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                r, c = cell
                QToolTip.showText(event.globalPos(),
                                  f"{self.tgt_tokens[r]} ← {self.src_tokens[c]}: "
                                  f"{self.rows[r][c]:.3f}", self)
            return True
        return super().event(event)
