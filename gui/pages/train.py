"""The Train page: set up a run, queue it, and watch it learn.

The left side is the set-up (task, corpus, budget, device, and the settings of
the recipe for them, ``nlp.training.recipe``, with its reason in words); the right side
follows the run training now (state, progress, curves, samples), continues a
finished run, and lists the queue. Training happens on the queue's worker thread (``gui.training_queue``);
this page only turns its batched events into labels and curve rows, redrawing
the curves at most :data:`REDRAW_MS` apart, and only while the page is shown,
so the event loop never stalls.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.background import call_in_background
from gui.context import AppContext
from gui.run_details import PendingCalls
from gui.training_queue import TrainingJob, TrainingQueue
from gui.widgets.curves import CurvesView
from nlp.errors import StudioError
from nlp.runs.workspace import Workspace, check_run_name
from nlp.training.events import (
    CheckpointEvent,
    EvalEvent,
    FailedEvent,
    FinishedEvent,
    MessageEvent,
    SampleEvent,
    StepEvent,
)
from nlp.training.progress import format_duration, format_metrics
from nlp.training.recipe import Budget, Recipe
from nlp.training.sizing import (
    BUDGET_UNITS,
    CorpusSize,
    available_devices,
    measure_pairs,
    measure_text,
)

log = logging.getLogger(__name__)

# Curves redraw at most this often. A redraw costs pyqtgraph two or three
# repaints of ~20 ms each (40+ ms on a CPU busy training): at 5 redraws a second
# the 99th-percentile event-loop stall was ~55 ms, at 1 a second ~20 ms
# (bench/bench_gui_stalls.py). The labels still follow every event batch.
REDRAW_MS = 1000
PLAN_DELAY_MS = 600  # a new budget or device is planned for once the typing pauses
TASKS = ((QT_TRANSLATE_NOOP("SetupForm", "Character language model"), "char"),
         (QT_TRANSLATE_NOOP("SetupForm", "Subword language model"), "subword"),
         (QT_TRANSLATE_NOOP("SetupForm", "Translator"), "mt"))
CELLS = (("LSTM", "lstm"), ("GRU", "gru"))
# the budget units (nlp.training.sizing.BUDGET_UNITS) as the menu shows them
UNITS = {"minutes": QT_TRANSLATE_NOOP("SetupForm", "minutes"),
         "epochs": QT_TRANSLATE_NOOP("SetupForm", "epochs"),
         "steps": QT_TRANSLATE_NOOP("SetupForm", "steps")}
FINISHED = {"budget": QT_TRANSLATE_NOOP("TrainPage", "finished: the budget is used up"),
            "steps": QT_TRANSLATE_NOOP("TrainPage", "finished"),
            "epochs": QT_TRANSLATE_NOOP("TrainPage", "finished: all epochs done"),
            "early-stop": QT_TRANSLATE_NOOP("TrainPage",
                                            "finished early: validation stopped improving"),
            "epochs-cap": QT_TRANSLATE_NOOP("TrainPage", "finished before the time budget: "
                                            "the recipe's passes over this small corpus are "
                                            "done"),
            "stopped": QT_TRANSLATE_NOOP("TrainPage", "stopped; a checkpoint was saved")}


def _spin(low: int, high: int, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    return box


def _select(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


# -- the set-up form ----------------------------------------------------------------------

class SetupForm(QWidget):
    """What to train and how. The recipe for the corpus, budget and device fills the
    model and training fields, except those the person edited (kept, and remembered)."""

    measured = Signal(object)  # CorpusSize, or None when the corpus cannot be measured

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.size: CorpusSize | None = None
        self.recipe: Recipe | None = None
        self._edited: set[str] = set()  # fields the person set: recipes leave them alone
        self._applying = False
        self._measure_id = 0  # the latest corpus measurement asked for
        self._plan_id = 0  # the latest recipe asked for
        self._replan = QTimer(self, singleShot=True, interval=PLAN_DELAY_MS)
        self._replan.timeout.connect(lambda: self.plan(apply=True))
        self._calls = PendingCalls(self)  # measuring and planning, kept alive until they report
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._data_group())
        layout.addWidget(self._model_group())
        layout.addWidget(self._training_group())
        self.start_button = QPushButton(self.tr("Start training"))
        self.start_button.setDefault(True)
        self.compare_button = QPushButton(self.tr("Compare LSTM and GRU"))
        self.compare_button.setToolTip(self.tr("Queue this run twice, once with each cell, "
                                               "with the same data, seed and budget, and "
                                               "compare them on the Experiments page"))
        layout.addWidget(self._row(self.start_button, self.compare_button))
        layout.addStretch(1)
        self._recall()
        self._last_task = self.task
        self.task_combo.currentIndexChanged.connect(self._task_changed)
        self.corpus_edit.editingFinished.connect(lambda: self.measure())
        self.tgt_edit.editingFinished.connect(self._show_task_rows)
        self.suggest_button.clicked.connect(self._use_recipe)
        self.budget_unit.currentIndexChanged.connect(self._unit_changed)
        for changed in (self.budget_unit.currentIndexChanged, self.budget_spin.valueChanged,
                        self.device_combo.currentIndexChanged):
            changed.connect(lambda: self._replan.start())
        self._track_edits()
        self._show_task_rows()
        self.measure()

    # -- building --------------------------------------------------------------------
    def _data_group(self) -> QGroupBox:
        box = QGroupBox(self.tr("What to train"))
        form = self.data_form = QFormLayout(box)
        self.task_combo = QComboBox()
        for label, data in TASKS:
            self.task_combo.addItem(self.tr(label), data)
        form.addRow(self.tr("Task"), self.task_combo)
        self.corpus_edit = QLineEdit()
        self.corpus_edit.setPlaceholderText(self.tr("a .txt file or a folder of them"))
        choose = QPushButton(self.tr("File…"))
        choose.clicked.connect(self._choose_corpus)
        self.folder_button = QPushButton(self.tr("Folder…"))
        self.folder_button.clicked.connect(self._choose_folder)
        form.addRow(self.tr("Corpus"), self.corpus_edit)
        form.addRow(self._row(choose, self.folder_button, stretch=True))
        self.tgt_edit = QLineEdit()
        self.tgt_edit.setPlaceholderText(self.tr("only for two aligned files"))
        choose_tgt = QPushButton(self.tr("File…"))
        choose_tgt.clicked.connect(self._choose_target)
        self.tgt_row = self._row(self.tgt_edit, choose_tgt)
        form.addRow(self.tr("Target file"), self.tgt_row)
        self.src_col, self.tgt_col = _spin(0, 99), _spin(0, 99)
        self.tgt_col.setValue(1)
        self.columns_row = self._row(QLabel(self.tr("source")), self.src_col,
                                     QLabel(self.tr("target")), self.tgt_col)
        form.addRow(self.tr("TSV columns"), self.columns_row)
        self.size_label = QLabel()
        self.size_label.setWordWrap(True)
        self.size_label.setObjectName("corpusSize")
        form.addRow(self.size_label)
        self.recipe_label = QLabel()
        self.recipe_label.setWordWrap(True)
        self.recipe_label.setObjectName("recipeWhy")
        self.recipe_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.recipe_label)
        return box

    def _model_group(self) -> QGroupBox:
        box = QGroupBox(self.tr("Model"))
        form = self.model_form = QFormLayout(box)
        self.cell_combo = QComboBox()
        for label, data in CELLS:
            self.cell_combo.addItem(label, data)
        form.addRow(self.tr("Cell"), self.cell_combo)
        self.layers_spin = _spin(1, 8)
        self.hidden_spin = _spin(8, 4096, 32)
        self.embed_spin = _spin(4, 2048, 32)
        self.layers_spin.setValue(1)
        self.hidden_spin.setValue(256)
        self.embed_spin.setValue(64)
        form.addRow(self.tr("Layers"), self.layers_spin)
        form.addRow(self.tr("Hidden size"), self.hidden_spin)
        form.addRow(self.tr("Embedding size"), self.embed_spin)
        self.vocab_spin = _spin(100, 64000, 500)
        self.vocab_spin.setValue(8000)
        form.addRow(self.tr("Vocabulary"), self.vocab_spin)
        self.dropout_spin = QDoubleSpinBox()
        self.dropout_spin.setRange(0.0, 0.9)
        self.dropout_spin.setSingleStep(0.05)
        self.dropout_spin.setValue(0.2)
        form.addRow(self.tr("Dropout"), self.dropout_spin)
        self.tied_check = QCheckBox(self.tr("share input and output embeddings"))
        form.addRow(self.tr("Tied"), self.tied_check)
        self.suggest_button = QPushButton(self.tr("Use the recipe's settings"))
        self.suggest_button.setToolTip(self.tr("Fill the model and training fields with the "
                                               "settings chosen for this corpus, budget and "
                                               "machine (fields you changed are replaced)"))
        form.addRow(self.suggest_button)
        return box

    def _training_group(self) -> QGroupBox:
        box = QGroupBox(self.tr("Training"))
        form = self.training_form = QFormLayout(box)
        self.budget_spin = QDoubleSpinBox()
        self.budget_spin.setRange(0.1, 1_000_000)
        self.budget_unit = QComboBox()
        for unit in BUDGET_UNITS:
            self.budget_unit.addItem(self.tr(UNITS[unit]) if unit in UNITS else unit, unit)
        form.addRow(self.tr("Budget"), self._row(self.budget_spin, self.budget_unit))
        self.batch_spin = _spin(1, 4096)
        self.batch_spin.setValue(32)
        self.seq_spin = _spin(4, 4096, 16)
        self.seq_spin.setValue(64)
        form.addRow(self.tr("Batch size"), self.batch_spin)
        form.addRow(self.tr("Sequence length"), self.seq_spin)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 0.1)
        self.lr_spin.setValue(0.005)
        self.lr_spin.setSingleStep(0.0005)
        form.addRow(self.tr("Learning rate"), self.lr_spin)
        self.device_combo = QComboBox()
        for device in available_devices():
            self.device_combo.addItem(self.tr("auto") if device == "auto" else device, device)
        form.addRow(self.tr("Device"), self.device_combo)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("automatic"))
        form.addRow(self.tr("Run name"), self.name_edit)
        return box

    @staticmethod
    def _row(*widgets: QWidget, stretch: bool = False) -> QWidget:
        """Widgets side by side; ``stretch`` pushes them to the right."""
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        if stretch:
            line.addStretch(1)
        for w in widgets:
            line.addWidget(w, 1 if isinstance(w, QLineEdit) else 0)
        return row

    # -- task, corpus and sizes ---------------------------------------------------------
    @property
    def task(self) -> str:
        return self.task_combo.currentData()

    def _task_changed(self) -> None:
        """Switching to or from the translator also switches the cell to its usual
        one (GRU for translators, as in the CLI; LSTM for language models)."""
        was_mt, is_mt = self._last_task == "mt", self.task == "mt"
        if was_mt != is_mt:
            _select(self.cell_combo, "gru" if is_mt else "lstm")
        self._last_task = self.task
        self._show_task_rows()
        self.measure()

    def _show_task_rows(self) -> None:
        mt, lm = self.task == "mt", self.task != "mt"
        self.data_form.setRowVisible(self.tgt_row, mt)
        self.data_form.setRowVisible(self.columns_row,
                                     mt and not self.tgt_edit.text().strip())
        self.folder_button.setVisible(lm)
        self.corpus_edit.setPlaceholderText(self.tr("a TSV file of pairs, or the source file")
                                            if mt else self.tr("a .txt file or a folder of them"))
        self.model_form.setRowVisible(self.vocab_spin, self.task != "char")
        self.model_form.setRowVisible(self.tied_check, lm)
        self.training_form.setRowVisible(self.seq_spin, lm)

    def set_corpus(self, request: dict) -> None:
        """Take a corpus from the Corpora page (``AppContext.use_corpus``)."""
        if request.get("kind") == "pairs":
            _select(self.task_combo, "mt")
            self.tgt_edit.setText(str(request.get("tgt_path") or ""))
            columns = request.get("columns") or (0, 1)
            self.src_col.setValue(int(columns[0]))
            self.tgt_col.setValue(int(columns[1]))
        elif self.task == "mt":
            _select(self.task_combo, "char")
        self.corpus_edit.setText(str(request.get("path", "")))
        self._show_task_rows()
        self.measure()

    def measure(self, apply: bool = True) -> None:
        """Estimate the corpus size off the GUI thread, then plan its recipe."""
        path, task = self.corpus_edit.text().strip(), self.task
        self._measure_id += 1
        self._plan_id += 1  # a recipe for the corpus before is no longer wanted
        self.size = self.recipe = None
        self.recipe_label.clear()
        if not path:
            self.size_label.setText(self.tr("Choose a corpus to train on."))
            return
        self.size_label.setText(self.tr("Measuring the corpus…"))
        request = self._measure_id
        fn = measure_pairs if task == "mt" else measure_text
        self._calls.start(lambda: fn(path),
                          lambda size: self._measured(request, task, size, apply),
                          lambda exc: self._measure_failed(request, exc))

    def _measured(self, request: int, task: str, size: CorpusSize, apply: bool) -> None:
        if request != self._measure_id:
            return  # a newer corpus or task was chosen meanwhile
        self.size = size
        self.size_label.setText(size.describe().capitalize() + ".")
        self.measured.emit(size)
        self.plan(apply)

    def _measure_failed(self, request: int, exc: BaseException) -> None:
        if request == self._measure_id:
            self.size_label.setText(self.ctx.message_for(exc))
            self.measured.emit(None)

    def budget(self) -> Budget | None:
        try:
            return Budget(self.budget_unit.currentData(), self.budget_spin.value())
        except StudioError:
            return None

    def plan(self, apply: bool = True) -> None:
        """Work out the recipe for the corpus, budget and device off the GUI thread (it
        times a few training steps the first time, a second or two), then show why and,
        with ``apply``, fill the fields with it."""
        budget, v = self.budget(), self.values()
        if self.size is None or budget is None:
            return
        self._plan_id += 1
        self.recipe = None
        request = self._plan_id
        self.recipe_label.setText(self.tr("Working out the settings for this corpus, budget "
                                          "and machine…"))
        self._calls.start(
            lambda: planned_job(v)[3],
            lambda recipe: self._planned(request, recipe, apply),
            lambda exc: self._plan_failed(request, exc))

    def _planned(self, request: int, recipe: Recipe, apply: bool) -> None:
        if request != self._plan_id:
            return  # a newer corpus, budget or device meanwhile
        self.recipe = recipe
        if apply:
            self.apply_recipe(recipe)
        self.recipe_label.setText(self.tr("Recipe: {why}.").format(why=recipe.why))

    def _plan_failed(self, request: int, exc: BaseException) -> None:
        if request == self._plan_id:
            self.recipe_label.setText(self.ctx.message_for(exc))

    def apply_recipe(self, recipe: Recipe) -> None:
        """Fill the fields with the recipe's values, except those the person edited."""
        values = {}
        for key, (part, name) in FORM_FIELDS.items():
            source = getattr(recipe, part)
            if key == "layers" and "enc_layers" in source:
                name = "enc_layers"
            if name in source:
                values[key] = source[name]
        widgets = self._recipe_widgets()
        self._applying = True
        try:
            for key, value in values.items():
                if key in self._edited:
                    continue
                if key == "tied":
                    widgets[key].setChecked(bool(value))
                else:
                    widgets[key].setValue(value)
        finally:
            self._applying = False

    def _unit_changed(self) -> None:
        steps = self.budget_unit.currentData() == "steps"
        self.budget_spin.setDecimals(0 if steps else 1)
        self.budget_spin.setMinimum(1 if steps else 0.1)

    def _recipe_widgets(self) -> dict:
        """Form value name -> the widget holding it, for the fields a recipe fills."""
        return {"layers": self.layers_spin, "hidden": self.hidden_spin,
                "embed": self.embed_spin, "dropout": self.dropout_spin,
                "vocab": self.vocab_spin, "batch": self.batch_spin, "seq_len": self.seq_spin,
                "lr": self.lr_spin, "tied": self.tied_check}

    def _track_edits(self) -> None:
        """A field the person changes keeps their value: later recipes (a new corpus,
        budget or device) fill only the others, until "Use the recipe's settings". An
        edit plans again, so that the reason shown is the one the run will train with."""
        for key, widget in self._recipe_widgets().items():
            signal = widget.toggled if widget is self.tied_check else widget.valueChanged
            signal.connect(lambda *_, key=key: self._edit(key))

    def _edit(self, key: str) -> None:
        if not self._applying:
            self._edited.add(key)
            self._replan.start()

    def _use_recipe(self) -> None:
        self._edited.clear()
        self.plan(apply=True)

    # -- file choosers ---------------------------------------------------------------
    def _start_folder(self) -> str:
        current = self.corpus_edit.text().strip()
        return str(Path(current).parent) if current else str(Path.home())

    def _choose_corpus(self) -> None:
        kinds = (self.tr("Sentence pairs") + " (*.tsv *.txt *.gz)" if self.task == "mt"
                 else self.tr("Text") + " (*.txt *.text *.md *.gz)")
        kinds += ";;" + self.tr("All files") + " (*)"
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Corpus"), self._start_folder(),
                                              kinds)
        if path:
            self.corpus_edit.setText(path)
            self.measure()

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Corpus folder"),
                                                self._start_folder())
        if path:
            self.corpus_edit.setText(path)
            self.measure()

    def _choose_target(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Target sentences"),
                                              self._start_folder())
        if path:
            self.tgt_edit.setText(path)
            self._show_task_rows()

    # -- values and memory -------------------------------------------------------------
    def values(self) -> dict:
        """Everything the form says, as plain values."""
        return {"task": self.task, "corpus": self.corpus_edit.text().strip(),
                "tgt": self.tgt_edit.text().strip(),
                "columns": (self.src_col.value(), self.tgt_col.value()),
                "cell": self.cell_combo.currentData(), "layers": self.layers_spin.value(),
                "hidden": self.hidden_spin.value(), "embed": self.embed_spin.value(),
                "vocab": self.vocab_spin.value(), "dropout": self.dropout_spin.value(),
                "tied": self.tied_check.isChecked(), "budget": self.budget_spin.value(),
                "unit": self.budget_unit.currentData(), "batch": self.batch_spin.value(),
                "seq_len": self.seq_spin.value(), "lr": self.lr_spin.value(),
                "device": self.device_combo.currentData(),
                "name": self.name_edit.text().strip(), "edited": sorted(self._edited)}

    def remember(self) -> None:
        for key, value in self.values().items():
            if key != "name":
                self.ctx.remember(f"train/{key}", list(value) if isinstance(value, (list, tuple))
                                  else value)

    def _recall(self) -> None:
        r = self.ctx.recall
        _select(self.task_combo, r("train/task", "char"))
        self.corpus_edit.setText(r("train/corpus", "", str))
        self.tgt_edit.setText(r("train/tgt", "", str))
        columns = r("train/columns", [0, 1], list) or [0, 1]
        try:
            self.src_col.setValue(int(columns[0]))
            self.tgt_col.setValue(int(columns[1]))
        except (IndexError, TypeError, ValueError):
            pass
        _select(self.cell_combo, r("train/cell", "lstm"))
        _select(self.budget_unit, r("train/unit", "minutes", str))
        self._unit_changed()
        self.budget_spin.setValue(r("train/budget", 10.0, float))
        _select(self.device_combo, r("train/device", "auto", str))
        edited = r("train/edited", [], list) or []
        self._edited = {k for k in edited if k in self._recipe_widgets()}
        if r("train/hidden") is not None:
            for key, box, kind in (("layers", self.layers_spin, int),
                                   ("hidden", self.hidden_spin, int),
                                   ("embed", self.embed_spin, int),
                                   ("vocab", self.vocab_spin, int),
                                   ("dropout", self.dropout_spin, float),
                                   ("batch", self.batch_spin, int),
                                   ("seq_len", self.seq_spin, int),
                                   ("lr", self.lr_spin, float)):
                box.setValue(r(f"train/{key}", box.value(), kind))
            self.tied_check.setChecked(r("train/tied", False, bool))


