"""Generate: write a prompt, and a language-model run continues it as you watch.

The model loads on a worker thread when a run is chosen (once: it is cached,
so the next generation starts at once) and the text is made on another
(:mod:`nlp.inference.interactive`, run by :mod:`gui.background`), arriving in batches a few times a second. The settings
are those of :class:`~nlp.decoding.generation.GenerationConfig`; an empty seed means a
fresh random one, which the status line shows so the text can be made again.
"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QKeySequence,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.run_chooser import RunChooser
from gui.style import error_style
from gui.widgets.boxes import labelled
from nlp.decoding.text import unescape_stop
from nlp.inference.interactive import GenerationOutcome, stream_generation
from nlp.inference.loaded import LoadedLM, language_model

SEED_MAX = 2**31 - 1
PROMPT_GRAY = QColor("#6b6b6b")


class GeneratePage(RunChooser, QWidget):
    key = "generate"
    RUN_TASKS = ("lm",)
    RUN_SETTING = "generate/run"
    title = QT_TRANSLATE_NOOP("Pages", "Generate")

    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self._calls = Calls(self)  # "model": the chosen run's model; "generate": the text
        self._started = 0.0
        self.flush_s = 0.05  # how often streamed text reaches the view
        self.generated = ""  # the continuation shown, without the prompt
        self._build()
        self._restore_settings()
        self.refresh_runs()
        ctx.runs_changed.connect(self.refresh_runs)

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.run_box = QComboBox()
        self.run_box.setMinimumWidth(260)
        self.run_box.currentIndexChanged.connect(self._run_chosen)
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Language model:")))
        top.addWidget(self.run_box)
        top.addWidget(self.model_label, 1)

        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText(self.tr("A prompt to continue (empty: start from a new "
                                               "line)"))
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText(self.tr("Generated text appears here as it is made."))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(labelled(self.tr("Prompt"), self.prompt))
        splitter.addWidget(labelled(self.tr("Text"), self.output))
        splitter.setSizes([120, 480])

        body = QHBoxLayout()
        body.addWidget(splitter, 1)
        body.addLayout(self._build_settings())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(self.status)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.generate).setWhatsThis(self.tr("Generate"))
        self._set_running(False)

    def _build_settings(self) -> QVBoxLayout:
        self.temperature = self._double(0.0, 5.0, 0.05, 0.8,
                                        self.tr("0 always picks the most likely token; higher "
                                                "is wilder"))
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 100_000)
        self.top_k.setSpecialValueText(self.tr("off"))
        self.top_k.setToolTip(self.tr("Sample among the k most likely tokens (off: all)"))
        self.top_p = self._double(0.01, 1.0, 0.05, 1.0,
                                  self.tr("Sample among the likeliest tokens holding this much "
                                          "probability (1: all)"))
        self.length = QSpinBox()
        self.length.setRange(1, 1_000_000)
        self.length.setValue(300)
        self.length.setSuffix(self.tr(" tokens"))
        self.length.setToolTip(self.tr("How many tokens to make (characters for a character "
                                       "model)"))
        self.penalty = self._double(1.0, 10.0, 0.05, 1.0,
                                    self.tr("Makes recently used tokens less likely (1: off; "
                                            "1.1-1.3 is typical)"))
        self.seed = QLineEdit()
        self.seed.setPlaceholderText(self.tr("random"))
        self.seed.setToolTip(self.tr("The same seed, prompt and settings give the same text"))
        # a line edit cannot hold a line break: the escapes of generate --stop give one
        self.stop_text = QLineEdit()
        self.stop_text.setPlaceholderText(self.tr("none"))
        self.stop_text.setToolTip(self.tr("End the text where this appears (it is left out). "
                                          "\\n is a line break, \\t a tab, \\\\ a "
                                          "backslash: \\n\\n stops at the first blank "
                                          "line"))
        form = QFormLayout()
        form.addRow(self.tr("Temperature"), self.temperature)
        form.addRow(self.tr("Top-k"), self.top_k)
        form.addRow(self.tr("Top-p"), self.top_p)
        form.addRow(self.tr("Length"), self.length)
        form.addRow(self.tr("Repetition penalty"), self.penalty)
        form.addRow(self.tr("Seed"), self.seed)
        form.addRow(self.tr("Stop at"), self.stop_text)

        self.generate_button = QPushButton(self.tr("Generate"))
        self.generate_button.setToolTip("Ctrl+Enter")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.clicked.connect(self.stop)
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.clicked.connect(self.copy)
        self.save_button = QPushButton(self.tr("Save…"))
        self.save_button.clicked.connect(self._ask_save)
        column = QVBoxLayout()
        column.addLayout(form)
        for button in (self.generate_button, self.stop_button, self.copy_button,
                       self.save_button):
            column.addWidget(button)
        column.addStretch(1)
        return column

    @staticmethod
    def _double(low: float, high: float, step: float, value: float, tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setDecimals(2)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    # -- runs ----------------------------------------------------------------------------
    def _not_a_run(self, name: str) -> str:
        return self.tr("'{name}' is not a language-model run in this "
                       "workspace.").format(name=name)

    def _run_chosen(self, *_: object) -> None:
        name = self.current_run()
        if name is not None:
            self.ctx.remember("generate/run", name)
        self._preload()
        self._set_running(self.is_generating())

    def _preload(self) -> None:
        """Load the chosen run's model in the background: the first generation is then
        instant, and a damaged checkpoint says so right away."""
        name = self.current_run()
        self._calls.cancel("model")
        if name is None:
            self.model_label.setStyleSheet("")
            self.model_label.setText(self.tr("No language model yet: train one on the Train "
                                             "page."))
            return
        self.model_label.setStyleSheet("")
        self.model_label.setText(self.tr("Loading the model…"))
        path = self._run_path(name)
        self._calls.start("model", lambda *_: language_model(path), self._model_loaded,
                          lambda exc: self._show_model_error(self.ctx.message_for(exc)))

    def _model_loaded(self, loaded: LoadedLM) -> None:
        self.model_label.setStyleSheet("")
        self.model_label.setText(_describe(loaded))

    def _show_model_error(self, text: str) -> None:
        self.model_label.setStyleSheet(error_style())
        self.model_label.setText(text)

    # -- settings ------------------------------------------------------------------------
    def settings(self) -> dict:
        """The GenerationConfig fields the controls hold (seed: None when empty; the stop
        text with the escapes of ``generate --stop`` read)."""
        seed_text = self.seed.text().strip()
        return {"max_tokens": self.length.value(), "temperature": self.temperature.value(),
                "top_k": self.top_k.value() or None,
                "top_p": self.top_p.value() if self.top_p.value() < 1 else None,
                "repetition_penalty": self.penalty.value(),
                "seed": int(seed_text) if _is_number(seed_text) else None,
                "stop": [unescape_stop(stop)] if (stop := self.stop_text.text()) else []}

    def _seed_problem(self) -> str | None:
        text = self.seed.text().strip()
        if text and (not _is_number(text) or int(text) > SEED_MAX):
            return self.tr("The seed must be a whole number from 0 to {max}, or empty for "
                           "random.").format(max=SEED_MAX)
        return None

    def _remember_settings(self) -> None:
        for key, value in (("temperature", self.temperature.value()),
                           ("top_k", self.top_k.value()), ("top_p", self.top_p.value()),
                           ("length", self.length.value()), ("penalty", self.penalty.value()),
                           ("seed", self.seed.text()), ("stop", self.stop_text.text()),
                           ("prompt", self.prompt.toPlainText())):
            self.ctx.remember(f"generate/{key}", value)

    def _restore_settings(self) -> None:
        recall = self.ctx.recall
        self.temperature.setValue(recall("generate/temperature", 0.8, float))
        self.top_k.setValue(recall("generate/top_k", 0, int))
        self.top_p.setValue(recall("generate/top_p", 1.0, float))
        self.length.setValue(recall("generate/length", 300, int))
        self.penalty.setValue(recall("generate/penalty", 1.0, float))
        self.seed.setText(recall("generate/seed", "", str))
        self.stop_text.setText(recall("generate/stop", "", str))
        self.prompt.setPlainText(recall("generate/prompt", "", str))

    # -- generating ----------------------------------------------------------------------
    def generate(self) -> None:
        """Start a generation with the current run, prompt and settings."""
        if self.is_generating():
            return
        name = self.current_run()
        if name is None:
            self._show_status_error(self.tr("Choose a language-model run first."))
            return
        problem = self._seed_problem()
        if problem:
            self._show_status_error(problem)
            return
        settings = self.settings()
        seed_note = ""
        if settings["seed"] is None:  # a fresh seed, shown so the text can be made again
            settings["seed"] = random.randint(0, SEED_MAX)
            seed_note = self.tr(" (random seed {seed})").format(seed=settings["seed"])
        self._remember_settings()
        prompt = self.prompt.toPlainText()
        self._begin_output(prompt)
        path, every = self._run_path(name), self.flush_s
        worker = self._calls.start(
            "generate", lambda report, should_stop: stream_generation(
                path, prompt, settings, report, should_stop, every),
            lambda outcome: self._finished(outcome, seed_note),
            lambda exc: self._show_status_error(self.ctx.message_for(exc)),
            self._append, own_thread=True)
        worker.finished.connect(self._job_ended)
        self._started = time.perf_counter()
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Generating…") + seed_note)
        self._set_running(True)

    def stop(self) -> None:
        worker = self._calls.running("generate")
        if worker is not None:
            worker.stop()
            self.status.setText(self.tr("Stopping…"))

    def is_generating(self) -> bool:
        return self._calls.running("generate") is not None

    def _begin_output(self, prompt: str) -> None:
        self.output.clear()
        self.generated = ""
        if prompt:
            fmt = QTextCharFormat()
            fmt.setForeground(PROMPT_GRAY)
            self.output.textCursor().insertText(prompt, fmt)

    def _append(self, text: str) -> None:
        bar = self.output.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = QTextCursor(self.output.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text, QTextCharFormat())
        self.generated += text
        if at_bottom:
            bar.setValue(bar.maximum())
        seconds = time.perf_counter() - self._started
        self.status.setText(self.tr("Generating… {chars} characters in {seconds} s").format(
            chars=f"{len(self.generated):,}", seconds=seconds_text(seconds)))

    def _finished(self, outcome: GenerationOutcome, seed_note: str) -> None:
        # the time and the speed both come from the worker's measure of the generation
        # itself, shown to two significant digits: a short sample took "0.0 s" before
        how = (self.tr("Stopped: {chars} characters in {seconds} s ({rate} characters/s){seed}.")
               if outcome.stopped else
               self.tr("Done: {chars} characters in {seconds} s ({rate} characters/s){seed}."))
        parts = [how.format(chars=f"{outcome.chars:,}", seconds=seconds_text(outcome.seconds),
                            rate=f"{outcome.chars_per_second:,.0f}", seed=seed_note)]
        if outcome.load_seconds >= 0.1:  # the first generation after choosing a run
            parts.append(self.tr("Loading the model took {seconds} s more.").format(
                seconds=seconds_text(outcome.load_seconds)))
        parts += [self._ending(outcome), self._unknown_note(outcome)]
        self.status.setText(" ".join(p for p in parts if p))

    def _unknown_note(self, outcome: GenerationOutcome) -> str:
        """The prompt's characters the model does not know, and what became of them."""
        unknown = outcome.unknown
        if unknown is None:
            return ""
        note = self.tr("Characters of the prompt the model does not know: {count} "
                       "({chars}).").format(count=f"{unknown.count:,}", chars=unknown.shown())
        how = (self.tr("Each became the unknown token, which the model reads as a blank.")
               if unknown.handling == "unk" else
               self.tr("Each was spelled as its UTF-8 bytes, which the model has likely "
                       "never seen in training."))
        return f"{note} {how}"

    def _ending(self, outcome: GenerationOutcome) -> str:
        """Why a sample ended before its length, when it did (not when stopped)."""
        if outcome.ended == "stop":
            return self.tr("It ended at a stop text after {tokens} tokens (the stop text is "
                           "left out).").format(tokens=f"{outcome.tokens:,}")
        if outcome.ended == "eos":
            return self.tr("The model ended the text after {tokens} tokens.").format(
                tokens=f"{outcome.tokens:,}")
        return ""

    def _show_status_error(self, text: str) -> None:
        self.status.setStyleSheet(error_style())
        self.status.setText(text)

    def _job_ended(self) -> None:
        self._set_running(self.is_generating())

    def _set_running(self, running: bool) -> None:
        self.generate_button.setEnabled(not running and self.current_run() is not None)
        self.stop_button.setEnabled(running)
        self.run_box.setEnabled(not running)

    # -- copy and save -------------------------------------------------------------------
    def full_text(self) -> str:
        """What the view shows: the prompt and its continuation."""
        return self.output.toPlainText()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.full_text())
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Copied the text to the clipboard."))

    def _ask_save(self) -> None:
        folder = self.ctx.recall("generate/save_folder", str(Path.home()), str)
        name = f"{self.current_run() or 'generated'}.txt"
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the text"), str(Path(folder) / name),
            self.tr("Text files") + " (*.txt);;" + self.tr("All files") + " (*)")
        if path:
            self.save(Path(path))

    def save(self, path: Path) -> bool:
        """Write the shown text to ``path`` (UTF-8); a refusal is shown, not raised."""
        try:
            Path(path).write_text(self.full_text(), encoding="utf-8")
        except OSError as exc:
            self.ctx.show_error(self, self.tr("Save the text"), exc)
            return False
        self.ctx.remember("generate/save_folder", str(Path(path).parent))
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Saved to {path}.").format(path=path))
        return True

    # -- closing -------------------------------------------------------------------------
    def shutdown(self, timeout_s: float) -> None:
        self._calls.drop_all()
        self._calls.wait(timeout_s)


