"""The Train page's set-up form: task, corpus, model and training fields. The
recipe for the corpus, budget and device (``nlp.training.recipe``, worked out off
the GUI thread) fills them, except the fields the person edited, and its reason
is shown in words."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer, Signal
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
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.pages.train.jobs import FORM_FIELDS, planned_job
from nlp.errors import StudioError
from nlp.training.recipe import Budget, Recipe
from nlp.training.sizing import (
    BUDGET_UNITS,
    CorpusSize,
    available_devices,
    measure_pairs,
    measure_text,
)

PLAN_DELAY_MS = 600  # a new budget or device is planned for once the typing pauses
TASKS = ((QT_TRANSLATE_NOOP("SetupForm", "Character language model"), "char"),
         (QT_TRANSLATE_NOOP("SetupForm", "Subword language model"), "subword"),
         (QT_TRANSLATE_NOOP("SetupForm", "Translator"), "mt"))
CELLS = (("LSTM", "lstm"), ("GRU", "gru"))
# the budget units (nlp.training.sizing.BUDGET_UNITS) as the menu shows them
UNITS = {"minutes": QT_TRANSLATE_NOOP("SetupForm", "minutes"),
         "epochs": QT_TRANSLATE_NOOP("SetupForm", "epochs"),
         "steps": QT_TRANSLATE_NOOP("SetupForm", "steps")}


def _spin(low: int, high: int, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    return box


def _select(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


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
        self._calls = Calls(self)  # "measure" the corpus; "plan" its recipe
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
        self._calls.cancel("plan")
        self._calls.start("measure", lambda *_: fn(path),
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
            "plan", lambda *_: planned_job(v)[3],
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
