"""The training loop: one object for the CLI, the window and the tests.

A :class:`Trainer` drives a *task* (a language model or a translator, see
:class:`Task`) through AdamW steps with a schedule, clipping, evaluation,
checkpoints and early stopping, within a budget of minutes, epochs or steps. It
reports through typed events (``nlp.training.events``) to any number of listeners and
checks a stop request (and a pause) between steps, so a listener in another
thread can end it within a step.

It runs unchanged under ``torchrun``: with ``WORLD_SIZE > 1`` it joins the
process group, wraps the model in DistributedDataParallel, asks the task for
this rank's shard of the data, and only rank 0 writes checkpoints and logs.
"""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import time
from typing import Protocol

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from nlp.errors import StudioError, TrainingError
from nlp.runs.workspace import METRICS, SAMPLES, SCORE_NAMES, Run
from nlp.training.config import TrainConfig
from nlp.training.devices import Precision, pick_device, pick_precision, set_threads
from nlp.training.events import (
    CheckpointEvent,
    EvalEvent,
    Event,
    FailedEvent,
    FinishedEvent,
    Listener,
    MessageEvent,
    SampleEvent,
    StepEvent,
)

log = logging.getLogger(__name__)

MAX_EVAL_SHARE = 0.1  # evaluations due by time take at most this share of the time
NO_TOKENS = ("the training data gave no tokens in two whole passes (every batch was empty); "
             "training stopped. Check that the corpus holds text.")


class Task(Protocol):
    """What the trainer needs from a language model or a translator."""

    kind: str  # "lm" or "mt": stored in checkpoints
    model: nn.Module
    score_key: str  # the validation metric that decides "best", e.g. "val_loss"
    higher_is_better: bool
    # optional ``loss_limit: float``: a loss above it is treated like NaN (the model
    # diverged); LMTask and MTTask set 100 nats per token. Without it, no limit.

    def model_config(self) -> dict: ...
    def tokenizers(self) -> dict[str, bytes]: ...
    def setup(self, device: torch.device, cfg: TrainConfig, rank: int, world: int) -> None: ...
    def train_batches(self):  # an iterator over one epoch, from the saved position
        ...
    def steps_per_epoch(self) -> int: ...
    def loss(self, model: nn.Module, batch) -> tuple[torch.Tensor, int]: ...
    def evaluate(self, model: nn.Module, should_stop) -> dict: ...
    def samples(self, model: nn.Module, count: int) -> list[str]: ...
    def state_dict(self) -> dict: ...  # data position (and carried hidden state)
    def load_state_dict(self, state: dict) -> None: ...


def init_distributed() -> tuple[int, int]:
    """(rank, world size); joins the process group when started by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size()


def broadcast_object(obj, rank: int, world: int):
    """Rank 0's ``obj`` on every rank (the object itself when not distributed)."""
    if world <= 1:
        return obj
    box = [obj if rank == 0 else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _lr_factor(cfg: TrainConfig, step: int, progress: float) -> float:
    """Warm-up then cosine (by budget progress in [0, 1]), or constant."""
    warm = min(1.0, (step + 1) / cfg.warmup_steps) if cfg.warmup_steps else 1.0
    if cfg.schedule != "cosine":
        return warm
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return warm * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * cosine)


