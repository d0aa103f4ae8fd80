"""The Series page: forecast one numeric column of a CSV file with a stacked LSTM or GRU.

The left side sets it up (the CSV file, by default the shipped sample; the
column; the cell and layer sizes; window, horizon and season; the budget). A
series run is an ordinary run (``nlp.tasks.series.task``): it trains on the window's
training queue (``AppContext.training``: after a run the Train page queued), the
loss curves grow live, and it lists in Runs. When it ends, the held-out forecast is computed on a pool
thread and drawn against the truth and the naive and seasonal-naive
forecasts, with their errors in a table and a verdict.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.pages.train.live import LiveRun
from gui.style import show_status
from gui.widgets.forecast import ForecastView, LossView, curve_names, verdict_text
from nlp.errors import ConfigError, StudioError
from nlp.runs.workspace import Workspace
from nlp.training.events import EvalEvent, FailedEvent, FinishedEvent, MessageEvent, StepEvent
from nlp.training.jobs import TrainingJob

log = logging.getLogger(__name__)

REDRAW_MS = 500  # the loss curves redraw at most this often while a run trains
MISSING = (("error", QT_TRANSLATE_NOOP("SeriesPage", "stop with a message")),
           ("drop", QT_TRANSLATE_NOOP("SeriesPage", "leave the row out")),
           ("interpolate", QT_TRANSLATE_NOOP("SeriesPage", "fill in from neighbours")))
UNITS = (("epochs", QT_TRANSLATE_NOOP("SeriesPage", "epochs")),
         ("minutes", QT_TRANSLATE_NOOP("SeriesPage", "minutes")))
ROWS = ("model", "naive", "seasonal_naive")  # the metrics table's order


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"50 50"`` (or ``50, 50``) -> (50, 50); anything else is a ConfigError."""
    parts = text.replace(",", " ").split()
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise ConfigError(QCoreApplication.translate(
            "SeriesPage", "layer sizes must be whole numbers of 1 or more, one per layer, "
            "such as 50 50 (not '{text}')").format(text=text))
    return sizes


def series_job(workspace: Workspace, name: str, v: dict) -> TrainingJob:
    """A new series run from the form's values (raises StudioError on bad ones)."""
    from nlp.tasks.series.data import SeriesDataSpec
    from nlp.tasks.series.session import new_series_training, series_train_config

    spec = SeriesDataSpec(csv=v["csv"], column=v["column"] or None, missing=v["missing"],
                          window=v["window"], horizon=v["horizon"], season=v["season"] or None)
    model = {"cell": v["cell"], "hidden": parse_sizes(v["hidden"])}
    budget = {"epochs": v["budget"]} if v["unit"] == "epochs" else {"minutes": v["budget"]}
    train = series_train_config(**budget)
    title = QCoreApplication.translate("SeriesPage", "{name}: series, {cell}").format(
        name=name, cell=v["cell"].upper())
    return TrainingJob(title=title, run_name=name, task="series",
                       prepare=lambda listeners: new_series_training(workspace, name, spec,
                                                                     model, train, listeners))


def load_series_view(workspace: Workspace, name: str) -> dict:
    """A saved run's forecast report and loss history (on a pool thread)."""
    from nlp.tasks.series.session import forecast_run

    report = forecast_run(workspace, name).to_dict()
    return {"name": name, "report": report, "metrics": workspace.resolve(name).metrics()}


