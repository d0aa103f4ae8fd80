"""Using a trained run from the window: load its model once, then generate or
translate on a worker thread, reporting back to the GUI thread.

Two halves:

- plain functions (no Qt) that the worker runs: :class:`ModelCache` loads a
  run's model the first time it is asked for and keeps it, so a second
  generation starts at once; :func:`stream_generation` batches the pieces of
  ``generate_stream`` so the window gets a few updates a second, not one per
  character; :func:`translate_texts` and :func:`translate_file` wrap the
  :class:`~nlp.decoding.translator.Translator`.
- :class:`Job`: one such function on its own ``QThread``. The function gets a
  ``report`` callable and a ``should_stop`` callable; whatever it reports,
  returns or raises arrives on the GUI thread as a signal, and ``finished``
  always comes last.

Torch is imported lazily (inside the functions), so opening the window does
not wait for it.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from nlp.errors import Cancelled, StudioError
from nlp.runs.workspace import Run, selection_key

log = logging.getLogger(__name__)

Report = Callable[[object], None]
ShouldStop = Callable[[], bool]

FILE_CHUNK = 64  # lines translated together when translating a file (one progress step)
INTERACTIVE_THREADS = 1  # a sentence or two: more threads only wait on a busy machine


# ---------------------------------------------------------------- loaded models


@dataclass
class LoadedLM:
    """A language model ready for fast batch-1 generation."""

    model: object  # nlp.decoding.fast_inference.InferenceModel
    tokenizer: object
    info: dict  # the checkpoint's info.json (step, metrics, ...)
    mode: str  # "int8, 1 thread (auto)": how it generates


@dataclass
class LoadedTranslator:
    translator: object  # nlp.decoding.translator.Translator
    info: dict  # the loaded checkpoint's info.json (step, metrics, ...)
    mode: str  # "CPU, bf16" or "GPU: <name>, bf16": where and how it decodes
    selected_by: str = "val_loss"  # the metric that chose the best checkpoint (nlp.runs.workspace)


def load_generator(run: Run) -> LoadedLM:
    """A run's language model and tokenizer, made fast for CPU generation."""
    from nlp.decoding.fast_inference import prepare_for_generation
    from nlp.tasks.lm.task import load_lm

    model, tokenizer, info = load_lm(run, "best")
    fast = prepare_for_generation(model)
    return LoadedLM(fast, tokenizer, info, fast.describe())


def load_translator_for(run: Run) -> LoadedTranslator:
    """A run's translator, with what the page shows about it. It decodes on the
    GPU when there is one (a file of sentences goes several times faster in
    batches there), else on the CPU."""
    from nlp.tasks.mt.task import load_translator
    from nlp.training.devices import device_description

    try:
        translator = load_translator(run, "best", device="auto")
    except RuntimeError as exc:  # a GPU that fails to start or is out of memory: use the CPU
        log.warning("translating on the CPU: the GPU could not take the model (%s)", exc)
        translator = load_translator(run, "best", device="cpu")
    where = "CPU" if translator.device.type == "cpu" else device_description(translator.device)
    try:
        selected_by = selection_key(run.read_config())
    except StudioError:
        selected_by = "bleu"
    return LoadedTranslator(translator, _best_info(run),
                            f"{where}, {translator.precision.name}", selected_by)


def _best_info(run: Run) -> dict:
    """info.json of the checkpoint ``best`` names (``last`` when there is no best)."""
    from nlp.runs.checkpoint import read_info

    index = run.read_index()
    name = index.get("best") or index.get("last")
    try:
        return read_info(run.checkpoints_dir / name) if name else {}
    except StudioError:  # it loaded a moment ago; the page can do without the numbers
        return {}


def checkpoint_key(run: Run) -> tuple:
    """Identifies the checkpoint ``best`` loads now: a newer one (the run trained
    on) gives a new key, so the cache never serves a stale model."""
    index = run.read_index()
    name = index.get("best") or index.get("last") or ""
    try:  # the same step saved again (as best, then as last) is a new folder
        stamp = (run.checkpoints_dir / name / "info.json").stat().st_mtime_ns if name else 0
    except OSError:
        stamp = 0
    return str(run.path.resolve()), name, stamp


class ModelCache:
    """Loaded models by run and checkpoint, the most recently used kept.

    Thread-safe: a load holds the lock, so a page that preloads a run and a
    generation that needs it at the same moment load it once."""

    def __init__(self, limit: int = 4):
        self.limit = limit
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, object] = OrderedDict()

    def get(self, kind: str, run_path: Path, load: Callable[[Run], object]) -> object:
        run = Run(Path(run_path))
        key = (kind, *checkpoint_key(run))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            value = load(run)
            for old in [k for k in self._items if k[:2] == key[:2]]:  # older checkpoints
                del self._items[old]
            self._items[key] = value
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


MODELS = ModelCache()


def language_model(run_path: Path) -> LoadedLM:
    return MODELS.get("lm", run_path, load_generator)


def translator(run_path: Path) -> LoadedTranslator:
    return MODELS.get("mt", run_path, load_translator_for)


# ---------------------------------------------------------------- generation


@dataclass
class GenerationOutcome:
    chars: int
    seconds: float
    stopped: bool
    ended: str | None = None  # why it ended early: "eos", "stop", "stopped" (nlp.decoding.generation)
    tokens: int = 0


