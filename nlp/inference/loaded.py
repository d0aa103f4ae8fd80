"""Trained runs loaded for use, and the cache that keeps them.

:func:`load_generator` and :func:`load_translator_for` load a run's model with
what a person is shown about it; :class:`ModelCache` keeps the few most recently
used, keyed by the checkpoint "best" stands for now (``Run.best_or_last``), so a
second generation starts at once and a run that trained on is loaded again.
The window's pages and the CLI share :data:`MODELS`.

Torch is imported inside the loaders, so importing this module costs nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import StudioError
from nlp.runs.workspace import Run, selection_key

log = logging.getLogger(__name__)


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
    """A run's translator, with what a person is shown about it. It decodes on the
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
    """info.json of the checkpoint "best" stands for."""
    from nlp.runs.checkpoint import read_info

    name = run.best_or_last()
    try:
        return read_info(run.checkpoints_dir / name) if name else {}
    except StudioError:  # it loaded a moment ago; the numbers can be done without
        return {}


def checkpoint_key(run: Run) -> tuple:
    """Identifies the checkpoint "best" loads now: a newer one (the run trained
    on) gives a new key, so the cache never serves a stale model."""
    name = run.best_or_last()
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
