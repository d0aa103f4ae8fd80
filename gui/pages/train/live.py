"""The run training now, as the Train and Series pages know it from its events:
the step, the best validation, the curve rows not drawn yet, and how much of
the budget is used."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication

from nlp.training.events import (
    EvalEvent,
    StepEvent,
)
from nlp.training.jobs import TrainingJob
from nlp.training.progress import format_duration, format_metrics


def budget_progress(cfg: dict, step: int, epoch: float, elapsed: float) -> float:
    """How much of the budget is used, 0..1, as the trainer measures it."""
    parts = [0.0]
    if cfg.get("max_steps"):
        parts.append(step / cfg["max_steps"])
    if cfg.get("max_minutes"):
        parts.append(elapsed / (cfg["max_minutes"] * 60))
    if cfg.get("max_epochs"):
        parts.append(epoch / cfg["max_epochs"])
    return min(1.0, max(parts))


@dataclass
class LiveRun:
    """What the page knows of the job training now, from its events."""

    job: TrainingJob
    run_name: str = ""
    cfg: dict = field(default_factory=dict)
    last: StepEvent | None = None
    best: dict = field(default_factory=dict)
    checkpoints: int = 0
    steps_seen: int = 0
    rows: list = field(default_factory=list)  # curve rows not drawn yet
    _loss_sum: float = 0.0
    _loss_n: int = 0
    _row_time: float = -1.0

    def add_step(self, e: StepEvent) -> None:
        """Fold a step into the pending curve row. Rows grow sparser as the run
        ages (one per 0.1% of its time), so a long run stays cheap to redraw."""
        self.last = e
        self.steps_seen += 1
        self._loss_sum += e.train_loss
        self._loss_n += 1
        if e.elapsed_s - self._row_time >= max(0.25, e.elapsed_s / 1000):
            self.rows.append({"step": e.step, "time": e.elapsed_s, "lr": e.lr,
                              "train_loss": self._loss_sum / self._loss_n})
            self._loss_sum, self._loss_n, self._row_time = 0.0, 0, e.elapsed_s

    def add_eval(self, e: EvalEvent) -> None:
        elapsed = self.last.elapsed_s if self.last else 0.0
        self.rows.append({"step": e.step, "time": elapsed, **e.metrics})
        if e.best:
            self.best = dict(e.metrics)

    def stats(self) -> str:
        e = self.last
        if e is None:
            return ""
        translate = QCoreApplication.translate
        text = translate("TrainPage", "step {step}   epoch {epoch}   {speed} tokens/s   "
                         "trained {trained}   ETA {eta}").format(
            step=f"{e.step:,}", epoch=f"{e.epoch:.2f}", speed=f"{e.tokens_per_s:,.0f}",
            trained=format_duration(e.elapsed_s), eta=format_duration(e.eta_s))
        if self.best:
            text += "\n" + translate("TrainPage", "best validation: {metrics}").format(
                metrics=format_metrics(self.best))
        return text

    def final_stats(self) -> str:
        """What stays on the page once the run has ended (stopped, finished or
        failed): where it got to, without the speed and the ETA, which were
        only true while it trained."""
        e = self.last
        translate = QCoreApplication.translate
        text = ""
        if e is not None:
            text = translate("TrainPage", "ended at step {step}   epoch {epoch}   trained "
                             "{trained}").format(step=f"{e.step:,}", epoch=f"{e.epoch:.2f}",
                                                 trained=format_duration(e.elapsed_s))
        if self.best:
            text += ("\n" if text else "") + translate(
                "TrainPage", "best validation: {metrics}").format(
                metrics=format_metrics(self.best))
        return text

    def progress(self) -> float:
        e = self.last
        return budget_progress(self.cfg, e.step, e.epoch, e.elapsed_s) if e else 0.0
