"""The Train page: the set-up form on the left (``form``); on the right the run
training now (``live``), a saved run shown to continue (``run_view``), and the
queue. Training happens on the window's one queue (``AppContext.training``,
``gui.training_queue``), which this page follows whichever page queued the job;
it only turns the batched events into labels and curve rows, redrawing the
curves at most :data:`REDRAW_MS` apart, and only while the page is shown, so the
event loop never stalls."""

from __future__ import annotations

import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.pages.train.form import SetupForm
from gui.pages.train.jobs import compare_jobs, default_name, lm_job, mt_job, resume_job
from gui.pages.train.live import LiveRun
from gui.pages.train.run_view import load_run_view
from gui.style import show_status
from gui.widgets.curves import CurvesView
from nlp.errors import StudioError
from nlp.training.events import (
    CheckpointEvent,
    EvalEvent,
    FailedEvent,
    FinishedEvent,
    MessageEvent,
    SampleEvent,
    StepEvent,
)
from nlp.training.jobs import TrainingJob
from nlp.training.progress import format_duration, format_metrics

log = logging.getLogger(__name__)

# Curves redraw at most this often. A redraw costs pyqtgraph two or three
# repaints of ~20 ms each (40+ ms on a CPU busy training): at 5 redraws a second
# the 99th-percentile event-loop stall was ~55 ms, at 1 a second ~20 ms
# (bench/bench_gui_stalls.py). The labels still follow every event batch.
REDRAW_MS = 1000
CONTINUABLE = ("lm", "mt")  # the tasks Continue can train on (resume_job)
FINISHED = {"budget": QT_TRANSLATE_NOOP("TrainPage", "finished: the budget is used up"),
            "steps": QT_TRANSLATE_NOOP("TrainPage", "finished"),
            "epochs": QT_TRANSLATE_NOOP("TrainPage", "finished: all epochs done"),
            "early-stop": QT_TRANSLATE_NOOP("TrainPage",
                                            "finished early: validation stopped improving"),
            "epochs-cap": QT_TRANSLATE_NOOP("TrainPage", "finished before the time budget: "
                                            "the recipe's passes over this small corpus are "
                                            "done"),
            "stopped": QT_TRANSLATE_NOOP("TrainPage", "stopped; a checkpoint was saved")}