class SeriesPage(QWidget):
    key = "series"
    title = QT_TRANSLATE_NOOP("Pages", "Series")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.queue = ctx.training  # the window's one queue; this page follows its series jobs
        self.live: LiveRun | None = None
        self.report: dict | None = None  # the forecast shown
        self._calls = Calls(self)  # "columns" of the CSV; "forecast" of a run
        self._redraw = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw.timeout.connect(self._draw_rows)
        scroll = QScrollArea()
        scroll.setWidget(self._form())
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(240)
        scroll.setMaximumWidth(380)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(scroll)
        row.addLayout(self._results(), 1)
        self._recall()
        self._connect()
        self.read_columns()

    # -- building --------------------------------------------------------------------
    def _form(self) -> QWidget:
        form_widget = QWidget()
        col = QVBoxLayout(form_widget)
        col.setContentsMargins(0, 0, 0, 0)
        for group in (self._series_group, self._model_group, self._forecast_group,
                      self._training_group):
            col.addWidget(group())
        self.train_button = QPushButton(self.tr("Train and forecast"))
        self.train_button.setDefault(True)
        self.stop_button = QPushButton(self.tr("Stop"))
        col.addWidget(self._row(self.train_button, self.stop_button))
        col.addStretch(1)
        return form_widget

    def _series_group(self) -> QGroupBox:
        box = QGroupBox(self.tr("Series"))
        form = QFormLayout(box)
        self.csv_edit = QLineEdit()
        self.csv_edit.setPlaceholderText(self.tr("a CSV file with a header line"))
        self.file_button = QPushButton(self.tr("File…"))
        self.sample_button = QPushButton(self.tr("Sample"))
        self.sample_button.setToolTip(self.tr("The generated sample series that ships with "
                                              "RNN Studio"))
        form.addRow(self.tr("CSV file"), self.csv_edit)
        form.addRow(self._row(self.sample_button, self.file_button))
        self.column_combo = QComboBox()
        form.addRow(self.tr("Column"), self.column_combo)
        self.missing_combo = QComboBox()
        for data, label in MISSING:
            self.missing_combo.addItem(self.tr(label), data)
        self.missing_combo.setToolTip(self.tr("What to do with empty or non-numeric cells"))
        form.addRow(self.tr("Missing values"), self.missing_combo)
        return box

    def _model_group(self) -> QGroupBox:
        box = QGroupBox(self.tr("Model"))
        form = QFormLayout(box)
        self.cell_combo = QComboBox()
        self.cell_combo.addItem("LSTM", "lstm")
        self.cell_combo.addItem("GRU", "gru")
        form.addRow(self.tr("Cell"), self.cell_combo)
        self.hidden_edit = QLineEdit("50 50")
        self.hidden_edit.setToolTip(self.tr("One size per layer, bottom first: 50 50 is two "
                                            "layers of 50, then a linear output"))
        form.addRow(self.tr("Layer sizes"), self.hidden_edit)
        return box

    def _forecast_group(self) -> QGroupBox:
        box = QGroupBox(self.tr("Forecast"))
        form = QFormLayout(box)
        self.window_spin = self._spin(1, 10_000, 28, self.tr("Values the model sees for each "
                                                             "prediction"))
        self.horizon_spin = self._spin(1, 10_000, 28, self.tr("Values held out at the end "
                                                              "and forecast"))
        self.season_spin = self._spin(0, 100_000, 0, self.tr("Season length for the "
                                                             "seasonal-naive forecast"))
        self.season_spin.setSpecialValueText(self.tr("detect"))
        form.addRow(self.tr("Window"), self.window_spin)
        form.addRow(self.tr("Horizon"), self.horizon_spin)
        form.addRow(self.tr("Season"), self.season_spin)
        return box

    def _training_group(self) -> QGroupBox:
        box = QGroupBox(self.tr("Training"))
        form = QFormLayout(box)
        self.budget_spin = QDoubleSpinBox()
        self.budget_spin.setRange(0.1, 100_000)
        self.budget_spin.setDecimals(1)
        self.budget_spin.setValue(30)
        self.unit_combo = QComboBox()
        for data, label in UNITS:
            self.unit_combo.addItem(self.tr(label), data)
        form.addRow(self.tr("Budget"), self._row(self.budget_spin, self.unit_combo))
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("automatic"))
        form.addRow(self.tr("Run name"), self.name_edit)
        return box

    def _results(self) -> QVBoxLayout:
        col = QVBoxLayout()
        self.state_label = QLabel(self.tr("Choose a series and press Train and forecast."))
        font = QFont(self.state_label.font())
        font.setBold(True)
        self.state_label.setFont(font)
        self.state_label.setWordWrap(True)
        col.addWidget(self.state_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        col.addWidget(self.progress)
        self.curves = LossView()
        self.curves.setMinimumHeight(100)
        self.forecast = ForecastView()
        self.forecast.setMinimumHeight(200)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.curves)
        splitter.addWidget(self.forecast)
        splitter.setSizes([150, 450])
        col.addWidget(splitter, 1)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([
            self.tr("forecast MSE"), self.tr("forecast MAE"), self.tr("one step MSE"),
            self.tr("one step MAE")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self._fit_table()
        col.addWidget(self.table)
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setObjectName("seriesVerdict")
        col.addWidget(self.verdict_label)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        col.addWidget(self.message_label)
        return col

    @staticmethod
    def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        for w in widgets:
            line.addWidget(w)
        return row

    def _connect(self) -> None:
        q = self.queue
        q.started.connect(self._on_started)
        q.run_ready.connect(self._on_run_ready)
        q.events.connect(self._on_events)
        q.ended.connect(self._on_ended)
        self.csv_edit.editingFinished.connect(self.read_columns)
        self.file_button.clicked.connect(self._choose_file)
        self.sample_button.clicked.connect(self.use_sample)
        self.train_button.clicked.connect(self.train)
        self.stop_button.clicked.connect(self.stop)
        self._set_training(False)

    # -- the CSV and its columns ---------------------------------------------------------
    def use_sample(self) -> None:
        from nlp.tasks.series.data import sample_series_path

        self.csv_edit.setText(str(sample_series_path()))
        self.read_columns()

    def _choose_file(self) -> None:
        current = self.csv_edit.text().strip()
        start = str(Path(current).parent) if current else str(Path.home())
        kinds = self.tr("CSV files") + " (*.csv *.tsv *.txt);;" + self.tr("All files") + " (*)"
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Series"), start, kinds)
        if path:
            self.csv_edit.setText(path)
            self.read_columns()

    def read_columns(self) -> None:
        """List the CSV's columns (read on a pool thread) in the column menu."""
        from nlp.tasks.series.data import read_header

        path = self.csv_edit.text().strip()
        self._calls.cancel("columns")
        self.column_combo.clear()
        if not path:
            return
        self._calls.start("columns", lambda *_: read_header(path), self._show_columns,
                          lambda exc: self._message(self.ctx.message_for(exc), error=True))

    def _show_columns(self, names: list) -> None:
        self.column_combo.clear()
        self.column_combo.addItems(names)
        wanted = self.ctx.recall("series/column", "", str)  # else the last: often the values
        self.column_combo.setCurrentIndex(names.index(wanted) if wanted in names
                                          else len(names) - 1)
        self._message("")

    # -- training ------------------------------------------------------------------------
    def values(self) -> dict:
        return {"csv": self.csv_edit.text().strip(), "column": self.column_combo.currentText(),
                "missing": self.missing_combo.currentData(),
                "cell": self.cell_combo.currentData(), "hidden": self.hidden_edit.text(),
                "window": self.window_spin.value(), "horizon": self.horizon_spin.value(),
                "season": self.season_spin.value(), "budget": self.budget_spin.value(),
                "unit": self.unit_combo.currentData(), "name": self.name_edit.text().strip()}

    def train(self) -> None:
        """Queue a series run from the form (it starts at once: one trains at a time)."""
        v = self.values()
        if not v["csv"]:
            self._message(self.tr("Choose a CSV file first (or press Sample)."), error=True)
            return
        if self._own_jobs():
            self._message(self.tr("A series run is training; wait for it or stop it."),
                          error=True)
            return
        try:
            name = self._run_name(v)
            job = series_job(self.ctx.workspace, name, v)
        except StudioError as exc:
            self._message(str(exc), error=True)
            return
        self._remember(v)
        self.name_edit.clear()
        if self.queue.busy:  # a run another page queued trains first
            self._message(QCoreApplication.translate(
                "TrainPage", "Queued '{name}': it starts when the runs before it end.").format(
                name=name))
        self.queue.add(job)

    def _own_jobs(self) -> list:
        """This page's series jobs in the queue, training or waiting."""
        jobs = self.queue.pending() + ([self.queue.current] if self.queue.current else [])
        return [job for job in jobs if job.task == "series"]

    def stop(self) -> None:
        """Stop this page's run (the queue may be training another page's)."""
        if self.live is not None and self.queue.current is self.live.job:
            self.queue.stop()

    def _run_name(self, v: dict) -> str:
        from nlp.tasks.series.data import SeriesDataSpec
        from nlp.tasks.series.session import default_series_run_name

        base = default_series_run_name(SeriesDataSpec(csv=v["csv"]), v["cell"])
        return self.queue.new_run_name(self.ctx.workspace, v["name"], base)

    def busy_reason(self) -> str | None:
        return self.tr("a series model is training") if self._own_jobs() else None

    def shutdown(self, timeout_s: float) -> None:
        """Stop the run (it saves a checkpoint) and wait for the worker to end."""
        self._calls.drop_all()
        self.queue.shutdown(timeout_s)

    # -- queue signals -------------------------------------------------------------------
    def _on_started(self, job_id: int) -> None:
        job = self.queue.current
        if job is None or job.id != job_id or job.task != "series":
            return  # not a series run: the Train page follows it
        self.live = LiveRun(job)
        self._calls.cancel("forecast")  # a forecast still loading is no longer wanted
        self.curves.clear()
        self._show_report(None)
        self.progress.setValue(0)
        self.state_label.setText(self.tr("{name}: reading the series…").format(
            name=job.run_name))
        self._message("")
        self._set_training(True)

    def _on_run_ready(self, job_id: int, run_name: str, cfg: dict) -> None:
        if self.live is None or self.live.job.id != job_id:
            return
        self.live.run_name, self.live.cfg = run_name, cfg
        self.state_label.setText(self.tr("{name}: training.").format(name=run_name))
        self.ctx.runs_changed.emit()

    def _on_events(self, job_id: int, batch: list) -> None:
        live = self.live
        if live is None or live.job.id != job_id:
            return
        for event in batch:
            if isinstance(event, StepEvent):
                live.add_step(event)
            elif isinstance(event, EvalEvent):
                live.add_eval(event)
            elif isinstance(event, MessageEvent):
                self._message(event.text, error=event.level == "warning")
        self.progress.setValue(int(live.progress() * 1000))
        if live.rows and not self._redraw.isActive():
            self._redraw.start()

    def _draw_rows(self) -> None:
        live = self.live
        if live is not None and live.rows:
            self.curves.add_rows(live.rows)
            live.rows = []

    def _on_ended(self, job_id: int, outcome: object) -> None:
        live = self.live
        if live is None or live.job.id != job_id:
            return
        self._draw_rows()
        self.live = None
        self._set_training(False)
        self.ctx.runs_changed.emit()
        if isinstance(outcome, BaseException):
            self._failed(outcome)
        elif isinstance(outcome, FailedEvent):
            self.state_label.setText(self.tr("Failed."))
            self._message(outcome.message, error=True)
        elif isinstance(outcome, FinishedEvent) and outcome.step > 0:
            self.state_label.setText(self.tr("{name}: forecasting the held-out values…").format(
                name=live.run_name))
            self._load(live.run_name, with_history=False)
        else:
            self.state_label.setText(self.tr("Stopped before training began; nothing was "
                                             "saved."))

    # -- showing a forecast --------------------------------------------------------------
    def open_run(self, name: str) -> None:
        """Show a saved series run: its loss curves and held-out forecast."""
        if self.live is not None:
            return
        self.state_label.setText(self.tr("{name}: forecasting the held-out values…").format(
            name=name))
        self._load(name, with_history=True)

    def _load(self, name: str, with_history: bool) -> None:
        workspace = self.ctx.workspace
        self._calls.start("forecast", lambda *_: load_series_view(workspace, name),
                          lambda view: self._loaded(view, with_history), self._failed)

    def _loaded(self, view: dict, with_history: bool) -> None:
        if with_history:
            self.curves.set_history(view["metrics"])
        self._show_report(view["report"])
        data = view["report"]["data"]
        self.state_label.setText(self.tr("{name}: {n} values ({train} to train, {val} to "
                                         "validate, {test} held out); season {season}.").format(
            name=view["name"], n=data["length"], train=data["train"], val=data["validation"],
            test=data["test"], season=data["season"] or self.tr("none found")))

    def _show_report(self, report: dict | None) -> None:
        self.report = report
        self.table.setRowCount(0)
        if report is None:
            self.forecast.clear()
            self.verdict_label.clear()
            self._fit_table()
            return
        self.forecast.show_report(report)
        names = {**curve_names(), "model": report["model"]}
        if report["data"]["season"]:
            names["seasonal_naive"] += f" ({report['data']['season']})"
        rows = [name for name in ROWS if name in report["metrics"]]
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([names[name] for name in rows])
        for r, name in enumerate(rows):
            errors = report["metrics"][name]
            for c, (kind, err) in enumerate((("forecast", "mse"), ("forecast", "mae"),
                                             ("one_step", "mse"), ("one_step", "mae"))):
                self.table.setItem(r, c, QTableWidgetItem(f"{errors[kind][err]:.4g}"))
        self._fit_table()
        self.verdict_label.setText(verdict_text(report))

    # -- small things --------------------------------------------------------------------
    def _failed(self, exc: BaseException) -> None:
        self._message(self.ctx.message_for(exc), error=True)
        if self.live is None:
            self.state_label.setText(self.tr("Nothing to show."))

    def _fit_table(self) -> None:
        """As tall as its rows: no empty band under them."""
        table = self.table
        table.setFixedHeight(table.horizontalHeader().height() + table.verticalHeader().length()
                             + 2 * table.frameWidth())

    def _set_training(self, training: bool) -> None:
        self.train_button.setEnabled(not training)
        self.stop_button.setEnabled(training)
        self.progress.setVisible(training)

    def _message(self, text: str, error: bool = False) -> None:
        show_status(self.message_label, text, error)

    def _remember(self, v: dict) -> None:
        for key in ("csv", "column", "missing", "cell", "hidden", "window", "horizon",
                    "season", "budget", "unit"):
            self.ctx.remember(f"series/{key}", v[key])

    def _recall(self) -> None:
        from nlp.tasks.series.data import sample_series_path

        r = self.ctx.recall
        self.csv_edit.setText(r("series/csv", "", str) or str(sample_series_path()))
        self.hidden_edit.setText(r("series/hidden", "50 50", str))
        for combo, key, default in ((self.missing_combo, "missing", "error"),
                                    (self.cell_combo, "cell", "lstm"),
                                    (self.unit_combo, "unit", "epochs")):
            index = combo.findData(r(f"series/{key}", default, str))
            combo.setCurrentIndex(max(index, 0))
        for spin, key in ((self.window_spin, "window"), (self.horizon_spin, "horizon"),
                          (self.season_spin, "season")):
            spin.setValue(r(f"series/{key}", spin.value(), int))
        self.budget_spin.setValue(r("series/budget", self.budget_spin.value(), float))