class Trainer:
    """Train ``task`` under ``cfg``, saving into ``run`` (None: nothing is saved)."""

    def __init__(self, task: Task, cfg: TrainConfig, run: Run | None,
                 listeners: tuple[Listener, ...] = ()):
        self.task, self.cfg, self.run_dir = task, cfg, run
        self.listeners = list(listeners)
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        # progress, restored on resume
        self.step = 0
        self.epoch = 0
        self.elapsed = 0.0  # training seconds over every session of this run
        self.best: float | None = None
        self.best_metrics: dict = {}
        self.bad_evals = 0
        self.lr_scale = 1.0
        self.failures = 0
        self.last_eval_elapsed = 0.0
        self.eval_seconds: float | None = None  # how long the latest evaluation took
        self._resume_from = None
        self._epoch_step = 0
        # (step, tags) of the checkpoint saved or resumed from last: saving the same
        # step again adds nothing (a stop right after an evaluation saves once)
        self._saved: tuple[int, frozenset] = (-1, frozenset())
        self._save_error: str | None = None  # why the latest save failed, until one works
        self.rank, self.world = 0, 1
        self._train_tps = 0.0  # training tokens per second, latest window
        self.finish_detail = ""  # why the run ended, in words (early stopping)

    # -- control from other threads ------------------------------------------
    def request_stop(self) -> None:
        """Stop after the current step; a checkpoint is saved."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def resume_from(self, checkpoint) -> None:
        """Continue from a checkpoint folder (its step, schedule and data order)."""
        self._resume_from = checkpoint

    # -- events --------------------------------------------------------------
    def emit(self, event: Event) -> None:
        if self.rank != 0:
            return
        for listener in self.listeners:
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a broken listener must not kill training
                log.exception("a training listener failed on %s", type(event).__name__)

    # -- set-up --------------------------------------------------------------
    def _setup(self) -> None:
        cfg = self.cfg
        self.rank, self.world = init_distributed()
        set_threads(cfg.threads)
        self.device = pick_device(cfg.device)
        if self.device.type == "cuda" and self.world > 1:
            self.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(self.device)
        self.precision: Precision = pick_precision(cfg.precision, self.device)
        torch.manual_seed(cfg.seed + self.rank)
        random.seed(cfg.seed + self.rank)
        np.random.seed((cfg.seed + self.rank) % 2**32)
        self.task.model.to(self.device)
        self.task.setup(self.device, cfg, self.rank, self.world)
        decay = [p for p in self.task.model.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.task.model.parameters() if p.dim() < 2]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": cfg.weight_decay},
             {"params": no_decay, "weight_decay": 0.0}],
            lr=cfg.lr, betas=cfg.betas, fused=self.device.type == "cuda" or None)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision.needs_scaler)
        self.model: nn.Module = self.task.model
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.model = nn.parallel.DistributedDataParallel(self.task.model, device_ids=ids)
        if self._resume_from is not None:
            self._load_train_state(self._resume_from)

    def _load_train_state(self, checkpoint) -> None:
        state = self.run_dir.load_train_state(checkpoint)
        trainer = state["trainer"]
        self.step, self.epoch = int(trainer["step"]), int(trainer["epoch"])
        # steps already taken in this epoch: the data resumes mid-epoch, so the epoch
        # shown (and an epoch budget) must too. Older checkpoints lack it: their data
        # position (batches served this epoch) is the same number.
        task_state = state.get("task") or {}
        position = (task_state.get("batches") or task_state).get("position", 0)
        self._epoch_step = int(trainer.get("epoch_step", position))
        self.elapsed = float(trainer["elapsed"])
        self.best = trainer.get("best")
        self.best_metrics = dict(trainer.get("best_metrics", {}))
        self.bad_evals = int(trainer.get("bad_evals", 0))
        self.lr_scale = float(trainer.get("lr_scale", 1.0))
        self.failures = int(trainer.get("failures", 0))
        self.last_eval_elapsed = self.elapsed
        self._saved = (self.step, frozenset({"last"}))
        self.optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.task.load_state_dict(state["task"])
        torch.set_rng_state(state["rng"]["torch"])
        if self.run_dir is not None and self.rank == 0:
            self.run_dir.truncate_history(self.step)
        self.emit(MessageEvent(f"resumed at step {self.step} "
                               f"({self.elapsed / 60:.1f} minutes trained so far)"))

    # -- budget --------------------------------------------------------------
    def progress(self) -> float:
        """How much of the budget is used, 0..1 (the largest of its parts).

        A budget in minutes counts the time every evaluation takes, the last one
        included: training ends when what is left is what the final evaluation
        will take (as long as the latest one took, or an estimate before the first),
        so that ``--minutes M`` means M minutes of wall time."""
        cfg, parts = self.cfg, [0.0]
        if cfg.max_steps:
            parts.append(self.step / cfg.max_steps)
        if cfg.max_minutes:
            parts.append((self.elapsed + self._final_eval_reserve()) / (cfg.max_minutes * 60))
        if cfg.max_epochs:
            parts.append(self._passes() / cfg.max_epochs)
        return max(parts)

    def _passes(self) -> float:
        """Passes over the training data so far (fractional)."""
        return self.epoch + self._epoch_step / max(1, self.task.steps_per_epoch())

    def _epochs_done(self) -> bool:
        return bool(self.cfg.max_epochs) and self._passes() >= self.cfg.max_epochs

    def _final_eval_reserve(self) -> float:
        """Seconds to keep for the evaluation that ends a run on its time budget:
        the latest evaluation's duration, or before the first one the task's own
        estimate (``eval_seconds_estimate(tokens_per_s)``, optional)."""
        if self.eval_seconds is not None:
            return self.eval_seconds
        estimate = getattr(self.task, "eval_seconds_estimate", None)
        if estimate is None or not self._train_tps:
            return 0.0
        return float(estimate(self._train_tps))

    def _lr(self) -> float:
        return self.cfg.lr * self.lr_scale * _lr_factor(self.cfg, self.step, self.progress())

    # -- the loop --------------------------------------------------------------
    def run(self) -> Event:
        """Train until the budget ends, early stopping, a stop request or failure.

        Returns the final event (finished or failed), which was also emitted.
        """
        try:
            self._setup()
            final = self._loop()
        except StudioError as exc:
            final = FailedEvent(self.step, str(exc))
        except Exception as exc:  # noqa: BLE001 - report, never a traceback for the user
            log.exception("training failed")
            final = FailedEvent(self.step, f"training failed unexpectedly: {exc}")
        self._record(final)
        self.emit(final)
        return final

    def _record(self, final: Event) -> None:
        if self.run_dir is None or self.rank != 0:
            return
        if isinstance(final, FinishedEvent):
            outcome = {"reason": final.reason, "step": final.step, "detail": final.detail,
                       "best_step": final.best_metrics.get("step")}
        else:
            outcome = {"reason": "failed", "step": final.step, "detail": final.message}
        self.run_dir.record_outcome({**outcome, "time": time.time()})

    def _loop(self) -> Event:
        cfg = self.cfg
        session_start = time.perf_counter()
        start_elapsed, start_progress = self.elapsed, self.progress()
        last_ckpt = self.elapsed
        window_loss, window_tokens, window_steps, window_t = 0.0, 0, 0, time.perf_counter()
        batches = iter(self.task.train_batches())
        idle_passes = 0  # passes over the data in a row that gave no step
        reason = None
        while reason is None:
            if not self._running.is_set():
                paused_at = time.perf_counter()
                self._running.wait()
                session_start += time.perf_counter() - paused_at  # a pause is not training time
            flags = self._agree(self._stop.is_set(), self.progress() >= 1.0)
            if flags[0]:
                reason = "stopped"
                break
            if flags[1]:
                reason = "epochs" if self._epochs_done() else "budget"
                break
            try:
                batch = next(batches)
            except StopIteration:
                idle_passes = 0 if self._epoch_step else idle_passes + 1
                if idle_passes > 1:  # every batch was empty, twice over: it never ends
                    raise TrainingError(NO_TOKENS) from None
                self.epoch += 1
                self._epoch_step = 0
                batches = iter(self.task.train_batches())
                continue
            lr = self._lr()
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            loss_value, tokens = self._train_step(batch)
            if loss_value is None:
                if not self._recover():
                    return FailedEvent(self.step, "the loss diverged (infinite, NaN or far "
                                       "too large) again after a rollback; training "
                                       "stopped. Try a lower learning rate or check the "
                                       "corpus.")
                batches = iter(self.task.train_batches())
                continue
            if tokens == 0:  # an empty batch, skipped: not a step
                continue
            self.step += 1
            self._epoch_step += 1
            self.elapsed = start_elapsed + (time.perf_counter() - session_start)
            window_loss += loss_value
            window_tokens += tokens * self.world
            window_steps += 1
            now = time.perf_counter()
            tps = window_tokens / max(now - window_t, 1e-9)
            self._train_tps = tps
            progress = self.progress()
            done = progress - start_progress
            eta = ((now - session_start) * (1 - progress) / done) if done > 0 else None
            self.emit(StepEvent(self.step, self._passes(), loss_value, lr, tps, self.elapsed,
                                eta))
            if window_steps >= cfg.log_every:
                self._log_row({"step": self.step, "time": round(self.elapsed, 3),
                               "epoch": round(self._passes(), 4),
                               "train_loss": window_loss / window_steps, "lr": lr,
                               "tokens_per_s": round(tps, 1)})
                window_loss, window_tokens, window_steps, window_t = 0.0, 0, 0, now
            due_eval = self.step % cfg.eval_every == 0 or self._due_by_time()
            if due_eval and self.progress() < 1.0:
                if self._evaluate_and_save():
                    reason = "early-stop"
                last_ckpt = self.elapsed
            elif (self.elapsed - last_ckpt >= cfg.checkpoint_minutes * 60
                  and self.progress() < 1.0):  # else the final evaluation saves it
                self._save(("last",), {})
                last_ckpt = self.elapsed
            if cfg.max_epochs and self.epoch >= cfg.max_epochs:
                reason = "epochs"
        if reason == "epochs" and cfg.max_minutes:  # a recipe's cap on a small corpus
            self.finish_detail = (
                f"all {cfg.max_epochs:g} passes over the training text are done, after "
                f"{self.elapsed / 60:.1f} of {cfg.max_minutes:g} minutes: more passes over "
                "so small a corpus would mostly memorise it")
        if reason in ("budget", "epochs", "stopped") and self.step > 0:
            # the last evaluation of a run that ends on its budget; a stop saves at once
            if reason == "stopped":
                self._save(("last",), {})
            else:
                self._evaluate_and_save()
        if self._save_error is not None:  # the run keeps its previous checkpoint
            return FailedEvent(self.step, f"training reached step {self.step}, but "
                               f"{self._save_error}")
        return FinishedEvent(self.step, reason, dict(self.best_metrics), self.finish_detail)

    def _due_by_time(self) -> bool:
        """``eval_minutes`` have passed since the last evaluation, and evaluating would
        not take more than :data:`MAX_EVAL_SHARE` of the time (a large validation
        text is evaluated less often rather than crowding out training)."""
        if not self.cfg.eval_minutes:
            return False
        since = self.elapsed - self.last_eval_elapsed
        spacing = max(self.cfg.eval_minutes * 60,
                      (self.eval_seconds or 0.0) * (1 - MAX_EVAL_SHARE) / MAX_EVAL_SHARE)
        return since >= spacing

    def _agree(self, *flags: bool) -> tuple[bool, ...]:
        """Under DDP every rank must stop together: take the flags of any rank."""
        if self.world == 1:
            return flags
        t = torch.tensor([float(f) for f in flags], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return tuple(bool(v) for v in t.tolist())

    def _train_step(self, batch) -> tuple[float | None, int]:
        """One optimizer step; None for the loss when it was not finite (step skipped).
        A batch without tokens changes nothing and gives ``(0.0, 0)``."""
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        with self.precision.autocast():
            loss, tokens = self.task.loss(self.model, batch)
        if self._agree(tokens == 0)[0]:  # nothing to learn from (and no mean over zero)
            log.warning("skipped an empty batch (no tokens) after step %d", self.step)
            return 0.0, 0
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        params = self.task.model.parameters()
        if self.cfg.clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, self.cfg.clip)
        else:
            norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
        loss_value = loss.item()
        bad = self._diverged(loss_value) or not math.isfinite(float(norm))
        if self.precision.needs_scaler:
            # fp16: an overflow is routine, the scaler skips the step and lowers its scale
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self._weights_changed()
            return (None if self._diverged(loss_value) else loss_value), tokens
        if self._agree(bad)[0]:
            self.optimizer.zero_grad(set_to_none=True)
            return None, tokens
        self.optimizer.step()
        self._weights_changed()
        return loss_value, tokens

    def _weights_changed(self) -> None:
        """Tell modules that keep derived copies of their weights (a translator's
        low-precision decoding copies, its table of token gates) that the weights
        moved. Their own check of tensor version counters is not enough: a fused
        optimizer step (the default on CUDA) updates weights without bumping them."""
        for module in self.task.model.modules():
            hook = getattr(module, "weights_changed", None)
            if callable(hook):
                hook()

    def _diverged(self, loss: float) -> bool:
        """Not finite, or above the task's ``loss_limit`` (a cross-entropy of 100 nats
        per token is a model that blew up, not one learning slowly; finite garbage
        must not be trained on or saved over the last good checkpoint)."""
        return not math.isfinite(loss) or loss > getattr(self.task, "loss_limit", math.inf)

    def _recover(self) -> bool:
        """After a non-finite loss: roll back to the last good checkpoint and halve
        the learning rate, once. False when it happens again."""
        self.failures += 1
        if self.failures > 1:
            return False
        self.lr_scale *= 0.5
        where = "the start"
        if self.run_dir is not None:
            try:
                ckpt_path = self.run_dir.resolve_checkpoint("last")
                ckpt = self.run_dir.load("last")
                self.task.model.load_state_dict(ckpt.weights)
                state = self.run_dir.load_train_state(ckpt_path)
                self.optimizer.load_state_dict(state["optimizer"])
                self.task.load_state_dict(state["task"])
                where = f"the checkpoint at step {ckpt.info.get('step')}"
            except StudioError:
                where = "the current weights (no checkpoint to roll back to)"
        self.emit(MessageEvent(f"the loss diverged (infinite, NaN or far too large) at step "
                               f"{self.step}: skipped "
                               f"the step, rolled back to {where}, and lowered the learning "
                               f"rate to {self.cfg.lr * self.lr_scale:.2e}", level="warning"))
        return True

    # -- evaluation and checkpoints -------------------------------------------
    def _evaluate_and_save(self) -> bool:
        """Evaluate, save 'last' (and 'best'), emit samples. True: stop early."""
        self.last_eval_elapsed = self.elapsed
        started = time.perf_counter()
        raw = self.model.module if hasattr(self.model, "module") else self.model
        raw.eval()
        # scored in float32, whatever precision trains: the numbers logged here are
        # what ``evaluate`` gives for the saved checkpoint, on any device
        with torch.no_grad():
            metrics = self.task.evaluate(raw, self._stop.is_set)
        if not metrics:  # interrupted by a stop request
            self._save(("last",), {})
            return False
        if self._diverged(float(metrics.get("val_loss", 0.0))):  # blew up since the last step
            log.warning("validation loss %s at step %d: the model diverged; not saved (the "
                        "next step rolls back)", metrics.get("val_loss"), self.step)
            return False
        score = metrics[self.task.score_key]
        better = self.best is None or (score > self.best if self.task.higher_is_better
                                       else score < self.best)
        if better:
            self.best, self.bad_evals = score, 0
            self.best_metrics = {**metrics, "step": self.step}
        else:
            self.bad_evals += 1
            if self.cfg.schedule == "plateau" and self.bad_evals % self.cfg.plateau_patience == 0:
                self.lr_scale *= self.cfg.plateau_factor
                self.emit(MessageEvent(f"validation did not improve for {self.bad_evals} "
                                       f"evaluations: learning rate lowered to "
                                       f"{self.cfg.lr * self.lr_scale:.2e}"))
        self._log_row({"step": self.step, "time": round(self.elapsed, 3), **metrics})
        self.emit(EvalEvent(self.step, metrics, better))
        if self.cfg.samples:
            with torch.no_grad():
                texts = self.task.samples(raw, self.cfg.samples)
            if texts and self.rank == 0 and self.run_dir is not None:
                try:
                    self.run_dir.append_jsonl(SAMPLES, {"step": self.step, "samples": texts})
                except OSError as exc:  # a full disk: the checkpoint save below says so
                    log.warning("could not write the samples: %s", exc)
            self.emit(SampleEvent(self.step, tuple(texts)))
        self._save(("last", "best") if better else ("last",), metrics)
        self.eval_seconds = time.perf_counter() - started
        patience = self.cfg.patience
        if patience and self.bad_evals >= patience:
            self.finish_detail = self._early_stop_detail(patience)
            self.emit(MessageEvent(f"stopping early: {self.finish_detail}"))
            return True
        return False

    def _early_stop_detail(self, patience: int) -> str:
        key = self.task.score_key
        best_step = self.best_metrics.get("step")
        where = f" at step {best_step:,}" if best_step is not None else ""
        return (f"{SCORE_NAMES.get(key, key)} has not improved for {patience} "
                f"evaluations (best {self.best:.4g}{where}); more training is not expected "
                "to help, and the best checkpoint is kept")

    def _save(self, tags: tuple[str, ...], metrics: dict) -> None:
        if self.run_dir is None or self.rank != 0:
            return
        if self._saved[0] == self.step and self._saved[1].issuperset(tags):
            return
        trainer = {"step": self.step, "epoch": self.epoch, "epoch_step": self._epoch_step,
                   "elapsed": self.elapsed, "best": self.best, "best_metrics": self.best_metrics,
                   "bad_evals": self.bad_evals, "lr_scale": self.lr_scale,
                   "failures": self.failures}
        state = {"trainer": trainer, "optimizer": self.optimizer.state_dict(),
                 "scaler": self.scaler.state_dict() if self.scaler.is_enabled() else {},
                 "task": self.task.state_dict(), "rng": {"torch": torch.get_rng_state()}}
        info = {"step": self.step, "epoch": self.epoch, "elapsed": self.elapsed,
                "metrics": metrics,
                "best_metrics": self.best_metrics}
        try:
            folder = self.run_dir.save_checkpoint(
                self.step, tags=tags, keep=self.cfg.keep_checkpoints,
                weights=self.task.model.state_dict(), model_config=self.task.model_config(),
                task=self.task.kind, tokenizers=self.task.tokenizers(), train_state=state,
                info=info)
        except StudioError as exc:
            self._save_error = str(exc)
            self.emit(MessageEvent(str(exc), level="warning"))
            return
        self._save_error = None
        self._saved = (self.step, frozenset(tags))
        self.emit(CheckpointEvent(self.step, folder.name, str(folder), tags))

    def _log_row(self, row: dict) -> None:
        if self.run_dir is not None and self.rank == 0:
            try:
                self.run_dir.append_jsonl(METRICS, row)
            except OSError as exc:
                log.warning("could not write the metrics history: %s", exc)

