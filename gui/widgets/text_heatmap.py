"""A text coloured by a value per character or token, and a units x positions grid.

:class:`TextHeatmap` draws the text as it reads, each character in its own
box whose background is its token's value: a diverging colormap (blue,
white at 0, red) when the range holds negative values (tanh outputs, the LSTM
cell), a sequential one (white to dark orange) otherwise (sigmoid gates in
0..1, surprisal). On a dark colour scheme the middle is the dark background
and strong values are bright, so a text is not a white block in a dark
window. Line breaks show as "↵" and start a new line; long lines
wrap between words. The tooltip gives the token and its exact value.

:class:`UnitGrid` puts several units one row each over the same positions, so
units that switch on and off together stand out; clicking a row picks that
unit. Both widgets ask for the height their content needs at their width:
put them in a resizable ``QScrollArea``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QFontMetrics,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from gui.theme import is_dark

# (position in 0..1, colour): ColorBrewer RdBu (reversed: blue low, red high) and Oranges
DIVERGING = ((0.0, (5, 48, 97)), (0.25, (67, 147, 195)), (0.5, (247, 247, 247)),
             (0.75, (214, 96, 77)), (1.0, (103, 0, 31)))
SEQUENTIAL = ((0.0, (255, 255, 255)), (0.4, (253, 174, 107)), (0.75, (230, 85, 13)),
              (1.0, (127, 39, 4)))
MISSING = (220, 220, 220)  # a value that is not there (the first token's surprisal)
# the same scales for a dark scheme: 0 (or the low end) is about the dark background
DIVERGING_DARK = ((0.0, (120, 180, 240)), (0.25, (40, 100, 170)), (0.5, (42, 42, 42)),
                  (0.75, (170, 50, 50)), (1.0, (250, 125, 105)))
SEQUENTIAL_DARK = ((0.0, (42, 42, 42)), (0.4, (140, 70, 20)), (0.75, (230, 110, 30)),
                   (1.0, (255, 195, 120)))
MISSING_DARK = (80, 80, 80)
MARGIN = 6
GLYPHS = {"\n": "↵", "\t": "→", "\r": "␍"}
GRID_CELL = 12  # pixels per position in the grid
GRID_ROW = 16
MAX_COLUMNS = 2000  # positions drawn in the grid at most


def colors(values, low: float, high: float, dark: bool = False) -> np.ndarray:
    """(N,) values -> (N, 3) uint8 colours: diverging about 0 when ``low < 0``
    (0 is white whatever the range; dark grey when ``dark``), else sequential
    from ``low``; NaN grey."""
    v = np.asarray(values, np.float64)
    if low < 0:
        span = max(abs(low), abs(high), 1e-12)
        pos, stops = 0.5 + 0.5 * v / span, DIVERGING_DARK if dark else DIVERGING
    else:
        pos, stops = (v - low) / max(high - low, 1e-12), SEQUENTIAL_DARK if dark else SEQUENTIAL
    pos = np.clip(np.nan_to_num(pos, nan=0.0), 0.0, 1.0)
    at = [p for p, _ in stops]
    rgb = np.stack([np.interp(pos, at, [c[k] for _, c in stops]) for k in range(3)], axis=-1)
    rgb[np.isnan(v)] = MISSING_DARK if dark else MISSING
    return np.rint(rgb).astype(np.uint8)


def text_color(rgb) -> QColor:
    """Black on light backgrounds, white on dark ones."""
    r, g, b = (int(c) for c in rgb)
    return QColor(255, 255, 255) if 0.299 * r + 0.587 * g + 0.114 * b < 140 else QColor(0, 0, 0)


def color_image(values: np.ndarray, low: float, high: float, dark: bool = False) -> QImage:
    """(rows, cols) values -> a rows x cols image, one pixel per value."""
    rows, cols = values.shape
    rgb = colors(values.reshape(-1), low, high, dark).reshape(rows, cols, 3)
    rgba = np.ascontiguousarray(np.concatenate([rgb, np.full((rows, cols, 1), 255, np.uint8)],
                                               axis=-1))
    return QImage(rgba.data, cols, rows, 4 * cols, QImage.Format.Format_RGBA8888).copy()


def glyph(ch: str) -> str:
    """What a character's box shows: visible marks for line breaks and tabs."""
    if ch in GLYPHS:
        return GLYPHS[ch]
    return ch if ch.isprintable() or ch == " " else "·"


