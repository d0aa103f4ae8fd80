"""Inspect: look inside a trained model while it reads a text.

For a language model the text runs through the model's reference cells
(:func:`nlp.analysis.inspect.inspect_lm`), and the page shows one unit of one gate of
one layer as colours over the text, the units ranked by how closely they follow
simple features of the text (inside quotes, position in the line, ...), and
the strongest of them one row each over the same positions. For a translator
it shows, per sentence, the beam's alternatives with their scores, and the
attention of the one picked.

Loading the model and reading the text happen on a worker thread
(:mod:`gui.inference`); every request has an id and a late result for an older
one is dropped. Ranking the units of a layer is a quick numpy call, made on the
GUI thread when the layer or the gate changes.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import inference
from gui.background import call_in_background
from gui.context import AppContext
from gui.run_chooser import RunChooser
from gui.widgets.heatmap import AttentionHeatmap
from gui.widgets.text_heatmap import ScaleBar, TextHeatmap, UnitGrid, describe_piece
from nlp.analysis.inspect import (
    LMInspection,
    LoadedModel,
    TranslationInspection,
    follows,
    inspect_text,
    load_for_inspection,
    rank_units,
    strongest_units,
    value_range,
)

ERROR_STYLE = "color: #b00020;"
SAMPLE = ('MRS FINCH:\n"Is anyone else coming?" she asked. (Ruiz said he might.)\n'
          "The lighthouse stood at the end of a narrow spit of rock, one hundred and 12 "
          "steps from the bottom to the lamp room.\n")
RANKED = 5  # units listed per feature
GRID_UNITS = 12  # rows of the units x positions grid

FEATURE_NAMES = {
    "inside quotes": QT_TRANSLATE_NOOP("InspectPage", "inside quotes"),
    "inside brackets": QT_TRANSLATE_NOOP("InspectPage", "inside brackets"),
    "position in line": QT_TRANSLATE_NOOP("InspectPage", "position in the line"),
    "after punctuation": QT_TRANSLATE_NOOP("InspectPage", "just after punctuation"),
    "word start": QT_TRANSLATE_NOOP("InspectPage", "start of a word"),
    "upper case": QT_TRANSLATE_NOOP("InspectPage", "upper case"),
    "whitespace": QT_TRANSLATE_NOOP("InspectPage", "whitespace"),
    "digit": QT_TRANSLATE_NOOP("InspectPage", "digit"),
}
GATE_NAMES = {
    "hidden": QT_TRANSLATE_NOOP("InspectPage", "hidden state"),
    "cell": QT_TRANSLATE_NOOP("InspectPage", "cell (memory)"),
    "input": QT_TRANSLATE_NOOP("InspectPage", "input gate"),
    "forget": QT_TRANSLATE_NOOP("InspectPage", "forget gate"),
    "output": QT_TRANSLATE_NOOP("InspectPage", "output gate"),
    "candidate": QT_TRANSLATE_NOOP("InspectPage", "candidate"),
    "reset": QT_TRANSLATE_NOOP("InspectPage", "reset gate"),
    "update": QT_TRANSLATE_NOOP("InspectPage", "update gate"),
}
GATE_ORDER = ("hidden", "cell", "forget", "input", "output", "update", "reset", "candidate")


def _name(text: str) -> str:
    """A feature or gate name (marked above) in the interface language."""
    return QCoreApplication.translate("InspectPage", text)


def loaded_model(run_path: Path) -> LoadedModel:
    """On a worker thread: the run's model, loaded once and then kept in the
    window's model cache (a newer checkpoint loads again)."""
    return inference.MODELS.get("inspect", run_path, load_for_inspection)


def run_inspection(run_path: Path, text: str, beam: int, n_best: int):
    """On a worker thread: inspect ``text`` with the run's model."""
    from nlp.decoding.threads import scoped_threads

    loaded = loaded_model(run_path)
    with scoped_threads(inference.INTERACTIVE_THREADS):
        return inspect_text(loaded, text, beam, n_best)