# -- jobs -----------------------------------------------------------------------------------

# form value -> (recipe part, field): what a person may set over the recipe's choice
FORM_FIELDS = {"layers": ("model", "layers"), "hidden": ("model", "hidden"),
               "embed": ("model", "embed"), "dropout": ("model", "dropout"),
               "tied": ("model", "tied"), "vocab": ("data", "vocab_size"),
               "batch": ("train", "batch_size"), "seq_len": ("train", "seq_len"),
               "lr": ("train", "lr")}


def planned_job(v: dict) -> tuple:
    """``(spec, model, train, recipe)`` of a run from the form's values ``v``: the recipe
    for its corpus, budget and device with the fields the person set (off the GUI
    thread: the first time on a machine it times a few training steps)."""
    budget, fixed = _budget(v), fixed_fields(v)
    if v["task"] == "mt":
        from nlp.tasks.mt.session import planned_mt

        return planned_mt(mt_spec(v), budget, v["device"], fixed)
    from nlp.tasks.lm.session import planned_lm

    return planned_lm(v["corpus"], v["task"], budget, v["device"], fixed)


def fixed_fields(v: dict) -> dict:
    """The settings the person chose on the form (``v["edited"]``: the fields they
    changed, and the cell), as recipe fields; the recipe chooses the rest."""
    fixed = {"cell": v["cell"]}
    for key in v.get("edited", ()):
        if key not in FORM_FIELDS or (key in ("seq_len", "tied") and v["task"] == "mt") \
                or (key == "vocab" and v["task"] == "char"):
            continue
        fixed[FORM_FIELDS[key][1]] = v[key]
    return fixed