def describe_piece(piece: str) -> str:
    """A piece quoted for a tooltip, its spaces and line breaks visible."""
    return "“" + "".join(GLYPHS.get(c, c) for c in piece).replace(" ", "␣") + "”"


class TextHeatmap(QWidget):
    """The text, each character's box coloured by its token's value.

    ``set_values(text, spans, values, low, high)``: ``spans[t]`` is token t's
    ``(start, end)`` in ``text``, ``values[t]`` its value; ``describe(t)``
    (optional) adds lines to token t's tooltip.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text = ""
        self.values = np.zeros(0, np.float32)
        self.low, self.high = 0.0, 1.0
        self.pieces: list[str] = []
        self.char_token = np.zeros(0, np.int64)  # each character's token (the last covering it)
        self._describe: Callable[[int], str] | None = None
        self._backgrounds: list[QColor] = []
        self._foregrounds: list[QColor] = []
        self._boxes: list[QRect] = []  # one per character, at the current width
        self._laid_out_for = -1
        self._dark = False  # the scheme _backgrounds are for
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # -- data ----------------------------------------------------------------------------
    def set_values(self, text: str, spans: Sequence[tuple[int, int]], values,
                   low: float, high: float,
                   describe: Callable[[int], str] | None = None) -> None:
        new_text = text != self.text
        self.text = text
        self.values = np.asarray(values, np.float32)
        self.low, self.high = low, high
        self.pieces = [text[a:b] for a, b in spans]
        self.char_token = np.full(len(text), -1, np.int64)
        for t, (a, b) in enumerate(spans):
            self.char_token[a:b] = t
        self._describe = describe
        self._recolor()
        if new_text:  # the same text in other colours keeps its layout
            self._laid_out_for = -1
            self._fit_height()
        self.update()

    def clear(self) -> None:
        self.set_values("", [], [], 0.0, 1.0)

    def _recolor(self) -> None:
        """Each token's colours, for the values and the scheme in use."""
        self._dark = is_dark(self.palette())
        rgb = colors(self.values, self.low, self.high, self._dark)
        self._backgrounds = [QColor(*map(int, c)) for c in rgb]
        self._foregrounds = [text_color(c) for c in rgb]

    # -- geometry ------------------------------------------------------------------------
    def _metrics(self) -> tuple[QFontMetrics, int, int]:
        fm = QFontMetrics(self.font())
        return fm, fm.height() + 4, fm.horizontalAdvance("M") + 2

    def _lay_out(self, width: int) -> list[QRect]:
        """A box per character, lines wrapped at ``width`` between words where possible."""
        fm, row_h, min_w = self._metrics()
        widths = [max(fm.horizontalAdvance(glyph(ch)) + 2, min_w) for ch in self.text]
        right = max(width - MARGIN, MARGIN + 1)
        boxes, x, y = [], MARGIN, MARGIN
        for i, ch in enumerate(self.text):
            starts_word = not ch.isspace() and (i == 0 or self.text[i - 1].isspace())
            if starts_word and x > MARGIN:
                end = i
                while end < len(self.text) and not self.text[end].isspace():
                    end += 1
                if x + sum(widths[i:end]) > right and MARGIN + sum(widths[i:end]) <= right:
                    x, y = MARGIN, y + row_h  # the word fits on a line of its own
            if x + widths[i] > right and x > MARGIN and not ch.isspace():  # spaces hang
                x, y = MARGIN, y + row_h
            boxes.append(QRect(x, y, widths[i], row_h - 2))
            x += widths[i]
            if ch == "\n":
                x, y = MARGIN, y + row_h
        return boxes

    @staticmethod
    def _height(boxes: list[QRect]) -> int:
        return (boxes[-1].bottom() + 2 + MARGIN) if boxes else 2 * MARGIN

    def _ensure_layout(self) -> None:
        if self._laid_out_for != self.width():
            self._boxes = self._lay_out(self.width())
            self._laid_out_for = self.width()

    def _fit_height(self) -> None:
        """Ask for the height the text needs at the current width (a scroll area
        holding the widget then scrolls)."""
        self._ensure_layout()
        self.setMinimumHeight(self._height(self._boxes))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return self._height(self._boxes if width == self._laid_out_for else self._lay_out(width))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(600, self.heightForWidth(600))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(200, self._metrics()[1] + 2 * MARGIN)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_height()

    def char_box(self, i: int) -> QRect:
        """Where character ``i`` of ``text`` is drawn, at the current width."""
        self._ensure_layout()
        return self._boxes[i]

    def char_at(self, pos: QPoint) -> int | None:
        """Index in ``text`` of the character under ``pos``, or None."""
        self._ensure_layout()
        for i, box in enumerate(self._boxes):
            if box.contains(pos):
                return i
        return None

    def token_at(self, pos: QPoint) -> int | None:
        i = self.char_at(pos)
        if i is None or self.char_token[i] < 0:
            return None
        return int(self.char_token[i])

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        self._ensure_layout()
        if is_dark(self.palette()) != self._dark:  # the scheme changed since
            self._recolor()
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        exposed = event.rect()
        center = Qt.AlignmentFlag.AlignCenter
        for i, box in enumerate(self._boxes):
            if not box.intersects(exposed):
                continue
            t = self.char_token[i]
            if t >= 0:
                painter.fillRect(box, self._backgrounds[t])
                painter.setPen(self._foregrounds[t])
            else:
                painter.setPen(self.palette().text().color())
            painter.drawText(box, center, glyph(self.text[i]))
        painter.end()

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip and isinstance(event, QHelpEvent):
            t = self.token_at(event.pos())
            if t is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip(t), self)
            return True
        return super().event(event)

    def tooltip(self, t: int) -> str:
        """Token ``t``'s tooltip: its piece, position and exact value (and any details)."""
        value = float(self.values[t])
        shown = "–" if np.isnan(value) else f"{value:+.4f}"
        lines = [self.tr("{piece} (token {index}): {value}").format(
            piece=describe_piece(self.pieces[t]), index=t, value=shown)]
        if self._describe is not None:
            lines.append(self._describe(t))
        return "\n".join(line for line in lines if line)


