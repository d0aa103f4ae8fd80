"""A series' held-out forecast drawn against the truth, its verdict in words, and
the loss curves of its training.

The report is the dict of ``nlp.tasks.series.task.SeriesReport.to_dict()``: the last
values before the test part (``history`` from ``history_start``), the test
part's true values, and the forecasts of the model (recursive, and one step
ahead) and of the naive and seasonal-naive baselines. The x axis counts time
steps from the start of the series.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.theme import follow_palette, plot_colors, style_legend, style_plot

# name in the report -> (colour, width, dashed)
STYLES = {"model": ("#1f77b4", 2.5, False), "model_one_step": ("#1f77b4", 1.2, True),
          "naive": ("#ff7f0e", 1.5, True), "seasonal_naive": ("#2ca02c", 1.5, True)}


# the legend's words for each forecast of a report
CURVES = {"model": QT_TRANSLATE_NOOP("ForecastView", "model forecast"),
          "model_one_step": QT_TRANSLATE_NOOP("ForecastView", "model, one step ahead"),
          "naive": QT_TRANSLATE_NOOP("ForecastView", "naive (last value)"),
          "seasonal_naive": QT_TRANSLATE_NOOP("ForecastView", "seasonal naive")}
# the verdict, by which baselines the model beats
VERDICTS = {
    (True, True): QT_TRANSLATE_NOOP(
        "ForecastView", "The {model} beats both baselines on the last {h} values: MSE {ours} "
        "vs {naive} naive, {seasonal} seasonal-naive."),
    (True, False): QT_TRANSLATE_NOOP(
        "ForecastView", "The {model} beats the naive forecast but not the seasonal-naive one "
        "on the last {h} values: MSE {ours} vs {naive} naive, {seasonal} seasonal-naive."),
    (False, True): QT_TRANSLATE_NOOP(
        "ForecastView", "The {model} beats the seasonal-naive forecast but not the naive one "
        "on the last {h} values: MSE {ours} vs {naive} naive, {seasonal} seasonal-naive."),
    (False, False): QT_TRANSLATE_NOOP(
        "ForecastView", "The {model} does not beat the baselines on the last {h} values: MSE "
        "{ours} vs {naive} naive, {seasonal} seasonal-naive."),
    (True, None): QT_TRANSLATE_NOOP(
        "ForecastView", "The {model} beats the naive forecast on the last {h} values (no season "
        "was found for a seasonal-naive one): MSE {ours} vs {naive}."),
    (False, None): QT_TRANSLATE_NOOP(
        "ForecastView", "The {model} does not beat the naive forecast on the last {h} values "
        "(no season was found for a seasonal-naive one): MSE {ours} vs {naive}."),
}


def _tr(text: str) -> str:
    """``text`` (marked with QT_TRANSLATE_NOOP above) in the interface language."""
    return QCoreApplication.translate("ForecastView", text)


def curve_names() -> dict[str, str]:
    """The legend's words for each forecast of a report, translated."""
    return {name: _tr(text) for name, text in CURVES.items()}


def verdict_text(report: dict) -> str:
    """Whether the model beat the baselines on the held-out part, with the numbers."""
    metrics, beats = report["metrics"], report["beats"]
    values = {"model": report["model"], "h": report["data"]["horizon"],
              "ours": f"{metrics['model']['forecast']['mse']:.3g}",
              "naive": f"{metrics['naive']['forecast']['mse']:.3g}"}
    if "seasonal_naive" in metrics:
        values["seasonal"] = f"{metrics['seasonal_naive']['forecast']['mse']:.3g}"
    key = (beats["naive"], beats.get("seasonal_naive"))
    return _tr(VERDICTS[key]).format(**values)


