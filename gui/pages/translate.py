"""Translate: type or paste text and a translator run translates it as you pause.

A short pause in typing (:data:`DEBOUNCE_MS`) starts a translation on a
worker thread (:mod:`nlp.inference.interactive`, run by :mod:`gui.background`).
Every change of the text, the run or the search settings stops the translation
in flight and drops its result, and while one translation runs only the newest
waiting request is kept. The n-best alternatives are listed with their scores (length-
normalised log-probabilities: closer to 0 is more likely), and the attention
of the best one is drawn as a heatmap. A whole file translates line by line
with a progress bar; Cancel leaves nothing half-written.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.run_chooser import RunChooser
from gui.style import error_style, show_status
from gui.widgets.boxes import labelled
from gui.widgets.heatmap import AttentionHeatmap
from nlp.inference.files import FileOutcome, translate_file
from nlp.inference.interactive import current_threads, translate_texts
from nlp.inference.loaded import LoadedTranslator, translator

DEBOUNCE_MS = 400
ATTENTION_MAX_CHARS = 2000  # longer input translates without attention (it would be huge)


class TranslatePage(RunChooser, QWidget):
    key = "translate"
    RUN_TASKS = ("mt",)
    RUN_SETTING = "translate/run"
    title = QT_TRANSLATE_NOOP("Pages", "Translate")

    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        # "model": the chosen translator; "translate": the text; "file": a whole file
        self._calls = Calls(self)
        self._queued: tuple | None = None  # the newest request, waiting for the one running
        self.results: list = []  # TranslationResult of the text shown
        self.shown_source: str | None = None  # the text whose translation is shown
        self.attention_kept = True  # False: the text was too long to keep its attention
        self._build()
        self._restore_settings()
        self.refresh_runs()
        ctx.runs_changed.connect(self.refresh_runs)

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.translate_now)

        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top())
        self.source = QPlainTextEdit()
        self.source.setPlaceholderText(self.tr("Type or paste text to translate"))
        self.source.textChanged.connect(self._changed)
        self.target = QPlainTextEdit()
        self.target.setReadOnly(True)
        self.target.setPlaceholderText(self.tr("The translation appears here"))
        texts = QSplitter(Qt.Orientation.Horizontal)
        texts.addWidget(labelled(self.tr("Source"), self.source))
        texts.addWidget(labelled(self.tr("Translation"), self.target))

        self.n_best_list = QListWidget()
        self.n_best_list.currentRowChanged.connect(self._show_attention)
        self.heatmap = AttentionHeatmap()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.heatmap)
        details = QSplitter(Qt.Orientation.Horizontal)
        details.addWidget(labelled(self.tr("Alternatives (score: higher is more likely)"),
                                    self.n_best_list))
        details.addWidget(labelled(self.tr("Attention (rows: translation, columns: source)"),
                                    scroll))
        details.setSizes([350, 650])

        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(texts)
        body.addWidget(details)
        body.setSizes([260, 420])
        layout.addWidget(body, 1)
        layout.addLayout(self._build_file_row())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)

    def _build_top(self) -> QHBoxLayout:
        self.run_box = QComboBox()
        self.run_box.setMinimumWidth(260)
        self.run_box.currentIndexChanged.connect(self._run_chosen)
        self.beam = QSpinBox()
        self.beam.setRange(1, 20)
        self.beam.setValue(5)
        self.beam.setToolTip(self.tr("Beam size: 1 is greedy (fastest); more searches wider"))
        self.beam.valueChanged.connect(self._beam_changed)
        self.n_best = QSpinBox()
        self.n_best.setRange(1, 5)
        self.n_best.setValue(5)
        self.n_best.setToolTip(self.tr("How many alternatives to list (at most the beam size)"))
        self.n_best.valueChanged.connect(self._settings_changed)
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Translator:")))
        top.addWidget(self.run_box)
        top.addWidget(QLabel(self.tr("Beam")))
        top.addWidget(self.beam)
        top.addWidget(QLabel(self.tr("Alternatives")))
        top.addWidget(self.n_best)
        top.addWidget(self.model_label, 1)
        return top

    def _build_file_row(self) -> QHBoxLayout:
        self.file_button = QPushButton(self.tr("Translate a file…"))
        self.file_button.setToolTip(self.tr("One sentence per line in, one translation per "
                                            "line out"))
        self.file_button.clicked.connect(self._ask_file)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_file)
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.file_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.file_label, 2)
        return row

    # -- runs ----------------------------------------------------------------------------
    def _not_a_run(self, name: str) -> str:
        return self.tr("'{name}' is not a translator run in this "
                       "workspace.").format(name=name)

    def _run_chosen(self, *_: object) -> None:
        """Load the chosen translator, then translate the text again with it."""
        name = self.current_run()
        self.file_button.setEnabled(name is not None and not self._file_running())
        if name is not None:
            self.ctx.remember("translate/run", name)
        self._preload()
        self._changed()

    def _preload(self) -> None:
        """Load the translator in the background: the first translation is then quick,
        and a damaged checkpoint says so right away."""
        name = self.current_run()
        self._calls.cancel("model")
        if name is None:
            self.model_label.setStyleSheet("")
            self.model_label.setText(self.tr("No translator yet: train one on the Train page."))
            return
        self.model_label.setStyleSheet("")
        self.model_label.setText(self.tr("Loading the translator…"))
        path = self._run_path(name)
        self._calls.start("model", lambda *_: translator(path), self._model_loaded,
                          lambda exc: self._show_model_error(self.ctx.message_for(exc)))

    def _model_loaded(self, loaded: LoadedTranslator) -> None:
        step = loaded.info.get("step")
        chosen_by = {"chrf": self.tr("validation chrF"), "bleu": self.tr("validation BLEU"),
                     "val_loss": self.tr("validation loss")}.get(loaded.selected_by,
                                                                 loaded.selected_by)
        parts = ([self.tr("best checkpoint at step {step}, chosen by {score}").format(
            step=f"{int(step):,}", score=chosen_by)] if step is not None else [])
        metrics = loaded.info.get("metrics") or {}
        for key, label in (("bleu", "BLEU"), ("chrf", "chrF"),
                           ("val_loss", self.tr("validation loss"))):
            value = metrics.get(key)
            if isinstance(value, (int, float)):
                parts.append(f"{label} {value:.1f}" if key != "val_loss" else
                             f"{label} {value:.2f}")
        parts.append(self.tr("translating on {mode}").format(mode=loaded.mode))
        self.model_label.setStyleSheet("")
        self.model_label.setText(self.tr("Ready: {details}").format(details=" · ".join(parts)))

    def _show_model_error(self, text: str) -> None:
        self.model_label.setStyleSheet(error_style())
        self.model_label.setText(text)

    # -- settings ------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        self.beam.setValue(self.ctx.recall("translate/beam", 5, int))
        self.n_best.setValue(self.ctx.recall("translate/n_best", 5, int))

    def _beam_changed(self, beam: int) -> None:
        self.n_best.setMaximum(beam)  # beam search keeps at most `beam` finished hypotheses
        self._settings_changed()

    def _settings_changed(self, *_: object) -> None:
        self.ctx.remember("translate/beam", self.beam.value())
        self.ctx.remember("translate/n_best", self.n_best.value())
        self._changed()

    # -- translating as one types --------------------------------------------------------
    def _changed(self) -> None:
        """The text or a setting changed: what is in flight is stale; wait for a pause."""
        self._calls.cancel("translate")  # it stops within one decoding batch
        self._queued = None
        self.debounce.start()

    def translate_now(self) -> None:
        """Translate the current text now (the debounce timer calls this)."""
        self.debounce.stop()
        self._calls.cancel("translate")
        name, text = self.current_run(), self.source.toPlainText()
        if not text.strip():
            self._show_results(text, [])
            self.status.setText("")
            return
        if name is None:
            self.status.setText(self.tr("Choose a translator run first."))
            return
        request = (self._run_path(name), text, self.beam.value(),
                   min(self.n_best.value(), self.beam.value()))
        if self._calls.running("translate") is not None:
            self._queued = request  # only the newest waits, until the stale one stops
        else:
            self._start(request)

    def _start(self, request: tuple) -> None:
        path, text, beam, n_best = request
        attention = len(text) <= ATTENTION_MAX_CHARS
        worker = self._calls.start(
            "translate", lambda _report, should_stop: translate_texts(
                path, [text], beam, n_best, attention, should_stop),
            lambda results: self._translated(text, results, attention),
            lambda exc: show_status(self.status, self.ctx.message_for(exc), error=True),
            own_thread=True)
        worker.finished.connect(self._job_ended)
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Translating…"))

    def _job_ended(self) -> None:
        queued, self._queued = self._queued, None
        if queued is not None:
            self._start(queued)

    def _translated(self, text: str, results: list, attention: bool) -> None:
        self.attention_kept = attention
        self._show_results(text, results)
        self.status.setText("")

    def _show_results(self, text: str, results: list) -> None:
        self.results = results
        self.shown_source = text
        result = results[0] if results else None
        self.target.setPlainText(result.text if result else "")
        self.target.setPlaceholderText(self.tr("(the translation is empty)") if result
                                       else self.tr("The translation appears here"))
        self.n_best_list.clear()
        for hyp, score in (result.n_best if result else []):
            item = QListWidgetItem(f"{score:7.3f}   {hyp or self.tr('(empty)')}")
            item.setToolTip(hyp)
            self.n_best_list.addItem(item)
        if self.n_best_list.count():
            self.n_best_list.setCurrentRow(0)
        else:
            self._show_attention(-1)

    def _show_attention(self, row: int) -> None:
        """The heatmap of the best translation (the only one whose attention is kept)."""
        result = self.results[0] if self.results else None
        if result is None or row < 0:
            self.heatmap.clear()
            return
        if not self.attention_kept:
            self.heatmap.clear(self.tr("The attention is shown for texts of up to {chars} "
                                       "characters; this one is too long.").format(
                chars=f"{ATTENTION_MAX_CHARS:,}"))
            return
        note = "" if row == 0 else self.tr("Attention is shown for the best translation only.")
        self.heatmap.set_attention(result.attention, result.src_tokens, result.tgt_tokens, note)

    # -- a whole file --------------------------------------------------------------------
    def _ask_file(self) -> None:
        folder = self.ctx.recall("translate/folder", str(Path.home()), str)
        kinds = self.tr("Text files") + " (*.txt);;" + self.tr("All files") + " (*)"
        source, _ = QFileDialog.getOpenFileName(
            self, self.tr("Translate a file (one sentence per line)"), folder, kinds)
        if not source:
            return
        suggested = Path(source).with_name(f"{Path(source).stem}.translated.txt")
        target, _ = QFileDialog.getSaveFileName(self, self.tr("Save the translation as"),
                                                str(suggested), kinds)
        if target:
            self.ctx.remember("translate/folder", str(Path(source).parent))
            self.translate_file(Path(source), Path(target))

    def translate_file(self, source: Path, target: Path) -> None:
        """Translate ``source`` line by line into ``target`` on a worker thread."""
        name = self.current_run()
        if name is None or self._file_running():
            return
        if Path(source).resolve() == Path(target).resolve():
            self._file_message(self.tr("Choose another file for the translation: it would "
                                       "overwrite the text being translated."), error=True)
            return
        path, beam = self._run_path(name), self.beam.value()
        threads = current_threads()
        worker = self._calls.start(
            "file", lambda report, should_stop: translate_file(
                path, source, target, beam, threads, report, should_stop),
            self._file_done,
            lambda exc: self._file_message(self.ctx.message_for(exc), error=True),
            self._file_progress, own_thread=True)
        worker.finished.connect(self._file_ended)
        self.progress.setRange(0, 0)  # busy until the line count is known
        self._set_file_running(True)
        self._file_message(self.tr("Translating {name}…").format(name=Path(source).name))

    def cancel_file(self) -> None:
        worker = self._calls.running("file")
        if worker is not None:
            worker.stop()
            self._file_message(self.tr("Cancelling…"))

    def _file_running(self) -> bool:
        return self._calls.running("file") is not None

    def _file_progress(self, done_total: tuple[int, int]) -> None:
        done, total = done_total
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(self.tr("{done} / {total} lines").format(done=f"{done:,}",
                                                                         total=f"{total:,}"))

    def _file_done(self, outcome: FileOutcome) -> None:
        if outcome.path is None:
            self._file_message(self.tr("Cancelled: nothing was written."))
        else:
            self._file_message(self.tr("Translated {count} lines into {path}.").format(
                count=f"{outcome.lines:,}", path=outcome.path))

    def _file_ended(self) -> None:
        self._set_file_running(False)

    def _set_file_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.file_button.setEnabled(not running and self.current_run() is not None)

    def _file_message(self, text: str, error: bool = False) -> None:
        show_status(self.file_label, text, error)

    def is_busy(self) -> bool:
        return self._calls.running("translate") is not None or self._file_running()

    # -- closing -------------------------------------------------------------------------
    def busy_reason(self) -> str | None:
        return self.tr("a file is being translated") if self._file_running() else None

    def shutdown(self, timeout_s: float) -> None:
        self.debounce.stop()
        self._queued = None
        self._calls.drop_all()
        self._calls.wait(timeout_s)