def _budget(v: dict) -> Budget:
    return Budget(v["unit"], v["budget"])


def lm_job(workspace: Workspace, name: str, v: dict, plan=None) -> TrainingJob:
    """A new language model from the form's values: the recipe for its corpus and
    budget, with the fields the person changed (raises StudioError on bad ones).
    ``plan``: makes ``planned_job``'s tuple instead (a comparison shares one)."""
    from nlp.tasks.lm.session import new_lm_training

    _budget(v)  # a bad budget is refused now, not on the worker thread
    plan = plan or (lambda: planned_job(v))

    def prepare(listeners):  # on the worker thread: planning may time a few steps
        spec, model, train, recipe = plan()
        return new_lm_training(workspace, name, spec, model, train, listeners,
                               recipe=recipe.to_dict())

    title = (QCoreApplication.translate("TrainPage", "{name}: char LM, {cell}")
             if v["task"] == "char" else
             QCoreApplication.translate("TrainPage", "{name}: subword LM, {cell}"))
    return TrainingJob(title=title.format(name=name, cell=v["cell"].upper()), run_name=name,
                       prepare=prepare)


def mt_spec(v: dict):
    from nlp.tasks.mt.session import MTDataSpec

    if v["tgt"]:
        return MTDataSpec(src=v["corpus"], tgt=v["tgt"], vocab_size=v["vocab"])
    return MTDataSpec(pairs=v["corpus"], columns=tuple(v["columns"]), vocab_size=v["vocab"])