class ForecastView(QWidget):
    """History, held-out truth and every forecast on one plot, with the validation
    and test parts marked."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", self.tr("time step"))
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(10, -10))
        layout.addWidget(self.plot)
        self.curves: dict[str, pg.PlotDataItem] = {}  # what is drawn, by report name
        self.report: dict | None = None
        self.colors = plot_colors(self)
        self.clear()
        follow_palette(self, self.restyle)

    def restyle(self) -> None:
        """The scheme's colours; a report shown is drawn again in them."""
        self.colors = plot_colors(self)
        self.plot.setBackground(self.colors.background)
        style_plot(self.plot.getPlotItem(), self.colors)
        style_legend(self.legend, self.colors)
        if self.report is not None:
            self.show_report(self.report)
        else:
            self.clear()

    def clear(self) -> None:
        """No forecast: empty axes, no legend, and a word on what will come."""
        self.plot.clear()
        self.legend.clear()
        self.legend.setVisible(False)
        self.curves.clear()
        self.report = None
        self.plot.setTitle(self.tr("The held-out forecast appears here when training ends."),
                           color=self.colors.muted.name())

    def show_report(self, report: dict) -> None:
        self.clear()
        self.report = report
        self.plot.setTitle(None)
        self.legend.setVisible(True)
        start = report["history_start"]
        history, truth = report["history"], report["truth"]
        test_start = start + len(history)
        test_x = list(range(test_start, test_start + len(truth)))
        self.plot.setLabel("left", report["data"]["column"])
        self.curves["history"] = self.plot.plot(
            list(range(start, test_start)), history, pen=pg.mkPen(self.colors.muted, width=1.2),
            name=self.tr("history"))
        self.curves["truth"] = self.plot.plot(
            test_x, truth, pen=pg.mkPen(self.colors.strong, width=1.5), symbol="o",
            symbolSize=4, symbolBrush=self.colors.strong, name=self.tr("held-out truth"))
        names = curve_names()
        for name, (color, width, dashed) in STYLES.items():
            if name in report["forecasts"]:
                style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
                self.curves[name] = self.plot.plot(
                    test_x, report["forecasts"][name], name=names[name],
                    pen=pg.mkPen(color, width=width, style=style))
        self._mark(report["data"]["validation_start"], start, self.tr("validation"))
        self._mark(test_start, start, self.tr("test"))

    def _mark(self, x: int, first: int, label: str) -> None:
        """A dotted line where a part starts (when it is within the plotted history)."""
        if x < first:
            return
        line = pg.InfiniteLine(pos=x, angle=90, label=label,
                               pen=pg.mkPen("#888888", style=Qt.PenStyle.DotLine),
                               labelOpts={"position": 0.95, "color": self.colors.muted})
        self.plot.addItem(line)


class LossView(QWidget):
    """A series run's training and validation loss (mean squared error of the
    scaled values) by step; rows as in ``metrics.jsonl``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("left", self.tr("loss (scaled MSE)"))
        self.plot.setLabel("bottom", self.tr("step"))
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.train = self.plot.plot(pen=pg.mkPen("#1f77b4", width=1, style=Qt.PenStyle.DashLine),
                                    name=self.tr("training loss"))
        self.val = self.plot.plot(pen=pg.mkPen("#d62728", width=2), symbol="o", symbolSize=5,
                                  symbolBrush="#d62728", name=self.tr("validation loss"))
        layout.addWidget(self.plot)
        self.rows: list[dict] = []
        follow_palette(self, self.restyle)

    def restyle(self) -> None:
        colors = plot_colors(self)
        self.plot.setBackground(colors.background)
        style_plot(self.plot.getPlotItem(), colors)
        style_legend(self.legend, colors)

    def set_history(self, rows: list[dict]) -> None:
        self.rows = list(rows)
        self._redraw()

    def add_rows(self, rows: list[dict]) -> None:
        self.rows.extend(rows)
        self._redraw()

    def clear(self) -> None:
        self.set_history([])

    def _redraw(self) -> None:
        for item, key in ((self.train, "train_loss"), (self.val, "val_loss")):
            rows = [r for r in self.rows if _finite(r.get(key))]
            item.setData([float(r.get("step", 0)) for r in rows], [r[key] for r in rows])


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