def batched(pieces: Iterable[str], report: Report, every_s: float) -> int:
    """Report the pieces joined, at most once per ``every_s`` seconds (the first
    at once); returns how many characters went out."""
    pending: list[str] = []
    last, chars = -math.inf, 0
    for piece in pieces:
        pending.append(piece)
        now = time.monotonic()
        if now - last >= every_s:
            text = "".join(pending)
            report(text)
            chars += len(text)
            pending.clear()
            last = now
    if pending:
        text = "".join(pending)
        report(text)
        chars += len(text)
    return chars


def stream_generation(run_path: Path, prompt: str, settings: dict, report: Report,
                      should_stop: ShouldStop, every_s: float = 0.05) -> GenerationOutcome:
    """Generate from a run's model, reporting the text in batches as it is made.

    ``settings`` are :class:`~nlp.decoding.generation.GenerationConfig` fields; a bad
    value raises its ``ConfigError`` before any model is loaded."""
    from nlp.decoding.generation import GenerationConfig, generate_stream

    cfg = GenerationConfig.from_dict(settings)
    loaded = language_model(run_path)
    start = time.monotonic()
    pieces = generate_stream(loaded.model, loaded.tokenizer, prompt, cfg, should_stop)
    chars = batched(pieces, report, every_s)
    return GenerationOutcome(chars, time.monotonic() - start, should_stop(), pieces.ended,
                             pieces.tokens)


# ---------------------------------------------------------------- translation


def translate_texts(run_path: Path, texts: list[str], beam: int, n_best: int,
                    attention: bool = True, should_stop: ShouldStop | None = None) -> list:
    """``TranslationResult`` objects for ``texts`` (n-best and attention included).
    A stop raises ``nlp.errors.Cancelled`` within one decoding batch."""
    from nlp.decoding.threads import scoped_threads

    loaded = translator(run_path)
    n_best = max(1, min(n_best, beam))
    with scoped_threads(INTERACTIVE_THREADS):
        return loaded.translator.translate(list(texts), beam=beam, n_best=n_best,
                                           attention=attention, should_stop=should_stop)


@dataclass
class FileOutcome:
    lines: int
    path: Path | None  # None: cancelled, nothing written


def translate_file(run_path: Path, source: Path, target: Path, beam: int, threads: int,
                   report: Report, should_stop: ShouldStop) -> FileOutcome:
    """Translate ``source`` line by line into ``target`` (one line per line).

    Reports ``(done, total)`` after every chunk of lines. ``target`` is written
    only when all lines are done, through a temporary file and a rename, so a
    cancel or a failure leaves no half file behind."""
    from nlp.data.corpus import iter_lines
    from nlp.decoding.threads import scoped_threads

    loaded = translator(run_path)
    lines = list(iter_lines(source))
    report((0, len(lines)))
    out: list[str] = []
    with scoped_threads(max(1, threads)):
        for start in range(0, len(lines), FILE_CHUNK):
            if should_stop():
                return FileOutcome(len(out), None)
            chunk = lines[start:start + FILE_CHUNK]
            try:
                results = loaded.translator.translate(chunk, beam=beam, attention=False,
                                                      should_stop=should_stop)
            except Cancelled:
                return FileOutcome(len(out), None)
            out += [r.text for r in results]
            report((len(out), len(lines)))
    write_lines(target, out)
    return FileOutcome(len(out), target)


def write_lines(path: Path, lines: list[str]) -> None:
    """Write one text per line, atomically (a temporary file, then a rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.writelines(line + "\n" for line in lines)
        os.replace(tmp, path)
    except OSError as exc:
        raise StudioError(QCoreApplication.translate(
            "Inference", "cannot write {path}: {reason}. Choose another folder or free some "
            "disk space.").format(path=path, reason=exc.strerror or exc)) from exc
    finally:
        if tmp.exists():
            tmp.unlink(missing_ok=True)


def gui_thread_torch_threads() -> int:
    """The intra-op threads the GUI thread uses (worker threads start from the
    OpenMP default, not from what the app set): pass it to a worker."""
    import torch

    return torch.get_num_threads()


# ---------------------------------------------------------------- the Qt side


class _Worker(QObject):
    """Runs the function on the job's thread; lives there."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[Report, ShouldStop], object], stop: threading.Event):
        super().__init__()
        self._fn, self._stop = fn, stop

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self.progress.emit, self._stop.is_set)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread as a message
            self.failed.emit(exc)
        else:
            self.done.emit(result)
        finally:
            self.thread().quit()


class Job(QObject):
    """``fn(report, should_stop)`` on its own QThread.

    Its signals are emitted on the GUI thread: ``progress(payload)`` for each
    report, then ``done(result)`` or ``failed(exception)``, then always
    ``finished()``. ``stop()`` asks the function to stop (it polls
    ``should_stop``). Keep the Job referenced until ``finished``: dropping it
    while its thread runs would destroy a running QThread."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, fn: Callable[[Report, ShouldStop], object],
                 parent: QObject | None = None):
        super().__init__(parent)
        self._stop = threading.Event()
        self._thread = QThread()
        self._worker = _Worker(fn, self._stop)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._thread.finished.connect(self._on_finished)

    def start(self) -> Job:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, timeout_s: float) -> bool:
        """Block until the thread ends (True) or ``timeout_s`` passes (False)."""
        return self._thread.wait(max(0, int(timeout_s * 1000)))

    # relays: these run on the GUI thread, where this object lives
    @Slot(object)
    def _on_progress(self, payload: object) -> None:
        self.progress.emit(payload)

    @Slot(object)
    def _on_done(self, result: object) -> None:
        self.done.emit(result)

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self.failed.emit(exc)

    @Slot()
    def _on_finished(self) -> None:
        self._thread.wait()  # returns at once: lets the QThread object be dropped safely
        self.finished.emit()