class TrainPage(QWidget):
    key = "train"
    title = QT_TRANSLATE_NOOP("Pages", "Train")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.queue = ctx.training  # the window's one queue
        self.live: LiveRun | None = None
        self.shown_run: dict | None = None  # a saved run shown for continuing
        self._calls = Calls(self)  # "view": a saved run; "history": the continued run's
        self._redraw = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw.timeout.connect(self._draw_rows)
        self.form = SetupForm(ctx)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(220)  # a small window scrolls the set-up instead
        scroll.setMaximumWidth(400)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(scroll)
        row.addLayout(self._live_column(), 1)
        self._connect()
        self._show_idle()

    # -- building --------------------------------------------------------------------
    def _live_column(self) -> QVBoxLayout:
        col = QVBoxLayout()
        self.run_label = QLabel()
        font = QFont(self.run_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.run_label.setFont(font)
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        col.addWidget(self.run_label)
        col.addWidget(self.state_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        col.addWidget(self.progress)
        self.stats_label = QLabel()
        self.stats_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.stats_label)
        col.addLayout(self._buttons())
        self.curves = CurvesView(x="time")
        self.curves.setMinimumHeight(150)
        col.addWidget(self.curves, 3)
        col.addWidget(QLabel(self.tr("Samples at the last evaluation")))
        self.samples_view = QPlainTextEdit(readOnly=True)
        self.samples_view.setMaximumBlockCount(200)
        self.samples_view.setMinimumHeight(40)
        self.samples_view.setPlaceholderText(self.tr("Sample texts (or translations) appear "
                                                     "here at each evaluation."))
        col.addWidget(self.samples_view, 1)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setObjectName("trainMessage")
        col.addWidget(self.message_label)
        col.addWidget(self._queue_group())
        return col

    def _buttons(self) -> QHBoxLayout:
        line = QHBoxLayout()
        self.pause_button = QPushButton(self.tr("Pause"))
        self.stop_button = QPushButton(self.tr("Stop and save"))
        self.continue_label = QLabel(self.tr("Continue for"))
        self.continue_spin = QDoubleSpinBox()
        self.continue_spin.setRange(0.5, 10_000)
        self.continue_spin.setDecimals(1)
        self.continue_spin.setValue(self.ctx.recall("train/continue_minutes", 10.0, float))
        self.continue_spin.setSuffix(self.tr(" more minutes"))
        self.continue_button = QPushButton(self.tr("Continue"))
        for w in (self.pause_button, self.stop_button):
            line.addWidget(w)
        line.addStretch(1)
        for w in (self.continue_label, self.continue_spin, self.continue_button):
            line.addWidget(w)
        return line

    def _queue_group(self) -> QGroupBox:
        box = QGroupBox(self.tr("Queue"))
        box.setToolTip(self.tr("Runs waiting to train; each starts when the one before it "
                               "ends."))
        line = QHBoxLayout(box)
        self.queue_list = QListWidget()
        self.queue_list.setMaximumHeight(60)
        self.queue_list.setMinimumHeight(30)
        self.remove_button = QPushButton(self.tr("Remove"))
        line.addWidget(self.queue_list, 1)
        line.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        return box

    def _connect(self) -> None:
        q = self.queue
        q.changed.connect(self._show_queue)
        q.started.connect(self._on_started)
        q.run_ready.connect(self._on_run_ready)
        q.events.connect(self._on_events)
        q.ended.connect(self._on_ended)
        self.form.start_button.clicked.connect(self.start)
        self.form.compare_button.clicked.connect(self.compare_cells)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.continue_button.clicked.connect(self.continue_shown_run)
        self.remove_button.clicked.connect(self.remove_selected)
        self.ctx.use_corpus.connect(self._use_corpus)
        self.ctx.queue_training.connect(self.enqueue)
        self.ctx.search_state.connect(self._search_running)

    # -- the window's calls ------------------------------------------------------------
    def busy_reason(self) -> str | None:
        if not self.queue.busy:
            return None
        waiting = len(self.queue.pending())
        if not waiting:
            return self.tr("a run is training")
        if waiting == 1:
            return self.tr("a run is training and 1 more is queued")
        return self.tr("a run is training and {count} more are queued").format(count=waiting)

    def shutdown(self, timeout_s: float) -> None:
        """Stop the run (it saves a checkpoint) and wait for the worker to end."""
        if self.queue.busy:
            self.state_label.setText(self.tr("Stopping: saving a checkpoint…"))
        self.queue.shutdown(timeout_s)

    def open_run(self, name: str) -> None:
        """Show a saved run and offer to continue it."""
        if self.live is not None and self.live.run_name == name:
            return  # it is the run training now
        workspace = self.ctx.workspace
        self._calls.start("view", lambda *_: load_run_view(workspace, name),
                          self._show_saved_run,
                          lambda exc: self._message(self.ctx.message_for(exc), error=True))

    def on_shown(self) -> None:
        """Draw the rows that came while another page was shown."""
        self._draw_rows()

    def _use_corpus(self, request: dict) -> None:
        self.form.set_corpus(request)
        self.ctx.show_page.emit(self.key)

    # -- starting --------------------------------------------------------------------
    def _form_values(self) -> dict | None:
        """The form's values, or None (saying why) when it names no corpus."""
        v = self.form.values()
        if not v["corpus"]:
            self._message(self.tr("Choose a corpus first (a text file, a folder of them, or a "
                                  "TSV file of sentence pairs for a translator)."), error=True)
            return None
        return v

    def start(self) -> None:
        """Queue a run from the form; it starts at once when nothing trains."""
        v = self._form_values()
        if v is None:
            return
        try:
            name = self._run_name(v)
            build = mt_job if v["task"] == "mt" else lm_job
            job = build(self.ctx.workspace, name, v)
        except StudioError as exc:
            self._message(str(exc), error=True)
            return
        self.form.remember()
        self.form.name_edit.clear()
        if self.queue.busy:
            self._message(self.tr("Queued '{name}': it starts when the runs before it "
                                  "end.").format(name=name))
        self.queue.add(job)

    def compare_cells(self) -> None:
        """Queue the form's run once per cell (LSTM, then GRU) and follow both on
        the Experiments page."""
        v = self._form_values()
        if v is None:
            return
        try:
            jobs = compare_jobs(self.ctx.workspace, v, self.queue.run_names())
        except StudioError as exc:
            self._message(str(exc), error=True)
            return
        self.form.remember()
        self.form.name_edit.clear()
        for job in jobs:
            self.queue.add(job)
        self.ctx.compare_runs.emit([job.run_name for job in jobs])

    def enqueue(self, job: TrainingJob) -> None:
        """Queue a job another page made (the Experiments page's Train best)."""
        if job.run_name in self.queue.run_names():
            self._message(self.tr("'{name}' is already training or queued.").format(
                name=job.run_name), error=True)
            return
        if self.queue.busy:
            self._message(self.tr("Queued '{name}': it starts when the runs before it "
                                  "end.").format(name=job.run_name))
        self.queue.add(job)

    def _search_running(self, running: bool) -> None:
        """Hold the queue while the Experiments page searches: on one CPU each would
        slow the other, and the search's trials would no longer compare."""
        for button in (self.form.start_button, self.form.compare_button,
                       self.continue_button):
            button.setEnabled(not running)
        self._message(self.tr("A search is running on the Experiments page: training can "
                              "start when it ends or is stopped there.") if running else "")

    def _run_name(self, v: dict) -> str:
        return self.queue.new_run_name(self.ctx.workspace, v["name"], default_name(v))

    def continue_shown_run(self) -> None:
        shown = self.shown_run
        if shown is None:
            return
        name = shown["name"]
        if name in self.queue.run_names():
            self._message(self.tr("'{name}' is already training or queued.").format(name=name),
                          error=True)
            return
        minutes = self.continue_spin.value()
        self.ctx.remember("train/continue_minutes", minutes)
        if self.queue.busy:
            self._message(self.tr("Queued: '{name}' continues when the runs before it "
                                  "end.").format(name=name))
        self.queue.add(resume_job(self.ctx.workspace, name, shown["task"], minutes))

    # -- controls --------------------------------------------------------------------
    def toggle_pause(self) -> None:
        if self.live is None:
            return
        paused = not self.queue.paused
        self.queue.set_paused(paused)
        self.pause_button.setText(self.tr("Resume") if paused else self.tr("Pause"))
        self.state_label.setText(self.tr("Paused (press Resume to go on).") if paused
                                 else self.tr("Training."))

    def stop(self) -> None:
        if self.live is None:
            return
        self.queue.stop()
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)
        self.state_label.setText(self.tr("Stopping: saving a checkpoint…"))

    def remove_selected(self) -> None:
        item = self.queue_list.currentItem()
        if item is not None:
            self.queue.remove(item.data(Qt.ItemDataRole.UserRole))

    # -- queue signals ---------------------------------------------------------------
    def _on_started(self, job_id: int) -> None:
        job = self.queue.current
        if job is None or job.id != job_id:
            return
        self.live = LiveRun(job)
        self.shown_run = None
        self.curves.clear()
        self.samples_view.clear()
        self.run_label.setText(job.run_name)
        self.state_label.setText(self.tr("Preparing data… (reading the corpus and building "
                                         "the tokenizer)"))
        self.stats_label.clear()
        self.progress.setValue(0)
        self._set_controls(training=True)

    def _on_run_ready(self, job_id: int, run_name: str, cfg: dict) -> None:
        if self.live is None or self.live.job.id != job_id:
            return
        self.live.run_name, self.live.cfg = run_name, cfg
        self.run_label.setText(run_name)
        self.state_label.setText(self.tr("Paused.") if self.queue.paused
                                 else self.tr("Training."))
        if self.live.job.resumes:
            self._load_history(run_name)
        self.ctx.runs_changed.emit()

    def _load_history(self, name: str) -> None:
        """A continued run's curve starts with its saved history."""
        job_id = self.live.job.id

        def show(view: dict) -> None:
            if self.live is not None and self.live.job.id == job_id:
                rows = view["metrics"]
                self.curves.set_history(name, rows + self.live.rows)
                self.live.rows.clear()
                self.live.best = self.live.best or view["best"]

        workspace = self.ctx.workspace
        self._calls.start("history", lambda *_: load_run_view(workspace, name), show,
                          lambda exc: log.warning("could not read the history of %s: %s",
                                                  name, exc))

    def _on_events(self, job_id: int, batch: list) -> None:
        live = self.live
        if live is None or live.job.id != job_id:
            return  # a late batch of a job no longer shown
        for event in batch:
            self._apply(live, event)
        self.stats_label.setText(live.stats())
        self.progress.setValue(int(live.progress() * 1000))
        if live.rows and self.isVisible() and not self._redraw.isActive():
            self._redraw.start()

    def _apply(self, live: LiveRun, event) -> None:
        if isinstance(event, StepEvent):
            live.add_step(event)
        elif isinstance(event, EvalEvent):
            live.add_eval(event)
        elif isinstance(event, SampleEvent):
            self.samples_view.setPlainText(
                self.tr("step {step}:").format(step=event.step) + "\n\n"
                + "\n\n".join(s.strip() for s in event.samples))
        elif isinstance(event, CheckpointEvent):
            live.checkpoints += 1
        elif isinstance(event, MessageEvent):
            self._message(event.text, error=event.level == "warning")

    def _draw_rows(self) -> None:
        live = self.live
        if live is not None and live.rows:
            self.curves.add_rows(live.run_name or live.job.run_name, live.rows)
            live.rows = []

    def _on_ended(self, job_id: int, outcome: object) -> None:
        live = self.live
        if live is None or live.job.id != job_id:
            return
        self._draw_rows()
        if isinstance(outcome, BaseException):
            self.state_label.setText(self.tr("Failed."))
            self._message(self.ctx.message_for(outcome), error=True)
        elif isinstance(outcome, FailedEvent):
            self.state_label.setText(self.tr("Failed."))
            self._message(outcome.message, error=True)
        elif isinstance(outcome, FinishedEvent):
            self._finished(live, outcome)
        # the speed and the ETA were true only while it trained: none stays behind
        self.stats_label.setText(live.final_stats())
        self.live = None
        self._set_controls(training=False)
        self.ctx.runs_changed.emit()

    def _finished(self, live: LiveRun, event: FinishedEvent) -> None:
        if event.reason == "stopped" and live.last is None:
            self.state_label.setText(self.tr("Stopped before training began; nothing changed."))
            return
        reason = event.reason
        if reason == "epochs" and live.cfg.get("max_minutes"):
            reason = "epochs-cap"
        outcome = self.tr(FINISHED.get(reason, FINISHED["steps"]))
        text = self.tr("{outcome} at step {step}.").format(
            outcome=outcome[:1].upper() + outcome[1:], step=f"{event.step:,}")
        if event.detail:  # the back end's why, in English
            text += " " + event.detail[:1].upper() + event.detail[1:] + "."
        self.state_label.setText(text)
        if event.best_metrics:
            live.best = dict(event.best_metrics)
        if live.run_name and (live.checkpoints or live.job.resumes) \
                and live.job.task in CONTINUABLE:
            self.shown_run = {"name": live.run_name, "task": live.job.task}
            self._show_continue(True)

    # -- showing -----------------------------------------------------------------------
    def _show_idle(self) -> None:
        self.run_label.setText(self.tr("No run is training"))
        self.state_label.setText(self.tr("Set up a run on the left and press Start training, "
                                         "or open a run from Runs to continue it."))
        self._set_controls(training=False)
        self._show_queue()

    def _set_controls(self, training: bool) -> None:
        self.pause_button.setEnabled(training)
        self.pause_button.setText(self.tr("Pause"))
        self.stop_button.setEnabled(training)
        self.form.start_button.setText(self.tr("Add to queue") if training
                                       else self.tr("Start training"))
        self._show_continue(not training and self.shown_run is not None)

    def _show_continue(self, visible: bool) -> None:
        for w in (self.continue_label, self.continue_spin, self.continue_button):
            w.setVisible(visible)

    def _show_queue(self) -> None:
        self.queue_list.clear()
        for job in self.queue.pending():
            item = QListWidgetItem(job.title)
            item.setData(Qt.ItemDataRole.UserRole, job.id)
            self.queue_list.addItem(item)
        self.remove_button.setEnabled(self.queue_list.count() > 0)
        self.form.start_button.setText(self.tr("Add to queue") if self.queue.busy
                                       else self.tr("Start training"))

    def _show_saved_run(self, view: dict) -> None:
        name = view["name"]
        if self.live is not None:  # keep the live view; offer to queue the continuation
            self.shown_run = {"name": name, "task": view["task"]}
            self._message(self.tr("'{name}' is shown for continuing: press Continue to queue "
                                  "it after the run training now.").format(name=name))
            self._show_continue(view["has_checkpoint"])
            return
        self.shown_run = {"name": name, "task": view["task"]} if view["has_checkpoint"] else None
        self.run_label.setText(name)
        best = format_metrics(view["best"]) if view["best"] else self.tr("no evaluation yet")
        self.state_label.setText(self.tr("Saved at step {step} after {duration} of "
                                         "training.").format(
            step=f"{view['step']:,}", duration=format_duration(view["elapsed"])))
        self.stats_label.setText(self.tr("best validation: {metrics}").format(metrics=best))
        self.progress.setValue(0)
        self.curves.clear()
        self.curves.set_history(name, view["metrics"])
        self.samples_view.setPlainText("\n\n".join(s.strip() for s in view["samples"]))
        self._show_continue(view["has_checkpoint"])
        if not view["has_checkpoint"]:
            self._message(self.tr("'{name}' has no checkpoint to continue from.").format(
                name=name), error=True)

    def _message(self, text: str, error: bool = False) -> None:
        show_status(self.message_label, text, error)
