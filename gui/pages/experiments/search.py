"""The Experiments page's Search tab: the hyperparameter searches saved in the
workspace (``nlp.experiments.search``), the trials of one in a table, its best
config queued for a full training in one click, and a form that starts a new
search (``nlp.experiments.search_jobs``) on a worker thread of its own (a search
trains for many minutes; the shared pool stays free for the window's short
calls).

A search and the training queue never train at the same time: on a shared CPU
each would slow the other, and trials that ran at different speeds within the
same minutes compare nothing. The panel refuses to start while the queue
trains, and says ``AppContext.search_state`` so the Train page holds its queue.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QSignalBlocker,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls, Worker
from gui.context import AppContext
from gui.corpus_list import load_entries
from gui.pages.experiments.tables import (
    emphasize,
    finite,
    fit_columns,
    loss_text,
    make_table,
    score_text,
    settings_text,
    table_item,
    tr,
)
from gui.style import show_status
from nlp.errors import StudioError
from nlp.experiments.search_jobs import (
    SearchRequest,
    best_training,
    default_search_name,
    search_work,
)
from nlp.runs.workspace import Workspace
from nlp.training.jobs import TrainingJob
from nlp.training.progress import format_duration

COLUMNS = (QT_TRANSLATE_NOOP("ExperimentsPage", "Trial"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "State"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Settings"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Val. loss"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Score"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Steps"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Wall time"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Run"))
STATES = {"complete": QT_TRANSLATE_NOOP("ExperimentsPage", "complete"),
          "pruned": QT_TRANSLATE_NOOP("ExperimentsPage", "pruned"),
          "failed": QT_TRANSLATE_NOOP("ExperimentsPage", "failed"),
          "stopped": QT_TRANSLATE_NOOP("ExperimentsPage", "stopped")}
SEARCH_STATES = {"stopped": QT_TRANSLATE_NOOP("ExperimentsPage", "stopped"),
                 "running": QT_TRANSLATE_NOOP("ExperimentsPage", "unfinished")}
METHOD_NAMES = {"bayes": QT_TRANSLATE_NOOP("ExperimentsPage", "Bayesian"),
                "random": QT_TRANSLATE_NOOP("ExperimentsPage", "Random"),
                "grid": QT_TRANSLATE_NOOP("ExperimentsPage", "Grid")}
METHODS = (("bayes", QT_TRANSLATE_NOOP("ExperimentsPage", "Bayesian (Optuna TPE)")),
           ("random", QT_TRANSLATE_NOOP("ExperimentsPage", "random")),
           ("grid", QT_TRANSLATE_NOOP("ExperimentsPage", "grid (listed values only)")))
LEVELS = (("char", QT_TRANSLATE_NOOP("ExperimentsPage", "characters")),
          ("subword", QT_TRANSLATE_NOOP("ExperimentsPage", "subwords")))
SPACE_EXAMPLE = "hidden=128,256,512 lr=1e-3..1e-2:log dropout=0..0.3 cell=lstm,gru layers=1,2"


def best_job(workspace: Workspace, result, minutes: float, name: str) -> TrainingJob:
    """A full training of ``result``'s best config for ``minutes`` (raises
    StudioError when the search has no best trial)."""
    prepare = best_training(workspace, result, minutes, name)
    title = QCoreApplication.translate(
        "ExperimentsPage", "{name}: best of search {search}, {minutes} minutes").format(
        name=name, search=result.name, minutes=f"{minutes:g}")
    return TrainingJob(title=title, run_name=name, prepare=prepare)


class SearchPanel(QWidget):
    """Saved searches, one's trials, Train best, and the New search form."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.searches: list = []  # SearchResult, as listed
        self.shown = None  # the SearchResult in the table
        self.worker: Worker | None = None  # the search running now
        self.running: SearchRequest | None = None  # what it searches
        self.live_trials: list = []  # TrialRows of the running search
        self._calls = Calls(self)  # "list": the saved searches; "search": the running one
        self._select_after = ""
        self._training = False
        self._started = 0.0
        self._clock = QTimer(self, interval=1000)
        self._clock.timeout.connect(self._show_progress)
        self._build()
        ctx.training_state.connect(self._training_changed)
        self._update_buttons()

    # -- building --------------------------------------------------------------------
    def _build(self) -> None:
        self.search_list = QListWidget()
        self.search_list.currentRowChanged.connect(self._chosen)
        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(QLabel(self.tr("Saved searches")))
        col.addWidget(self.search_list, 1)
        col.addWidget(self._form())

        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = make_table(COLUMNS)
        self.train_best_button = QPushButton(self.tr("Train best…"))
        self.train_best_button.clicked.connect(self.train_best)
        self.command_edit = QLineEdit()
        self.command_edit.setReadOnly(True)
        self.command_edit.setToolTip(self.tr("The same full training from a terminal"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_best_button)
        buttons.addWidget(self.command_edit, 1)
        right = QWidget()
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(0, 0, 0, 0)
        right_col.addWidget(self.header)
        right_col.addWidget(self.table, 1)
        right_col.addLayout(buttons)
        right_col.addWidget(self.status)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([300, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _form(self) -> QGroupBox:
        box = QGroupBox(self.tr("New search"))
        form = QFormLayout(box)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("automatic"))
        form.addRow(self.tr("Name"), self.name_edit)
        self.corpus_combo = QComboBox()
        self.corpus_combo.setEditable(True)
        self.corpus_combo.lineEdit().setPlaceholderText(self.tr("a .txt file or a folder"))
        choose = QPushButton(self.tr("File…"))
        choose.clicked.connect(self._choose_corpus)
        row = QHBoxLayout()
        row.addWidget(self.corpus_combo, 1)
        row.addWidget(choose)
        form.addRow(self.tr("Corpus"), row)
        self.level_combo = QComboBox()
        for data, label in LEVELS:
            self.level_combo.addItem(tr(label), data)
        form.addRow(self.tr("Tokens"), self.level_combo)
        self.space_edit = QLineEdit(self.ctx.recall("experiments/space", SPACE_EXAMPLE, str))
        self.space_edit.setToolTip(self.tr("name=values separated by spaces: a list "
                                           "(128,256), a range (0..0.3) or a range on a log "
                                           "scale (1e-3..1e-2:log). Example:\n{example}")
                                   .format(example=SPACE_EXAMPLE))
        self.space_edit.setPlaceholderText(SPACE_EXAMPLE)
        self.space_edit.setCursorPosition(0)  # its start, not its tail
        form.addRow(self.tr("Space"), self.space_edit)
        self.method_combo = QComboBox()
        for data, label in METHODS:
            self.method_combo.addItem(tr(label), data)
        form.addRow(self.tr("Method"), self.method_combo)
        self.minutes_spin = QDoubleSpinBox()
        self.minutes_spin.setRange(0.5, 10_000)
        self.minutes_spin.setDecimals(1)
        self.minutes_spin.setValue(self.ctx.recall("experiments/minutes", 20.0, float))
        self.minutes_spin.setSuffix(self.tr(" minutes in all"))
        form.addRow(self.tr("Budget"), self.minutes_spin)
        self.trials_spin = QSpinBox()
        self.trials_spin.setRange(2, 1000)
        self.trials_spin.setValue(self.ctx.recall("experiments/trials", 8, int))
        self.trials_spin.setToolTip(self.tr("Trial 0 is the baseline: the sizes the Train "
                                            "page suggests for this corpus. Each trial gets "
                                            "the budget divided by the number of trials."))
        form.addRow(self.tr("Trials"), self.trials_spin)
        self.start_button = QPushButton(self.tr("Start search"))
        self.start_button.clicked.connect(self.start_search)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.clicked.connect(self.stop_search)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button, 1)
        buttons.addWidget(self.stop_button)
        form.addRow(buttons)
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        form.addRow(self.state_label)
        self.queue_note = QLabel(self.busy_queue_text())
        self.queue_note.setWordWrap(True)
        form.addRow(self.queue_note)
        self._fill_corpora()
        return box

    def _fill_corpora(self) -> None:
        """The text corpora of the Corpora page's list (pairs cannot train an LM)."""
        self.corpus_combo.clear()
        for entry in load_entries(self.ctx):
            if entry.kind == "text":
                self.corpus_combo.addItem(entry.display_name(), (entry.path,
                                                                 entry.options.to_dict()))
        remembered = self.ctx.recall("experiments/corpus", "", str)
        if remembered:
            self.corpus_combo.setCurrentText(remembered)  # an entry's name, or a typed path

    def _choose_corpus(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Corpus"), str(Path.home()),
                                              self.tr("Text") + " (*.txt *.text *.md *.gz);;"
                                              + self.tr("All files") + " (*)")
        if path:
            self.corpus_combo.setCurrentText(path)

    def corpus(self) -> tuple[str, dict]:
        """(path, text options) of the chosen corpus; a typed path has no options."""
        text = self.corpus_combo.currentText().strip()
        index = self.corpus_combo.findText(text)
        if index >= 0 and self.corpus_combo.itemData(index):
            path, options = self.corpus_combo.itemData(index)
            return path, options
        return text, {}

    # -- the list of searches ----------------------------------------------------------
    def refresh(self, select: str = "") -> None:
        """Reload the saved searches off the GUI thread."""
        self._select_after = select or self._select_after
        workspace = self.ctx.workspace

        def listing(_report, _should_stop):
            from nlp.experiments.search import list_searches

            return list_searches(workspace)

        self._calls.start("list", listing, self._listed, self._list_failed)

    def _listed(self, searches: list) -> None:
        wanted = self._select_after or self._chosen_name()  # the choice made meanwhile stays
        self._select_after = ""
        self.searches = list(searches)
        self._fill_list(wanted)

    def _fill_list(self, select: str) -> None:
        """The saved searches, then the running one (saved after each trial, it is
        shown from its live trials instead), and ``select`` chosen."""
        running = self._running_name()
        self.searches = [s for s in self.searches if s.name != running]
        blocker = QSignalBlocker(self.search_list)
        self.search_list.clear()
        for result in self.searches:
            text = self.tr("{name}   {method}, {count} trials").format(
                name=result.name, method=method_label(result.method), count=len(result.trials))
            if result.state in SEARCH_STATES:  # "running" here: another process, or cut short
                text += ", " + tr(SEARCH_STATES[result.state])
            self.search_list.addItem(text)
        names = [s.name for s in self.searches]
        if running:
            self.search_list.addItem(self.tr("{name}   running").format(name=running))
            names.append(running)
        blocker.unblock()
        row = names.index(select) if select in names else (0 if names else -1)
        self.search_list.setCurrentRow(row)
        self._chosen(row)

    def _list_failed(self, exc: BaseException) -> None:
        self._say(self.tr("Could not list the searches: {error}").format(
            error=self.ctx.message_for(exc)), error=True)

    def _chosen(self, row: int) -> None:
        self.shown = self.searches[row] if 0 <= row < len(self.searches) else None
        self.command_edit.clear()
        if self.shown is not None:
            self._show_result(self.shown)
        elif self.worker is not None and row == len(self.searches):
            self._show_live()
        else:
            self.header.setText(self.tr("No searches yet. Fill in New search and press Start "
                                        "search, or run python main.py search … in a "
                                        "terminal."))
            self.table.setRowCount(0)
        self._update_buttons()

    def _chosen_name(self) -> str:
        if self._showing_live():
            return self._running_name()
        return self.shown.name if self.shown is not None else ""

    def _showing_live(self) -> bool:
        return self.worker is not None and self.search_list.currentRow() == len(self.searches)

    # -- the trials table ----------------------------------------------------------------
    def _show_result(self, result) -> None:
        from nlp.experiments.search import train_command

        self.header.setText(result_summary(result))
        minutes = self.ctx.recall("experiments/best_minutes", 30.0, float)
        self.command_edit.setText(train_command(result, minutes) if result.best else "")
        self.command_edit.setCursorPosition(0)
        best = result.best.number if result.best is not None else None
        baseline = result.baseline.number if result.baseline is not None else None
        self._show_trials(result.trials, best, baseline)

    def _show_trials(self, trials: list, best: int | None, baseline: int | None) -> None:
        self.table.setRowCount(len(trials))
        for r, t in enumerate(trials):
            number = str(t.number)
            if t.number == baseline:
                number = self.tr("{number} (baseline)").format(number=t.number)
            state = tr(STATES[t.state]) if t.state in STATES else t.state
            texts = (number, f"{state}: {t.message}" if t.message else state,
                     settings_text(t.params), loss_text(t.value),
                     score_text(t.score, t.score_name), f"{t.steps:,}",
                     format_duration(t.wall_s), t.run)
            for c, text in enumerate(texts):
                self.table.setItem(r, c, table_item(text, number=c in (3, 4, 5, 6)))
            if t.number == best:
                emphasize(self.table, r)
        fit_columns(self.table, widest=420)

    def _show_live(self) -> None:
        trials = self.live_trials
        done = [t for t in trials if t.state == "complete" and finite(t.value)]
        best = min(done, key=lambda t: t.value).number if done else None
        self.header.setText(self.tr("Search {name} is running; finished trials: {count}.").format(
            name=self._running_name(), count=len(trials)))
        self._show_trials(trials, best, 0 if any(t.number == 0 for t in trials) else None)

    # -- train best ----------------------------------------------------------------------
    def train_best(self) -> None:
        """Queue a full training of the shown search's best config."""
        result = self.shown
        if result is None or result.best is None or self.worker is not None:
            return
        minutes, ok = QInputDialog.getDouble(
            self, self.tr("Train the best config"),
            self.tr("Train {settings} for how many minutes?").format(
                settings=settings_text(result.best.params) or self.tr("the baseline")),
            self.ctx.recall("experiments/best_minutes", 30.0, float), 0.5, 10_000, 1)
        if not ok:
            return
        self.ctx.remember("experiments/best_minutes", minutes)
        try:
            job = best_job(self.ctx.workspace, result, minutes,
                           self.ctx.workspace.free_name(f"{result.name}-best",
                                                        self.ctx.training.run_names()))
        except StudioError as exc:
            self._say(str(exc), error=True)
            return
        self.ctx.queue_training.emit(job)
        self.ctx.show_page.emit("train")

    # -- running a search ----------------------------------------------------------------
    def request(self) -> SearchRequest:
        corpus, options = self.corpus()
        method = self.method_combo.currentData()
        name = self.name_edit.text().strip() or default_search_name(corpus)
        return SearchRequest(name=name, corpus=corpus, options=options,
                             level=self.level_combo.currentData(),
                             space=self.space_edit.text().strip(), method=method,
                             minutes=self.minutes_spin.value(), trials=self.trials_spin.value())

    def start_search(self) -> None:
        if self.worker is not None:
            return
        if self._training:
            self._say(self.busy_queue_text(), error=True)
            return
        request = self.request()
        if not request.corpus:
            self._say(self.tr("Choose a corpus to search on."), error=True)
            return
        if not request.space:
            self._say(self.tr("Say what to search, for example: {example}").format(
                example=SPACE_EXAMPLE), error=True)
            return
        self._remember(request)
        self.live_trials = []
        self.running = request
        self.worker = self._calls.start(
            "search", search_work(self.ctx.workspace, request), self._search_ended,
            self._search_ended, self._trial_ended, own_thread=True)
        self._started = time.monotonic()
        self._clock.start()
        self.ctx.search_state.emit(True)
        self._show_progress()
        self._fill_list(select=request.name)

    def _remember(self, request: SearchRequest) -> None:
        self.name_edit.clear()
        self.ctx.remember("experiments/corpus", self.corpus_combo.currentText())
        self.ctx.remember("experiments/space", request.space)
        self.ctx.remember("experiments/minutes", request.minutes)
        self.ctx.remember("experiments/trials", request.trials)

    def stop_search(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.stop_button.setEnabled(False)
            self._say(self.tr("Stopping: the trial training now saves a checkpoint, then the "
                              "search saves what it found."))

    def _trial_ended(self, trial) -> None:
        self.live_trials = [t for t in self.live_trials if t.number != trial.number] + [trial]
        self.live_trials.sort(key=lambda t: t.number)
        if self._showing_live():
            self._show_live()
        self._show_progress()
        self.ctx.runs_changed.emit()  # each trial is a run in the browser

    def _search_ended(self, outcome) -> None:
        """The search's result, or the exception that ended it."""
        self.worker = self.running = None
        self._clock.stop()
        self.ctx.search_state.emit(False)
        self._say("")
        if isinstance(outcome, BaseException):
            show_status(self.state_label, self.ctx.message_for(outcome), error=True)
            self.refresh()
        else:
            show_status(self.state_label, result_summary(outcome))
            self.refresh(select=outcome.name)
        self._update_buttons()
        self.ctx.runs_changed.emit()

    def _running_name(self) -> str:
        return self.running.name if self.running is not None else ""

    def _show_progress(self) -> None:
        if self.running is None:
            return
        request = self.running
        self.state_label.setStyleSheet("")
        self.state_label.setText(self.tr("Searching for {elapsed} (budget: {budget} of "
                                         "training); finished trials: {done}.").format(
            done=len(self.live_trials), elapsed=format_duration(time.monotonic() - self._started),
            budget=format_duration(request.minutes * 60)))

    # -- the queue and the window --------------------------------------------------------
    def _training_changed(self, training: bool) -> None:
        self._training = training
        self._update_buttons()

    def busy_queue_text(self) -> str:
        return self.tr("A run is training on the Train page: a search started now would share "
                       "the CPU with it and its trials would not compare. Start the search "
                       "when the queue is empty.")

    def _update_buttons(self) -> None:
        running = self.worker is not None
        self.start_button.setEnabled(not running and not self._training)
        self.start_button.setToolTip(self.busy_queue_text() if self._training else "")
        self.stop_button.setEnabled(running and not self.worker.stopping)
        shown = self.shown
        self.train_best_button.setEnabled(not running and shown is not None
                                          and shown.best is not None)
        self.queue_note.setVisible(self._training and not running)

    def busy_reason(self) -> str | None:
        return self.tr("a hyperparameter search is running") if self.worker else None

    def shutdown(self, timeout_s: float) -> None:
        """Stop the search (its trial saves a checkpoint) and wait for it."""
        worker = self.worker
        if worker is not None:
            worker.stop()
            worker.wait(timeout_s)

    def _say(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)


def method_label(method: str) -> str:
    """A search method's name in the interface language ("bayes" -> "Bayesian")."""
    return tr(METHOD_NAMES[method]) if method in METHOD_NAMES else method


def result_summary(result) -> str:
    """One line on a search: method, space, data, and how the best did against the
    baseline."""
    method = method_label(result.method)
    translate = QCoreApplication.translate  # lupdate reads the context from these calls
    text = translate("ExperimentsPage", "{method} search over {space} on {corpus}.").format(
        method=method, space=result.space, corpus=Path(str(result.data.get("corpus", ""))).name)
    best, baseline = result.best, result.baseline
    if best is not None and baseline is not None and best.number == baseline.number:
        text += " " + translate("ExperimentsPage",
                                "No trial beat the baseline (val. loss {loss}).").format(
            loss=loss_text(best.value))
    elif best is not None and baseline is not None and finite(baseline.value):
        text += " " + translate("ExperimentsPage", "Best: trial {number}, val. loss {loss} "
                                "(baseline {baseline}).").format(
            number=best.number, loss=loss_text(best.value), baseline=loss_text(baseline.value))
    elif best is not None:
        text += " " + translate("ExperimentsPage", "Best: trial {number}, val. loss {loss}.").format(
            number=best.number, loss=loss_text(best.value))
    return text