def mt_job(workspace: Workspace, name: str, v: dict, plan=None) -> TrainingJob:
    """A new translator from the form's values: the recipe for its pairs and budget,
    with the fields the person changed (raises StudioError on bad ones).
    ``plan``: makes ``planned_job``'s tuple instead (a comparison shares one)."""
    from nlp.tasks.mt.session import new_mt_training

    mt_spec(v), _budget(v)  # bad pairs or budget are refused now, not on the worker thread
    plan = plan or (lambda: planned_job(v))

    def prepare(listeners):  # on the worker thread: planning may time a few steps
        spec, model, train, recipe = plan()
        return new_mt_training(workspace, name, spec, model, train, listeners,
                               recipe=recipe.to_dict())

    title = QCoreApplication.translate("TrainPage", "{name}: translator, {cell}")
    return TrainingJob(title=title.format(name=name, cell=v["cell"].upper()), run_name=name,
                       task="mt", prepare=prepare)


def resume_job(workspace: Workspace, name: str, task: str, minutes: float) -> TrainingJob:
    """Continue ``name`` from its last checkpoint for ``minutes`` more."""
    if task == "mt":
        from nlp.tasks.mt.session import resume_mt_training as resume
    else:
        from nlp.tasks.lm.session import resume_lm_training as resume

    def prepare(listeners):  # on the worker thread; the back end makes it minutes only
        return resume(workspace, name, minutes, listeners)

    title = QCoreApplication.translate("TrainPage", "{name}: {minutes} more minutes")
    return TrainingJob(title=title.format(name=name, minutes=f"{minutes:g}"), run_name=name,
                       task=task, resumes=True, prepare=prepare)


