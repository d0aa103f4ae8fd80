"""A histogram of a corpus's line lengths (the Corpora page's chart)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from gui.theme import follow_palette, plot_colors, style_legend, style_plot


class LengthChart(QWidget):
    """A histogram of line lengths (pyqtgraph bars); pairs overlay their two sides."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", self.tr("line length (characters)"))
        self.plot.showGrid(y=True, alpha=0.3)
        self.plot.setMinimumHeight(160)
        self.plot.setAcceptDrops(False)  # dropped files go to the page
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.bars: list[pg.BarGraphItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        follow_palette(self, self.restyle)

    def restyle(self) -> None:
        colors = plot_colors(self)
        self.plot.setBackground(colors.background)
        style_plot(self.plot.getPlotItem(), colors)
        style_legend(self.legend, colors)

    def clear(self) -> None:
        """Remove the bars and hide the chart: empty axes would suggest a reading."""
        for item in self.bars:
            self.plot.removeItem(item)
        self.bars.clear()
        self.legend.clear()
        self.plot.hide()

    def set_series(self, unit: str, series) -> None:
        """``series``: ``(label, LengthHistogram, colour)``. Bars are drawn at the
        bins' nominal width, so the last bin (which also holds the rare long
        outliers) does not stretch across the chart. Sides binned alike stand
        side by side; otherwise they overlay, half transparent."""
        self.clear()
        self.plot.setLabel("left", unit)
        drawn = [(label, h.bins, colour) for label, h, colour in series if h.bins]
        widths = {_bin_width(bins) for _, bins, _ in drawn}
        side_by_side = len(drawn) > 1 and len(widths) == 1
        for i, (label, bins, colour) in enumerate(drawn):
            width = _bin_width(bins)
            share = 0.9 / len(drawn) if side_by_side else 0.9
            brush = QColor(colour)
            brush.setAlpha(220 if side_by_side or len(drawn) == 1 else 140)
            offset = i * width * share if side_by_side else 0.0
            bars = pg.BarGraphItem(x0=[low + offset for low, _, _ in bins], width=width * share,
                                   height=[count for _, _, count in bins], brush=brush,
                                   pen=pg.mkPen(colour))
            self.plot.addItem(bars)
            self.bars.append(bars)
            if len(drawn) > 1:
                self.legend.addItem(bars, label)
        self.plot.setVisible(bool(drawn))
        self.plot.autoRange()


def _bin_width(bins) -> int:
    """The width of the regular bins (the first one; the last may be wider)."""
    low, high, _ = bins[0]
    return high - low + 1