def _labelled(text: str, widget: QWidget) -> QWidget:
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    col.addWidget(QLabel(text))
    col.addWidget(widget)
    return box


def _scrolled(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(widget)
    return scroll


class GateView(QWidget):
    """A language model's inspection: a unit over the text, ranked units, a grid."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.inspection: LMInspection | None = None
        self.ranking: dict = {}
        self.grid_units: list = []  # UnitScore of each grid row
        self._build()

    def _build(self) -> None:
        self.layer_box = QComboBox()
        self.gate_box = QComboBox()
        self.unit_spin = QSpinBox()
        self.unit_spin.setToolTip(self.tr("Which unit of the layer to colour the text by"))
        self.surprisal_check = QCheckBox(self.tr("Colour by surprisal"))
        self.surprisal_check.setToolTip(self.tr("How unexpected each token was to the model, in "
                                                 "bits, instead of a unit's value"))
        for box in (self.layer_box, self.gate_box):
            box.currentIndexChanged.connect(self._rerank)
        self.unit_spin.valueChanged.connect(self.show_unit)
        self.surprisal_check.toggled.connect(lambda _: self.show_unit(self.unit_spin.value()))
        controls = QHBoxLayout()
        for label, widget in ((self.tr("Layer"), self.layer_box), (self.tr("Gate"), self.gate_box),
                              (self.tr("Unit"), self.unit_spin)):
            controls.addWidget(QLabel(label))
            controls.addWidget(widget)
        controls.addWidget(self.surprisal_check)
        controls.addStretch(1)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Feature / unit"), "r"])
        self.tree.setToolTip(self.tr("Units whose value follows each feature of the text most "
                                     "closely (Pearson r); click one to show it"))
        self.tree.itemClicked.connect(self._tree_clicked)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.heatmap = TextHeatmap()
        self.scale = ScaleBar()
        self.scale.setToolTip(self.tr("The colours of the values"))
        self.grid = UnitGrid()
        self.grid.row_clicked.connect(self._grid_clicked)
        right = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        col = QVBoxLayout(top)
        col.setContentsMargins(0, 0, 0, 0)
        caption_row = QHBoxLayout()
        caption_row.addWidget(self.caption, 1)
        caption_row.addWidget(self.scale)
        col.addLayout(caption_row)
        col.addWidget(_scrolled(self.heatmap), 1)
        right.addWidget(top)
        strongest = self.tr("The strongest units, one row each (click one to show it)")
        right.addWidget(_labelled(strongest, _scrolled(self.grid)))
        right.setSizes([250, 300])
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(_labelled(self.tr("Units that follow the text"), self.tree))
        body.addWidget(right)
        body.setSizes([260, 740])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(body, 1)

    # -- filling -------------------------------------------------------------------------
    def show_inspection(self, inspection: LMInspection) -> None:
        """Show a new inspection, keeping the chosen layer and gate where they exist."""
        self.inspection = inspection
        layer = self.layer_box.currentData()
        gate = self.gate_box.currentData()
        for box in (self.layer_box, self.gate_box):
            box.blockSignals(True)
            box.clear()
        for k in range(inspection.num_layers):
            self.layer_box.addItem(self.tr("{n} of {total} ({size} units)").format(
                n=k + 1, total=inspection.num_layers, size=inspection.layer_sizes[k]), k)
        for name in sorted(inspection.gate_names, key=GATE_ORDER.index):
            self.gate_box.addItem(_name(GATE_NAMES[name]), name)
        layer_index = self.layer_box.findData(layer)
        self.layer_box.setCurrentIndex(layer_index if layer_index >= 0
                                       else inspection.num_layers - 1)
        self.gate_box.setCurrentIndex(max(self.gate_box.findData(gate), 0))
        for box in (self.layer_box, self.gate_box):
            box.blockSignals(False)
        self._rerank()

    def current(self) -> tuple[int, str]:
        """(layer index, gate name) chosen."""
        return self.layer_box.currentData(), self.gate_box.currentData()

    def _rerank(self, *_: object) -> None:
        """Rank the units of the chosen layer and gate, list them, show the strongest."""
        if self.inspection is None or self.layer_box.currentIndex() < 0:
            return
        layer, gate = self.current()
        self.ranking = rank_units(self.inspection, gate, layer, RANKED)
        self.grid_units = strongest_units(self.ranking, GRID_UNITS)
        self._fill_tree()
        self.unit_spin.blockSignals(True)
        self.unit_spin.setRange(0, self.inspection.layer_sizes[layer] - 1)
        self.unit_spin.blockSignals(False)
        self.show_unit(self.grid_units[0].unit if self.grid_units else 0)

    def _fill_tree(self) -> None:
        self.tree.clear()
        for feature, units in self.ranking.items():
            top = QTreeWidgetItem([_name(FEATURE_NAMES[feature]), ""])
            if not units:
                top.setText(0, self.tr("{feature} (not in this text)").format(
                    feature=_name(FEATURE_NAMES[feature])))
                top.setDisabled(True)
            for score in units:
                child = QTreeWidgetItem([self.tr("unit {unit}").format(unit=score.unit),
                                         f"{score.r:+.2f}"])
                child.setData(0, Qt.ItemDataRole.UserRole, score.unit)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)

    def _tree_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        unit = item.data(0, Qt.ItemDataRole.UserRole)
        if unit is not None:
            self.surprisal_check.setChecked(False)
            self.show_unit(int(unit))

    def _grid_clicked(self, row: int) -> None:
        if 0 <= row < len(self.grid_units):
            self.surprisal_check.setChecked(False)
            self.show_unit(self.grid_units[row].unit)

    # -- showing a unit ------------------------------------------------------------------
    def show_unit(self, unit: int) -> None:
        """Colour the text by ``unit`` of the chosen gate and layer (or by surprisal)."""
        insp = self.inspection
        if insp is None:
            return
        self.unit_spin.blockSignals(True)
        self.unit_spin.setValue(unit)
        self.unit_spin.blockSignals(False)
        layer, gate = self.current()
        values = insp.values(gate, layer)
        if self.surprisal_check.isChecked():
            shown, name = insp.surprisal, "surprisal"
            self.caption.setText(self.tr("Surprisal: how unexpected each token was to the model, "
                                         "in bits (grey: the first token, which has nothing "
                                         "before it)."))
        else:
            shown, name = values[:, unit], gate
            self.caption.setText(self._unit_caption(layer, gate, unit))
        low, high = value_range(name, shown)
        self.heatmap.set_values(insp.text, insp.spans, shown, low, high, self._details)
        self.scale.set_range(low, high)
        rows = [s.unit for s in self.grid_units]
        grid_low, grid_high = value_range(gate, values[:, rows]) if rows else (0.0, 1.0)
        self.grid.set_rows(values[:, rows].T, [self._row_label(s) for s in self.grid_units],
                           insp.pieces, grid_low, grid_high,
                           rows.index(unit) if unit in rows else -1)

    def _unit_caption(self, layer: int, gate: str, unit: int) -> str:
        where = self.tr("Layer {layer} · {gate} · unit {unit}").format(
            layer=layer + 1, gate=_name(GATE_NAMES[gate]), unit=unit)
        score = follows(self.ranking, unit)
        if score is None:
            return where
        return self.tr("{where}: follows “{feature}” (r = {r})").format(
            where=where, feature=_name(FEATURE_NAMES[score.feature]), r=f"{score.r:+.2f}")

    @staticmethod
    def _row_label(score) -> str:
        return f"{score.unit} · {_name(FEATURE_NAMES[score.feature])} {score.r:+.2f}"

    def _details(self, t: int) -> str:
        """Tooltip lines for token t: its surprisal and what the model expected next."""
        insp = self.inspection
        lines = []
        surprisal = float(insp.surprisal[t])
        if surprisal == surprisal:  # not NaN
            lines.append(self.tr("surprisal {bits} bits").format(bits=f"{surprisal:.2f}"))
        lines.append(self.tr("expected next: {piece} ({percent}%)").format(
            piece=describe_piece(insp.expected[t]),
            percent=f"{100 * float(insp.expected_prob[t]):.0f}"))
        return "\n".join(lines)


class BeamView(QWidget):
    """A translator's inspection: per sentence, the beam's alternatives and the
    attention of the one chosen."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.inspection: TranslationInspection | None = None
        self.sentence_box = QComboBox()
        self.sentence_box.currentIndexChanged.connect(self._sentence_chosen)
        self.sentence_label = QLabel(self.tr("Sentence"))
        self.alternatives = QListWidget()
        self.alternatives.currentRowChanged.connect(self._alternative_chosen)
        self.attention = AttentionHeatmap()
        row = QHBoxLayout()
        row.addWidget(self.sentence_label)
        row.addWidget(self.sentence_box, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        self.alternatives.setToolTip(self.tr("Score: the length-normalised log-probability "
                                             "the beam ranks by; then the total "
                                             "log-probability; then the translation"))
        body.addWidget(_labelled(self.tr("Alternatives: score, log-probability, text"),
                                 self.alternatives))
        body.addWidget(_labelled(self.tr("Attention (rows: translation, columns: source)"),
                                 _scrolled(self.attention)))
        body.setSizes([380, 620])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(body, 1)

    def show_inspection(self, inspection: TranslationInspection) -> None:
        self.inspection = inspection
        self.sentence_box.blockSignals(True)
        self.sentence_box.clear()
        for k, sentence in enumerate(inspection.sentences):
            self.sentence_box.addItem(f"{k + 1}. {sentence.source}")
        self.sentence_box.blockSignals(False)
        several = len(inspection.sentences) > 1
        self.sentence_box.setVisible(several)
        self.sentence_label.setVisible(several)
        self.sentence_box.setCurrentIndex(0)
        self._sentence_chosen(0)

    def _sentence_chosen(self, index: int) -> None:
        self.alternatives.blockSignals(True)
        self.alternatives.clear()
        sentences = self.inspection.sentences if self.inspection else []
        if 0 <= index < len(sentences):
            empty = self.tr("(empty)")
            for alt in sentences[index].alternatives:
                self.alternatives.addItem(f"{alt.score:7.3f}  {alt.log_prob:8.3f}   "
                                          f"{alt.text or empty}")
        self.alternatives.setCurrentRow(0)
        self.alternatives.blockSignals(False)
        self._alternative_chosen(self.alternatives.currentRow())

    def _alternative_chosen(self, row: int) -> None:
        index = self.sentence_box.currentIndex()
        sentences = self.inspection.sentences if self.inspection else []
        if not 0 <= index < len(sentences) or not 0 <= row < len(sentences[index].alternatives):
            self.attention.clear()
            return
        sentence = sentences[index]
        alt = sentence.alternatives[row]
        self.attention.set_attention(alt.attention, sentence.source_pieces, alt.pieces)


class InspectPage(RunChooser, QWidget):
    key = "inspect"
    RUN_TASKS = ("lm", "mt")
    RUN_SETTING = "inspect/run"
    title = QT_TRANSLATE_NOOP("Pages", "Inspect")

    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self._tasks: dict[str, str] = {}  # run name -> "lm" or "mt"
        self._request_id = 0  # the newest request; results for another id are dropped
        self._job: inference.Job | None = None
        self._queued: tuple | None = None  # the newest request waiting for the running one
        self._preload_id = 0
        self._preload_call = None  # keeps the background call alive
        self._started = 0.0
        self.result: LMInspection | TranslationInspection | None = None
        self.shown_run: str | None = None  # the run whose inspection is shown
        self._build()
        self.text_edit.setPlainText(ctx.recall("inspect/text", SAMPLE, str) or SAMPLE)
        self.refresh_runs()
        ctx.runs_changed.connect(self.refresh_runs)

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText(self.tr("A text for the model to read"))
        self.inspect_button = QPushButton(self.tr("Inspect"))
        self.inspect_button.setToolTip("Ctrl+Enter")
        self.inspect_button.clicked.connect(self.inspect)
        text_row = QHBoxLayout()
        text_row.addWidget(self.text_edit, 1)
        text_row.addWidget(self.inspect_button, 0, Qt.AlignmentFlag.AlignTop)
        text_box = QWidget()
        text_box.setLayout(text_row)
        text_row.setContentsMargins(0, 0, 0, 0)

        self.gates = GateView()
        self.beam_view = BeamView()
        self.empty = QLabel(self.tr("Choose a run, then press Inspect to see inside it while "
                                    "it reads the text."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        for widget in (self.empty, self.gates, self.beam_view):
            self.stack.addWidget(widget)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(_labelled(self.tr("Text"), text_box))
        body.addWidget(self.stack)
        body.setSizes([110, 600])

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top())
        layout.addWidget(body, 1)
        layout.addWidget(self.status)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.inspect)

    def _build_top(self) -> QHBoxLayout:
        self.run_box = QComboBox()
        self.run_box.setMinimumWidth(260)
        self.run_box.currentIndexChanged.connect(self._run_chosen)
        self.beam = QSpinBox()
        self.beam.setRange(1, 20)
        self.beam.setValue(5)
        self.beam.setToolTip(self.tr("Beam size of the translator's search"))
        self.beam.valueChanged.connect(lambda beam: self.n_best.setMaximum(beam))
        self.n_best = QSpinBox()
        self.n_best.setRange(1, 5)
        self.n_best.setValue(3)
        self.n_best.setToolTip(self.tr("How many of the beam's alternatives to keep"))
        self.beam_label = QLabel(self.tr("Beam"))
        self.n_best_label = QLabel(self.tr("Alternatives"))
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Model:")))
        top.addWidget(self.run_box)
        for widget in (self.beam_label, self.beam, self.n_best_label, self.n_best):
            top.addWidget(widget)
        top.addWidget(self.model_label, 1)
        return top

    # -- runs ----------------------------------------------------------------------------
    def _run_label(self, summary) -> str:
        kinds = {"lm": self.tr("language model"), "mt": self.tr("translator")}
        return f"{summary.name}  ({kinds[summary.task]})"

    def _not_a_run(self, name: str) -> str:
        return self.tr("'{name}' is not a language model or translator "
                       "run in this workspace.").format(name=name)

    def _runs_listed(self, runs: list) -> None:
        self._tasks = {s.name: s.task for s in runs}

    def _run_chosen(self, *_: object) -> None:
        name = self.current_run()
        translator = self._tasks.get(name or "") == "mt"
        for widget in (self.beam_label, self.beam, self.n_best_label, self.n_best):
            widget.setVisible(translator)
        self.inspect_button.setEnabled(name is not None)
        if name is not None:
            self.ctx.remember("inspect/run", name)
        self._preload()

    def _preload(self) -> None:
        """Load the chosen run in the background; once loaded, read the text with it."""
        name = self.current_run()
        self._preload_id += 1
        self.model_label.setStyleSheet("")
        if name is None:
            self.model_label.setText(self.tr("No model yet: train a language model or a "
                                             "translator on the Train page."))
            return
        self.model_label.setText(self.tr("Loading the model…"))
        request, path = self._preload_id, self._run_path(name)
        self._preload_call = call_in_background(
            lambda: loaded_model(path),
            lambda loaded: self._model_loaded(request, name, loaded),
            lambda exc: self._model_failed(request, exc))

    def _model_loaded(self, request: int, name: str, loaded: LoadedModel) -> None:
        if request != self._preload_id:
            return
        self.model_label.setStyleSheet("")
        self.model_label.setText(_describe(loaded))
        if self.shown_run != name and self.text_edit.toPlainText().strip():
            self.inspect()

    def _model_failed(self, request: int, exc: BaseException) -> None:
        if request == self._preload_id:
            self._show_model_error(self.ctx.message_for(exc))

    def _show_model_error(self, text: str) -> None:
        self.model_label.setStyleSheet(ERROR_STYLE)
        self.model_label.setText(text)

    # -- inspecting ----------------------------------------------------------------------
    def inspect(self) -> None:
        """Read the text with the chosen run, off the GUI thread."""
        name, text = self.current_run(), self.text_edit.toPlainText()
        if name is None:
            self._show_status(self.tr("Choose a language model or a translator run first."),
                              error=True)
            return
        self.ctx.remember("inspect/text", text)
        self._request_id += 1
        request = (self._request_id, name, text, self.beam.value(),
                   min(self.n_best.value(), self.beam.value()))
        if self._job is not None:
            self._queued = request  # starts when the running one ends; only the newest waits
        else:
            self._start(request)

    def _start(self, request: tuple) -> None:
        request_id, name, text, beam, n_best = request
        path = self._run_path(name)
        self._job = inference.Job(
            lambda report, should_stop: run_inspection(path, text, beam, n_best))
        self._job.done.connect(lambda result: self._inspected(request_id, name, result))
        self._job.failed.connect(lambda exc: self._failed(request_id, exc))
        self._job.finished.connect(self._job_ended)
        self._started = time.monotonic()
        self._show_status(self.tr("Reading the text…"))
        self._job.start()

    def _job_ended(self) -> None:
        self._job = None
        queued, self._queued = self._queued, None
        if queued is not None and queued[0] == self._request_id:
            self._start(queued)

    def is_busy(self) -> bool:
        return self._job is not None

    def _inspected(self, request_id: int, name: str, result) -> None:
        if request_id != self._request_id:
            return
        self.result, self.shown_run = result, name
        seconds = time.monotonic() - self._started
        if isinstance(result, LMInspection):
            self.gates.show_inspection(result)
            self.stack.setCurrentWidget(self.gates)
            unit = self.tr("characters") if result.level == "char" else self.tr("tokens")
            parts = [self.tr("Read {count} {unit} in {seconds} s.").format(
                count=f"{len(result.pieces):,}", unit=unit, seconds=f"{seconds:.1f}")]
            if result.unknown:
                parts.append(self.tr("{count} of them are not in the model's vocabulary.")
                             .format(count=f"{result.unknown:,}"))
        else:
            self.beam_view.show_inspection(result)
            self.stack.setCurrentWidget(self.beam_view)
            parts = [self.tr("Searched {count} sentences in {seconds} s.").format(
                count=len(result.sentences), seconds=f"{seconds:.1f}")]
        if result.note:
            parts.append(result.note)
        self._show_status(" ".join(parts))

    def _failed(self, request_id: int, exc: BaseException) -> None:
        if request_id == self._request_id:
            self._show_status(self.ctx.message_for(exc), error=True)

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)

    # -- closing -------------------------------------------------------------------------
    def shutdown(self, timeout_s: float) -> None:
        self._queued = None
        if self._job is not None:
            self._job.wait(timeout_s)


def _describe(loaded: LoadedModel) -> str:
    """'Ready: character LSTM, 2 layers of 512 units · best checkpoint at step 1,200'."""
    translate = QCoreApplication.translate
    if loaded.kind == "lm":
        cfg = loaded.model.cfg
        level = (translate("InspectPage", "character") if loaded.tokenizer.kind == "char"
                 else translate("InspectPage", "subword"))
        sizes = cfg.layer_sizes
        size = str(sizes[0]) if len(set(sizes)) == 1 else "/".join(map(str, sizes))
        what = translate("InspectPage", "{level} {cell}, {layers} layers of {size} units").format(
            level=level, cell=cfg.cell.upper(), layers=cfg.layers, size=size)
    else:
        what = translate("InspectPage", "translator")
    step = loaded.info.get("step")
    if step is not None:
        what += " · " + translate("InspectPage", "best checkpoint at step {step}").format(
            step=f"{int(step):,}")
    return translate("InspectPage", "Ready: {details}").format(details=what)