COMPARED_CELLS = ("lstm", "gru")


def compare_jobs(workspace: Workspace, v: dict, queued: set[str]) -> list[TrainingJob]:
    """The form's run once per cell, all else alike: TrainConfig's seed gives both
    the same batches in the same order. Named and marked in run.json as
    ``main.py compare`` does: ``PREFIX-lstm``, ``PREFIX-gru`` (``PREFIX-2-...``
    when taken, by a run or by a queued job)."""
    from nlp.experiments.compare import compare_names

    base = check_run_name(v["name"]) if v["name"] else compare_prefix(v)
    labels = list(COMPARED_CELLS)
    names, number = compare_names(base, labels, workspace), 2
    while queued & set(names):
        names, number = compare_names(f"{base}-{number}", labels, workspace), number + 1
    group = names[0].removesuffix(f"-{labels[0]}")
    build = mt_job if v["task"] == "mt" else lm_job
    shared = functools.cache(lambda: planned_job(v))  # one recipe: only the cell differs

    def plan_with(cell: str):
        def plan():
            spec, model, train, recipe = shared()
            return spec, {**model, "cell": cell}, train, recipe
        return plan

    return [_in_compare_group(build(workspace, name, {**v, "cell": cell}, plan_with(cell)),
                              group, {"cell": cell})
            for name, cell in zip(names, COMPARED_CELLS, strict=True)]


