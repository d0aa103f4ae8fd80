"""The Inspect page: look inside a trained model while it reads a text.

For a language model the text runs through the model's reference cells
(:func:`nlp.analysis.inspect.inspect_lm`), and the page shows one unit of one gate of
one layer as colours over the text, the units ranked by how closely they follow
simple features of the text (inside quotes, position in the line, ...), and
the strongest of them one row each over the same positions. For a translator
it shows, per sentence, the beam's alternatives with their scores, and the
attention of the one picked.

The two views are beside this module (``gates``, ``beams``). Loading the model
and reading the text happen on a worker thread (:mod:`nlp.inference.interactive`,
run by :mod:`gui.background`); a late result for an older request is dropped.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.pages.inspect.beams import BeamView
from gui.pages.inspect.gates import GateView
from gui.run_chooser import RunChooser
from gui.style import error_style, show_status
from gui.widgets.boxes import labelled
from nlp.analysis.inspect import (
    LMInspection,
    LoadedModel,
    TranslationInspection,
)
from nlp.inference.interactive import inspection_model, run_inspection

SAMPLE = ('MRS FINCH:\n"Is anyone else coming?" she asked. (Ruiz said he might.)\n'
          "The lighthouse stood at the end of a narrow spit of rock, one hundred and 12 "
          "steps from the bottom to the lamp room.\n")


class InspectPage(RunChooser, QWidget):
    key = "inspect"
    RUN_TASKS = ("lm", "mt")
    RUN_SETTING = "inspect/run"
    title = QT_TRANSLATE_NOOP("Pages", "Inspect")

    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self._tasks: dict[str, str] = {}  # run name -> "lm" or "mt"
        self._calls = Calls(self)  # "model": the chosen run's model; "inspect": a reading
        self._queued: tuple | None = None  # the newest request waiting for the running one
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
        body.addWidget(labelled(self.tr("Text"), text_box))
        body.addWidget(self.stack)
        body.setSizes([110, 600])

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top())
        layout.addWidget(body, 1)
        layout.addWidget(self.status)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.inspect).setWhatsThis(self.tr("Inspect"))

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
        self._calls.cancel("model")
        self.model_label.setStyleSheet("")
        if name is None:
            self.model_label.setText(self.tr("No model yet: train a language model or a "
                                             "translator on the Train page."))
            return
        self.model_label.setText(self.tr("Loading the model…"))
        path = self._run_path(name)
        self._calls.start("model", lambda *_: inspection_model(path),
                          lambda loaded: self._model_loaded(name, loaded),
                          lambda exc: self._show_model_error(self.ctx.message_for(exc)))

    def _model_loaded(self, name: str, loaded: LoadedModel) -> None:
        self.model_label.setStyleSheet("")
        self.model_label.setText(_describe(loaded))
        if self.shown_run != name and self.text_edit.toPlainText().strip():
            self.inspect()

    def _show_model_error(self, text: str) -> None:
        self.model_label.setStyleSheet(error_style())
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
        self._calls.cancel("inspect")  # a reading in flight is stale: its result is dropped
        request = (name, text, self.beam.value(), min(self.n_best.value(), self.beam.value()))
        if self._calls.running("inspect") is not None:
            self._queued = request  # starts when the running one ends; only the newest waits
        else:
            self._start(request)

    def _start(self, request: tuple) -> None:
        name, text, beam, n_best = request
        path = self._run_path(name)
        worker = self._calls.start(
            "inspect", lambda *_: run_inspection(path, text, beam, n_best),
            lambda result: self._inspected(name, result),
            lambda exc: self._show_status(self.ctx.message_for(exc), error=True),
            own_thread=True)
        worker.finished.connect(self._job_ended)
        self._started = time.monotonic()
        self._show_status(self.tr("Reading the text…"))

    def _job_ended(self) -> None:
        queued, self._queued = self._queued, None
        if queued is not None:
            self._start(queued)

    def is_busy(self) -> bool:
        return self._calls.running("inspect") is not None

    def _inspected(self, name: str, result) -> None:
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

    def _show_status(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    # -- closing -------------------------------------------------------------------------
    def shutdown(self, timeout_s: float) -> None:
        self._queued = None
        self._calls.drop_all()
        self._calls.wait(timeout_s)


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