class ScaleBar(QWidget):
    """The colour scale in use: a gradient from ``low`` to ``high``, both labelled
    (and 0 in the middle of a diverging one)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.low, self.high = -1.0, 1.0
        self.setFixedSize(QSize(220, QFontMetrics(self.font()).height() + 14))

    def set_range(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        fm = painter.fontMetrics()
        low, high = f"{self.low:.3g}", f"{self.high:.3g}"
        left, right = fm.horizontalAdvance(low) + 6, self.width() - fm.horizontalAdvance(high) - 6
        bar = QRect(left, 3, max(right - left, 2), self.height() - 6)
        steps = np.linspace(self.low, self.high, bar.width())
        painter.drawImage(bar, color_image(steps[None, :], self.low, self.high,
                                           is_dark(self.palette())))
        painter.setPen(self.palette().text().color())
        painter.drawRect(bar.adjusted(0, 0, -1, -1))
        middle = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRect(0, 0, left - 4, self.height()),
                         middle | Qt.AlignmentFlag.AlignRight, low)
        painter.drawText(QRect(right + 4, 0, self.width() - right - 4, self.height()),
                         middle | Qt.AlignmentFlag.AlignLeft, high)
        painter.end()


class UnitGrid(QWidget):
    """Rows: units; columns: positions (tokens). ``set_rows`` fills it; clicking a
    row emits ``row_clicked(row)``."""

    row_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.values = np.zeros((0, 0), np.float32)  # cut to MAX_COLUMNS
        self.labels: list[str] = []
        self.pieces: list[str] = []
        self.full_columns = 0
        self.selected = -1
        self.low, self.high = 0.0, 1.0
        self._image: QImage | None = None
        self._image_dark = False  # the scheme _image was drawn for
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        self._layout()

    def set_rows(self, values, labels: Sequence[str], pieces: Sequence[str],
                 low: float, high: float, selected: int = -1) -> None:
        """``values`` (len(labels), len(pieces)); ``selected`` row is outlined."""
        values = np.asarray(values, np.float32).reshape(len(labels), -1)
        self.full_columns = values.shape[1]
        self.values = values[:, :MAX_COLUMNS]
        self.labels = list(labels)
        self.pieces = [glyph(p[-1]) if p else "" for p in list(pieces)[:MAX_COLUMNS]]
        self.selected = selected
        self.low, self.high = low, high
        self._image = None  # drawn when painted, in the scheme's colours
        self._layout()

    def _layout(self) -> None:
        fm = QFontMetrics(self.font())
        self._left = 8 + max((fm.horizontalAdvance(t) for t in self.labels), default=0)
        self._top = fm.height() + 6 + (fm.height() + 4 if self.note() else 0)
        rows, cols = self.values.shape
        width = max(self._left + cols * GRID_CELL + 8, fm.horizontalAdvance(self.note()) + 16)
        self.setMinimumSize(QSize(width, self._top + rows * GRID_ROW + 8))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSize()

    def note(self) -> str:
        if self.full_columns <= MAX_COLUMNS:
            return ""
        return self.tr("showing the first {shown} of {total} positions").format(
            shown=f"{MAX_COLUMNS:,}", total=f"{self.full_columns:,}")

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """(row, column) under ``pos``, or None."""
        if pos.x() < self._left or pos.y() < self._top:
            return None
        row, col = (pos.y() - self._top) // GRID_ROW, (pos.x() - self._left) // GRID_CELL
        rows, cols = self.values.shape
        return (row, col) if row < rows and col < cols else None

    def row_at(self, pos: QPoint) -> int | None:
        """The row under ``pos``, over its cells or its label."""
        row = (pos.y() - self._top) // GRID_ROW
        return row if pos.y() >= self._top and row < len(self.labels) else None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        painter.setPen(self.palette().text().color())
        fm = painter.fontMetrics()
        if self.note():
            painter.drawText(QPoint(8, fm.ascent() + 2), self.note())
        rows, cols = self.values.shape
        dark = is_dark(self.palette())
        if self.values.size and (self._image is None or self._image_dark != dark):
            self._image = color_image(self.values, self.low, self.high, dark)
            self._image_dark = dark
        if self.values.size:
            painter.drawImage(QRect(self._left, self._top, cols * GRID_CELL, rows * GRID_ROW),
                              self._image)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, label in enumerate(self.labels):
            painter.drawText(QRect(0, self._top + r * GRID_ROW, self._left - 4, GRID_ROW), right,
                             label)
        center = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
        for c, piece in enumerate(self.pieces):
            painter.drawText(QRect(self._left + c * GRID_CELL, self._top - fm.height() - 4,
                                   GRID_CELL, fm.height()), center, piece)
        if 0 <= self.selected < rows:
            painter.setPen(self.palette().highlight().color())
            painter.drawRect(QRect(self._left - 1, self._top + self.selected * GRID_ROW - 1,
                                   cols * GRID_CELL + 1, GRID_ROW + 1))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        row = self.row_at(event.position().toPoint())
        if row is not None:
            self.row_clicked.emit(row)
        super().mousePressEvent(event)

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                r, c = cell
                QToolTip.showText(event.globalPos(), self.tr("{unit} at token {index}: {value}")
                                  .format(unit=self.labels[r], index=c,
                                          value=f"{float(self.values[r, c]):+.4f}"), self)
            return True
        return super().event(event)