def compare_prefix(v: dict) -> str:
    """``CORPUS-compare``, the CLI's default prefix of a comparison's runs."""
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(v["corpus"]).stem)
    return f"{stem[:40] or 'corpus'}-compare"


def _in_compare_group(job: TrainingJob, group: str, variant: dict) -> TrainingJob:
    """``job``, recording its group in run.json once the run exists (the Runs page
    and ``compare --runs`` can then tell the runs of one comparison)."""
    from nlp.experiments.compare import annotate

    prepare = job.prepare

    def prepare_and_mark(listeners):
        trainer, run = prepare(listeners)
        annotate(run, "compare", {"group": group, "variant": variant})
        return trainer, run

    job.prepare = prepare_and_mark
    return job


def default_name(v: dict) -> str:
    if v["task"] == "mt":
        from nlp.tasks.mt.session import default_mt_run_name

        return default_mt_run_name(mt_spec(v), v["cell"])
    from nlp.tasks.lm.session import default_run_name

    return default_run_name(v["corpus"], v["cell"])


def load_run_view(workspace: Workspace, name: str) -> dict:
    """What the page shows of a saved run (on a pool thread: it reads files)."""
    run = workspace.resolve(name)
    summary = run.summary()
    if summary.error:
        raise StudioError(QCoreApplication.translate(
            "TrainPage", "run '{name}' cannot be read: {error}").format(name=name,
                                                                        error=summary.error))
    samples = run.samples()
    return {"name": run.name, "task": summary.task, "step": summary.step,
            "best": summary.best, "elapsed": float(summary.last.get("elapsed", 0.0)),
            "train": summary.config.get("train", {}), "metrics": run.metrics(),
            "samples": samples[-1]["samples"] if samples else [],
            "has_checkpoint": bool(run.checkpoint_names())}


