"""Typed events that the training loop emits; the CLI and the window listen.

A listener is any callable taking one event. Events are plain frozen
dataclasses, cheap to copy across threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StepEvent:
    step: int
    epoch: float
    train_loss: float  # nats per token, mean over the step
    lr: float
    tokens_per_s: float
    elapsed_s: float  # training time of the whole run, resumes included
    eta_s: float | None  # until the budget ends, when it can be told


@dataclass(frozen=True)
class EvalEvent:
    step: int
    metrics: dict  # val_loss, val_ppl, val_bpc, val_word_ppl, bleu, chrf ...
    best: bool  # the best validation score so far


@dataclass(frozen=True)
class SampleEvent:
    step: int
    samples: tuple[str, ...]  # generated texts, or "source => translation" lines


@dataclass(frozen=True)
class CheckpointEvent:
    step: int
    name: str  # folder name under checkpoints/
    path: str
    tags: tuple[str, ...] = ()  # "last", "best"


@dataclass(frozen=True)
class MessageEvent:
    """Something the user should know: a rollback, a lowered learning rate."""

    text: str
    level: str = "info"  # "info" | "warning"


@dataclass(frozen=True)
class FinishedEvent:
    step: int
    reason: str  # "budget", "steps", "epochs", "early-stop", "stopped"
    best_metrics: dict = field(default_factory=dict)  # with "step": where the best was
    detail: str = ""  # why it ended, in words, when the reason needs explaining


@dataclass(frozen=True)
class FailedEvent:
    step: int
    message: str


Event = (StepEvent | EvalEvent | SampleEvent | CheckpointEvent | MessageEvent
         | FinishedEvent | FailedEvent)
Listener = Callable[[Event], None]
