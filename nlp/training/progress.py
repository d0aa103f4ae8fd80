"""Training progress on a terminal: a live line on a TTY, plain lines otherwise."""

from __future__ import annotations

import sys
import time

from nlp.training.events import (
    CheckpointEvent,
    EvalEvent,
    Event,
    FailedEvent,
    FinishedEvent,
    MessageEvent,
    SampleEvent,
    StepEvent,
)
from nlp.training.metrics import WORDS_NOT_MEANINGFUL, shown_metrics


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_metrics(metrics: dict) -> str:
    """'loss 1.2, ppl 3.3, bpc 1.7, word_ppl 210, ...'; a word perplexity only where
    the text is written as words (``metrics.word_ppl_is_meaningful``)."""
    metrics = shown_metrics(metrics)
    order = ("val_loss", "val_ppl", "val_bpc", "val_word_ppl", "bleu", "chrf")
    parts = [f"{k[4:] if k.startswith('val_') else k} {metrics[k]:.4g}"
             for k in order if k in metrics and isinstance(metrics[k], (int, float))]
    return ", ".join(parts)


class ConsoleProgress:
    """A listener that writes training progress to ``stream`` (stderr)."""

    def __init__(self, stream=None, interval_s: float = 30.0, show_samples: bool = True):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = 0.2 if self.tty else interval_s
        self.show_samples = show_samples
        self._last = 0.0
        self._live = False
        self._said_no_words = False  # the note on word perplexity, said once a run

    def _line(self, text: str) -> None:
        if self._live:
            self.stream.write("\r\033[K")
            self._live = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            now = time.monotonic()
            if now - self._last < self.interval:
                return
            self._last = now
            bar = ""
            text = (f"step {event.step}  epoch {event.epoch:.2f}  loss {event.train_loss:.4f}  "
                    f"lr {event.lr:.2e}  {event.tokens_per_s:,.0f} tok/s  "
                    f"elapsed {format_duration(event.elapsed_s)}  "
                    f"ETA {format_duration(event.eta_s)}")
            if self.tty:
                self.stream.write("\r\033[K" + bar + text)
                self.stream.flush()
                self._live = True
            else:
                self._line(text)
        elif isinstance(event, EvalEvent):
            mark = " (best)" if event.best else ""
            self._line(f"step {event.step}: validation {format_metrics(event.metrics)}{mark}")
            self._note_words(event.metrics)
        elif isinstance(event, SampleEvent) and self.show_samples and event.samples:
            sample = event.samples[0].strip().replace("\n", "\n    ")
            self._line(f"sample:\n    {sample[:400]}")
        elif isinstance(event, CheckpointEvent):
            tags = "/".join(event.tags)
            self._line(f"saved checkpoint {event.name} ({tags})")
        elif isinstance(event, MessageEvent):
            self._line(("warning: " if event.level == "warning" else "") + event.text)
        elif isinstance(event, FinishedEvent):
            best = format_metrics(event.best_metrics)
            self._line(f"finished at step {event.step} ({event.reason})"
                       + (f"; best validation: {best}" if best else ""))
            self._note_words(event.best_metrics)
        elif isinstance(event, FailedEvent):
            self._line(f"error: {event.message}")

    def _note_words(self, metrics: dict) -> None:
        """Say once why a language model's word perplexity is left out."""
        if ("val_word_ppl" in metrics and not self._said_no_words
                and "val_word_ppl" not in shown_metrics(metrics)):
            self._said_no_words = True
            self._line(f"note: {WORDS_NOT_MEANINGFUL}")