# -- the live view ----------------------------------------------------------------------------

def budget_progress(cfg: dict, step: int, epoch: float, elapsed: float) -> float:
    """How much of the budget is used, 0..1, as the trainer measures it."""
    parts = [0.0]
    if cfg.get("max_steps"):
        parts.append(step / cfg["max_steps"])
    if cfg.get("max_minutes"):
        parts.append(elapsed / (cfg["max_minutes"] * 60))
    if cfg.get("max_epochs"):
        parts.append(epoch / cfg["max_epochs"])
    return min(1.0, max(parts))


@dataclass
class LiveRun:
    """What the page knows of the job training now, from its events."""

    job: TrainingJob
    run_name: str = ""
    cfg: dict = field(default_factory=dict)
    last: StepEvent | None = None
    best: dict = field(default_factory=dict)
    checkpoints: int = 0
    steps_seen: int = 0
    rows: list = field(default_factory=list)  # curve rows not drawn yet
    _loss_sum: float = 0.0
    _loss_n: int = 0
    _row_time: float = -1.0

    def add_step(self, e: StepEvent) -> None:
        """Fold a step into the pending curve row. Rows grow sparser as the run
        ages (one per 0.1% of its time), so a long run stays cheap to redraw."""
        self.last = e
        self.steps_seen += 1
        self._loss_sum += e.train_loss
        self._loss_n += 1
        if e.elapsed_s - self._row_time >= max(0.25, e.elapsed_s / 1000):
            self.rows.append({"step": e.step, "time": e.elapsed_s, "lr": e.lr,
                              "train_loss": self._loss_sum / self._loss_n})
            self._loss_sum, self._loss_n, self._row_time = 0.0, 0, e.elapsed_s

    def add_eval(self, e: EvalEvent) -> None:
        elapsed = self.last.elapsed_s if self.last else 0.0
        self.rows.append({"step": e.step, "time": elapsed, **e.metrics})
        if e.best:
            self.best = dict(e.metrics)

    def stats(self) -> str:
        e = self.last
        if e is None:
            return ""
        translate = QCoreApplication.translate
        text = translate("TrainPage", "step {step}   epoch {epoch}   {speed} tokens/s   "
                         "trained {trained}   ETA {eta}").format(
            step=f"{e.step:,}", epoch=f"{e.epoch:.2f}", speed=f"{e.tokens_per_s:,.0f}",
            trained=format_duration(e.elapsed_s), eta=format_duration(e.eta_s))
        if self.best:
            text += "\n" + translate("TrainPage", "best validation: {metrics}").format(
                metrics=format_metrics(self.best))
        return text

    def progress(self) -> float:
        e = self.last
        return budget_progress(self.cfg, e.step, e.epoch, e.elapsed_s) if e else 0.0