def seconds_text(seconds: float) -> str:
    """Seconds to two significant digits, at least one decimal: "0.048", "0.50", "3.2",
    "12.0" (a fixed one decimal showed a 48 ms sample as "0.0 s" beside its speed)."""
    if seconds <= 0:
        return "0.0"
    decimals = max(1, min(4, 1 - math.floor(math.log10(seconds))))
    return f"{seconds:.{decimals}f}"


def _is_number(text: str) -> bool:
    """Digits 0-9 only (``str.isdigit`` also accepts "²", which ``int`` refuses)."""
    return text.isascii() and text.isdigit()


def _describe(loaded: LoadedLM) -> str:
    """'Ready: best checkpoint at step 1,200 · validation bits/char 1.62 · generating
    with int8, 1 thread (auto)'."""
    translate = QCoreApplication.translate
    parts = []
    step = loaded.info.get("step")
    if step is not None:
        parts.append(translate("GeneratePage", "best checkpoint at step {step}").format(
            step=f"{int(step):,}"))
    metrics = loaded.info.get("best_metrics") or loaded.info.get("metrics") or {}
    for key, label in (("val_bpc", translate("GeneratePage", "validation bits/char")),
                       ("val_word_ppl", translate("GeneratePage", "word perplexity")),
                       ("val_loss", translate("GeneratePage", "validation loss"))):
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            parts.append(f"{label} {value:.2f}")
            break
    parts.append(translate("GeneratePage", "generating with {mode}").format(mode=loaded.mode))
    return translate("GeneratePage", "Ready: {details}").format(details=" · ".join(parts))
