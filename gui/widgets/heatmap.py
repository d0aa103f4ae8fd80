"""An attention heatmap: for each output token (a row), how much the translator
looked at each source token (a column). White is 0 and dark blue 1 (on a dark
scheme: the background is 0 and bright blue 1), on a
square-root scale so that weights spread over many tokens still show; source
pieces run along the top, output pieces down the left, and the exact weight
is in a tooltip.

The cells are one small image (a pixel per weight) drawn scaled up, not a
rectangle per cell: a 200 x 200 map paints in one call instead of 40,000
Python-to-Qt calls. Put the widget in a resizable ``QScrollArea``: it asks for
the room its cells need. A very long text is cut to the first
:data:`MAX_CELLS` rows and columns, so painting stays quick whatever the input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QLine, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QHelpEvent, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from gui.theme import is_dark

MAX_CELLS = 200  # rows and columns drawn at most
CELL = 18  # pixels per cell side
LABEL_CHARS = 14  # longer pieces are elided
LOW, HIGH = (255, 255, 255), (8, 48, 107)  # the colours of weight 0 and weight 1
# on a dark scheme: weight 0 is the dark background and weight 1 a bright blue,
# so a map is not a white block in a dark window
LOW_DARK, HIGH_DARK = (31, 31, 31), (120, 190, 255)


def weight_image(weights: np.ndarray, dark: bool = False) -> QImage:
    """(rows, cols) weights -> a rows x cols image, a pixel per weight (NaN: as 0)."""
    w = np.sqrt(np.clip(np.nan_to_num(weights.astype(np.float32), nan=0.0), 0.0, 1.0))
    low, high = (LOW_DARK, HIGH_DARK) if dark else (LOW, HIGH)
    low, high = np.array(low, np.float32), np.array(high, np.float32)
    rgb = np.rint(low + (high - low) * w[..., None]).astype(np.uint8)       # (R, C, 3)
    rgba = np.ascontiguousarray(np.concatenate(
        [rgb, np.full(w.shape + (1,), 255, np.uint8)], axis=-1))          # (R, C, 4)
    rows, cols = w.shape
    image = QImage(rgba.data, cols, rows, 4 * cols, QImage.Format.Format_RGBA8888)
    return image.copy()  # own the pixels: ``rgba`` is freed when this returns


def _label(piece: str) -> str:
    """A piece as a short label; a space (a character model's) shows as "␣"."""
    piece = piece.replace("\n", "\\n").replace(" ", "␣") or "∅"
    return piece if len(piece) <= LABEL_CHARS else piece[:LABEL_CHARS - 1] + "…"


class AttentionHeatmap(QWidget):
    """Rows: output pieces; columns: source pieces. ``set_attention`` fills it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.weights = np.zeros((0, 0), np.float32)  # cut to MAX_CELLS
        self.src_tokens: list[str] = []
        self.tgt_tokens: list[str] = []
        self.full_shape = (0, 0)  # before cutting to MAX_CELLS
        self.note = ""
        self._image: QImage | None = None
        self._image_dark = False  # the scheme _image was drawn for
        # grows to fill a resizable scroll area, never below the room its cells need
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        self._layout()

    # -- data ----------------------------------------------------------------------------
    def set_attention(self, matrix, src_tokens: Sequence[str], tgt_tokens: Sequence[str],
                      note: str = "") -> None:
        """``matrix`` (len(tgt_tokens), len(src_tokens)): a numpy array or nested lists."""
        weights = np.asarray(matrix, dtype=np.float32)
        if weights.ndim != 2:
            weights = np.zeros((0, 0), np.float32)
        self.full_shape = weights.shape
        self.weights = weights[:MAX_CELLS, :MAX_CELLS]
        self._image = None  # drawn when painted, in the scheme's colours
        self.src_tokens = [_label(t) for t in list(src_tokens)[:MAX_CELLS]]
        self.tgt_tokens = [_label(t) for t in list(tgt_tokens)[:MAX_CELLS]]
        self.note = note
        self._layout()

    def clear(self, note: str = "") -> None:
        self.set_attention(np.zeros((0, 0)), [], [], note)

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
        self._note_h = fm.height() + 6 if self._message() else 0
        self._top = 8 + self._note_h + max((fm.horizontalAdvance(t) for t in self.src_tokens),
                                           default=0)
        n_rows, n_cols = self.weights.shape
        width = max(self._left + n_cols * CELL + 8, fm.horizontalAdvance(self._message()) + 16)
        height = self._top + n_rows * CELL + 8
        self.setMinimumSize(QSize(width, height))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSize()

    def _message(self) -> str:
        parts = [self.note] if self.note else []
        if self.cut:
            rows, cols = self.full_shape
            parts.append(self.tr("showing the first {rows_shown} of {rows} output and "
                                 "{cols_shown} of {cols} source pieces").format(
                rows_shown=min(rows, MAX_CELLS), rows=rows, cols_shown=min(cols, MAX_CELLS),
                cols=cols))
        return "; ".join(parts)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """(row, column) of the cell under ``pos``, or None."""
        if pos.x() < self._left or pos.y() < self._top:
            return None
        row, col = (pos.y() - self._top) // CELL, (pos.x() - self._left) // CELL
        n_rows, n_cols = self.weights.shape
        return (row, col) if row < n_rows and col < n_cols else None

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        painter.setPen(self.palette().text().color())
        if self._message():
            painter.drawText(QRect(8, 2, self.width() - 16, self._note_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             self._message())
        if self.weights.size:
            self._paint_cells(painter)
            self._paint_labels(painter)
        painter.end()

    def _paint_cells(self, painter: QPainter) -> None:
        n_rows, n_cols = self.weights.shape
        area = QRect(self._left, self._top, n_cols * CELL, n_rows * CELL)
        dark = is_dark(self.palette())
        if self._image is None or self._image_dark != dark:  # new weights, or a new scheme
            self._image, self._image_dark = weight_image(self.weights, dark), dark
        painter.drawImage(area, self._image)  # scaled without smoothing: sharp cells
        grid = self.palette().color(QPalette.ColorRole.Base)
        grid.setAlpha(160)
        painter.setPen(grid)
        right, bottom = area.right() + 1, area.bottom() + 1
        painter.drawLines([QLine(self._left + c * CELL, self._top, self._left + c * CELL, bottom)
                           for c in range(1, n_cols)]
                          + [QLine(self._left, self._top + r * CELL, right, self._top + r * CELL)
                             for r in range(1, n_rows)])
        painter.setPen(self.palette().text().color())

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
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                r, c = cell
                tgt = self.tgt_tokens[r] if r < len(self.tgt_tokens) else "?"
                src = self.src_tokens[c] if c < len(self.src_tokens) else "?"
                QToolTip.showText(event.globalPos(),
                                  f"{tgt} ← {src}: {float(self.weights[r, c]):.3f}", self)
            return True
        return super().event(event)