class TrainPage(QWidget):
    key = "train"
    title = QT_TRANSLATE_NOOP("Pages", "Train")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.queue = TrainingQueue(self)
        self.live: LiveRun | None = None
        self.shown_run: dict | None = None  # a saved run shown for continuing
        self._training = False  # what ctx.training_state last said
        self._calls: list = []
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
        q.idle.connect(self._on_idle)
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
        self._calls.append(call_in_background(
            lambda ws=self.ctx.workspace: load_run_view(ws, name), self._show_saved_run,
            lambda exc: self._message(self.ctx.message_for(exc), error=True)))

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
        """The form's name if it is free, else a fresh one that no run or queued
        job has (two runs queued within a second would otherwise clash)."""
        taken = self.queue.run_names()
        if v["name"]:
            name = check_run_name(v["name"])
            if name in taken or (self.ctx.workspace.runs_dir / name).exists():
                raise StudioError(self.tr("a run named '{name}' already exists or is queued; "
                                          "choose another name").format(name=name))
            return name
        base = name = default_name(v)
        number = 2
        while name in taken or (self.ctx.workspace.runs_dir / name).exists():
            name, number = f"{base}-{number}", number + 1
        return name

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
        if not self._training:
            self._training = True
            self.ctx.training_state.emit(True)

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

        self._calls.append(call_in_background(
            lambda ws=self.ctx.workspace: load_run_view(ws, name), show,
            lambda exc: log.warning("could not read the history of %s: %s", name, exc)))

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
            self.stats_label.setText(live.stats())
        if live.run_name and (live.checkpoints or live.job.resumes):
            self.shown_run = {"name": live.run_name, "task": live.job.task}
            self._show_continue(True)

    def _on_idle(self) -> None:
        self._training = False
        self.ctx.training_state.emit(False)

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
        self._calls = self._calls[-4:]
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
        color = "#b00020" if error else "palette(text)"
        self.message_label.setStyleSheet(f"color: {color};")
        self.message_label.setText(text)
