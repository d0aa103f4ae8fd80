"""A person's requests to a loaded run: generation streamed in readable
batches, a few texts translated, a text read by a model to look inside it.

Both are plain functions for a worker thread: they take the run's folder,
load its model through :mod:`nlp.inference.loaded`'s cache, report as they go
and poll ``should_stop``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from nlp.decoding.text import UnknownCharacters, unknown_characters
from nlp.inference.loaded import language_model, translator

Report = Callable[[object], None]
ShouldStop = Callable[[], bool]

INTERACTIVE_THREADS = 1  # a sentence or two: more threads only wait on a busy machine


@dataclass
class GenerationOutcome:
    """What a generation made. ``seconds`` is the time generating took (the prompt read
    and every token made), measured on the worker; ``load_seconds`` the time the model
    took to load first (0 when it was already cached). ``unknown``: the prompt's
    characters the model does not know, or None."""

    chars: int
    seconds: float
    stopped: bool
    ended: str | None = None  # why it ended early: "eos", "stop", "stopped" (see generation)
    tokens: int = 0
    load_seconds: float = 0.0
    unknown: UnknownCharacters | None = None

    @property
    def chars_per_second(self) -> float:
        """Characters made per second of ``seconds`` (0 when no time was measured)."""
        return self.chars / self.seconds if self.seconds > 0 else 0.0


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
    """Generate from a run's model, reporting the text in batches as it is made
    (a window then gets a few updates a second, not one per character).

    ``settings`` are :class:`~nlp.decoding.generation.GenerationConfig` fields; a bad
    value raises its ``ConfigError`` before any model is loaded."""
    from nlp.decoding.generation import GenerationConfig, generate_stream

    cfg = GenerationConfig.from_dict(settings)
    start = time.perf_counter()
    loaded = language_model(run_path)
    generating = time.perf_counter()
    pieces = generate_stream(loaded.model, loaded.tokenizer, prompt, cfg, should_stop)
    chars = batched(pieces, report, every_s)
    seconds = time.perf_counter() - generating
    return GenerationOutcome(chars, seconds, should_stop(), pieces.ended, pieces.tokens,
                             generating - start, unknown_characters(loaded.tokenizer, prompt))


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


def inspection_model(run_path: Path):
    """A run's model loaded for inspection (``nlp.analysis.inspect``), kept in the
    shared cache like the others."""
    from nlp.analysis.inspect import load_for_inspection
    from nlp.inference.loaded import MODELS

    return MODELS.get("inspect", run_path, load_for_inspection)


def run_inspection(run_path: Path, text: str, beam: int, n_best: int):
    """Inspect ``text`` with the run's model (an ``LMInspection`` or a
    ``TranslationInspection``)."""
    from nlp.analysis.inspect import inspect_text
    from nlp.decoding.threads import scoped_threads

    loaded = inspection_model(run_path)
    with scoped_threads(INTERACTIVE_THREADS):
        return inspect_text(loaded, text, beam, n_best)


def current_threads() -> int:
    """The intra-op threads this thread uses. A new worker thread starts from the
    OpenMP default, not from what the app set: ask here and pass it on."""
    import torch

    return torch.get_num_threads()
