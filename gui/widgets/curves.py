"""Learning curves: loss, a validation score and the learning rate, for one run
growing live or for several runs overlaid (compare).

Rows are the metrics history of a run (``metrics.jsonl``): training rows carry
``train_loss`` and ``lr``; evaluation rows carry ``val_loss`` and a score
(``val_bpc``, ``val_ppl``, ``val_word_ppl``, ``bleu``, ``chrf``).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.theme import follow_palette, plot_colors, style_legend, style_plot

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
          "#17becf")
# which score to show, in order of preference, and its axis label
SCORES = (("bleu", QT_TRANSLATE_NOOP("CurvesView", "val. BLEU")),
          ("val_word_ppl", QT_TRANSLATE_NOOP("CurvesView", "val. word perplexity")),
          ("val_bpc", QT_TRANSLATE_NOOP("CurvesView", "val. bits/char")),
          ("val_ppl", QT_TRANSLATE_NOOP("CurvesView", "val. perplexity")))


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _score_order(rows: list[dict]) -> tuple:
    """SCORES, with bits per character first for a character model: there one
    token is about one character, so its bits per character are about its loss
    in bits (a subword token spans several characters: 3-4 times more)."""
    for r in rows:
        if _finite(r.get("val_bpc")) and _finite(r.get("val_loss")):
            if abs(r["val_bpc"] * math.log(2) - r["val_loss"]) < 0.02 * r["val_loss"]:
                return tuple(sorted(SCORES, key=lambda item: item[0] != "val_bpc"))
            break
    return SCORES


class _Series:
    """The curves of one run: train loss (thin), val loss (dots), score, lr."""

    def __init__(self, view: CurvesView, label: str, color: str):
        self.rows: list[dict] = []
        dash = pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine)
        solid = pg.mkPen(color, width=2)
        multi = view.multi
        translate = QCoreApplication.translate
        self.train = view.loss.plot(
            pen=dash, name=None if multi else translate("CurvesView", "training loss"))
        self.val = view.loss.plot(pen=solid, symbol="o", symbolSize=5, symbolBrush=color,
                                  name=label if multi else translate("CurvesView",
                                                                     "validation loss"))
        self.score = view.score.plot(pen=solid, symbol="o", symbolSize=5, symbolBrush=color)
        self.lr = view.lr.plot(pen=solid)

    def remove(self, view: CurvesView) -> None:
        for plot, item in ((view.loss, self.train), (view.loss, self.val),
                           (view.score, self.score), (view.lr, self.lr)):
            plot.removeItem(item)


class CurvesView(QWidget):
    """Three stacked plots sharing the x axis (minutes of training, or steps)."""

    def __init__(self, parent: QWidget | None = None, x: str = "time", multi: bool = False):
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.x, self.multi = x, multi
        self.series: dict[str, _Series] = {}
        self.score_key: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = pg.GraphicsLayoutWidget()
        layout.addWidget(self.graphics)
        x_label = self.tr("minutes") if x == "time" else self.tr("step")
        self.loss = self.graphics.addPlot(row=0, col=0)
        self.loss.setLabel("left", self.tr("loss (nats)"))
        self.legend = self.loss.addLegend(offset=(-10, 10))
        self.score = self.graphics.addPlot(row=1, col=0)
        self.score.setLabel("left", self.tr("score"))
        self.lr = self.graphics.addPlot(row=2, col=0)
        self.lr.setLabel("left", self.tr("learning rate"))
        self.lr.setLabel("bottom", x_label)
        for p in (self.loss, self.score, self.lr):
            p.showGrid(x=True, y=True, alpha=0.3)
            p.getAxis("bottom").enableAutoSIPrefix(False)  # minutes are minutes, not "x0.001"
        self.lr.getAxis("left").enableAutoSIPrefix(False)  # "0.003", and a label that fits
        self.score.setXLink(self.loss)
        self.lr.setXLink(self.loss)
        follow_palette(self, self.restyle)

    def restyle(self) -> None:
        """Background, axes, text and legend in the colours of the scheme in use."""
        colors = plot_colors(self)
        self.graphics.setBackground(colors.background)
        for p in (self.loss, self.score, self.lr):
            style_plot(p, colors)
        style_legend(self.legend, colors)

    def clear(self) -> None:
        for s in self.series.values():
            s.remove(self)
        self.series.clear()
        self.score_key = None
        self.score.setLabel("left", self.tr("score"))

    def set_history(self, label: str, rows: list[dict]) -> None:
        """Show (or replace) one run's whole history."""
        series = self._series(label)
        series.rows = list(rows)
        self._redraw(series)

    def add_rows(self, label: str, rows: list[dict]) -> None:
        """Append new rows of a run being trained (cheap enough for every step event)."""
        series = self._series(label)
        series.rows.extend(rows)
        self._redraw(series)

    def labels(self) -> list[str]:
        return list(self.series)

    def _series(self, label: str) -> _Series:
        if label not in self.series:
            color = COLORS[len(self.series) % len(COLORS)]
            self.series[label] = _Series(self, label, color)
        return self.series[label]

    def _xs(self, rows: list[dict]) -> list[float]:
        if self.x == "time":
            return [float(r.get("time", 0.0)) / 60.0 for r in rows]
        return [float(r.get("step", 0)) for r in rows]

    def _redraw(self, s: _Series) -> None:
        train = [r for r in s.rows if _finite(r.get("train_loss"))]
        val = [r for r in s.rows if _finite(r.get("val_loss"))]
        s.train.setData(self._xs(train), [r["train_loss"] for r in train])
        s.val.setData(self._xs(val), [r["val_loss"] for r in val])
        lr = [r for r in s.rows if _finite(r.get("lr"))]
        s.lr.setData(self._xs(lr), [r["lr"] for r in lr])
        if self.score_key is None:
            for key, title in _score_order(s.rows):
                if any(_finite(r.get(key)) for r in s.rows):
                    self.score_key = key
                    self.score.setLabel("left", self.tr(title))
                    break
        if self.score_key is not None:
            pts = [r for r in s.rows if _finite(r.get(self.score_key))]
            s.score.setData(self._xs(pts), [r[self.score_key] for r in pts])
