"""The training loop with a tiny stand-in task: events, budget, stop, resume, rollback."""

from __future__ import annotations

import math
import threading

import pytest
import torch
from torch import nn

from nlp.errors import ConfigError
from nlp.runs.workspace import Workspace
from nlp.training.config import TrainConfig
from nlp.training.events import (
    CheckpointEvent,
    EvalEvent,
    FailedEvent,
    FinishedEvent,
    MessageEvent,
    SampleEvent,
    StepEvent,
)
from nlp.training.trainer import Trainer


class ToyTask:
    """Regression y = x @ w on a fixed data set, read in a resumable order."""

    kind = "lm"
    score_key = "val_loss"
    higher_is_better = False

    def __init__(self, poison_at: set[int] | None = None):
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.1), nn.Linear(8, 1))
        g = torch.Generator().manual_seed(1)
        self.x = torch.randn(64, 4, generator=g)
        self.y = self.x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
        self.position = 0
        self.poison_at = poison_at or set()
        self.batches_seen = 0

    def model_config(self):
        return {"toy": True}

    def tokenizers(self):
        return {"main": b"toy"}

    def setup(self, device, cfg, rank, world):
        self.bs = cfg.batch_size

    def steps_per_epoch(self):
        return 64 // self.bs

    def train_batches(self):
        while self.position < self.steps_per_epoch():
            i = self.position
            self.position += 1
            yield i
        self.position = 0

    def loss(self, model, i):
        self.batches_seen += 1
        sl = slice(i * self.bs, (i + 1) * self.bs)
        loss = nn.functional.mse_loss(model(self.x[sl]), self.y[sl])
        if self.batches_seen in self.poison_at:
            loss = loss * float("nan")
        return loss, self.bs

    def evaluate(self, model, should_stop):
        return {"val_loss": nn.functional.mse_loss(model(self.x), self.y).item()}

    def samples(self, model, count):
        return ["sample"] * count

    def state_dict(self):
        return {"position": self.position}

    def load_state_dict(self, state):
        self.position = int(state["position"])


def cfg(**kw):
    base = dict(lr=1e-2, batch_size=8, max_steps=30, eval_every=10, warmup_steps=2,
                log_every=5, device="cpu", precision="fp32", samples=1, seed=3)
    base.update(kw)
    return TrainConfig(**base)


def test_events_and_checkpoints(tmp_path):
    run = Workspace(tmp_path).create_run("toy", {"task": "lm"})
    events = []
    final = Trainer(ToyTask(), cfg(), run, (events.append,)).run()
    kinds = {type(e) for e in events}
    assert {StepEvent, EvalEvent, SampleEvent, CheckpointEvent, FinishedEvent} <= kinds
    assert isinstance(final, FinishedEvent) and final.reason == "budget" and final.step == 30
    evals = [e for e in events if isinstance(e, EvalEvent)]
    assert [e.step for e in evals] == [10, 20, 30]
    assert evals[-1].metrics["val_loss"] < evals[0].metrics["val_loss"]
    assert run.read_index()["last"] == "step-00000030"
    rows = run.metrics()
    assert [r["step"] for r in rows if "train_loss" in r] == [5, 10, 15, 20, 25, 30]
    assert all(math.isfinite(r["lr"]) for r in rows if "lr" in r)


def test_resume_continues_exactly(tmp_path):
    ws = Workspace(tmp_path)
    straight = ToyTask()
    Trainer(straight, cfg(max_steps=20), ws.create_run("a", {"task": "lm"})).run()
    # the same run, stopped at step 10 and resumed from its checkpoint
    run_c = ws.create_run("c", {"task": "lm"})
    stopper = ToyTask()
    t = Trainer(stopper, cfg(max_steps=20), run_c)
    t.listeners.append(lambda e: isinstance(e, StepEvent) and e.step == 10 and t.request_stop())
    assert t.run().reason == "stopped"
    resumed = ToyTask()
    t2 = Trainer(resumed, cfg(max_steps=20), run_c)
    resumed.model.load_state_dict(run_c.load("last").weights)
    t2.resume_from(run_c.resolve_checkpoint("last"))
    final = t2.run()
    assert final.step == 20
    for a, b in zip(straight.model.parameters(), resumed.model.parameters(), strict=True):
        torch.testing.assert_close(a, b)
    steps = [r["step"] for r in run_c.metrics() if "train_loss" in r]
    assert steps == sorted(steps) and len(steps) == len(set(steps))


def test_stop_from_another_thread(tmp_path):
    run = Workspace(tmp_path).create_run("toy", {"task": "lm"})
    trainer = Trainer(ToyTask(), cfg(max_steps=None, max_minutes=10), run)
    timer = threading.Timer(0.3, trainer.request_stop)
    timer.start()
    final = trainer.run()
    assert final.reason == "stopped"
    assert run.read_index()["last"] == f"step-{final.step:08d}"


def test_nan_rolls_back_once_then_fails(tmp_path):
    run = Workspace(tmp_path).create_run("toy", {"task": "lm"})
    events = []
    final = Trainer(ToyTask(poison_at={15}), cfg(), run, (events.append,)).run()
    assert isinstance(final, FinishedEvent)
    warnings = [e.text for e in events if isinstance(e, MessageEvent) and e.level == "warning"]
    assert any("rolled back to the checkpoint at step 10" in w for w in warnings)

    run2 = Workspace(tmp_path).create_run("toy2", {"task": "lm"})
    final = Trainer(ToyTask(poison_at={15, 18}), cfg(), run2).run()
    assert isinstance(final, FailedEvent) and "again" in final.message


def test_early_stopping(tmp_path):
    class Flat(ToyTask):
        def evaluate(self, model, should_stop):
            return {"val_loss": 1.0}

    events = []
    final = Trainer(Flat(), cfg(max_steps=100, eval_every=5, patience=2), None,
                    (events.append,)).run()
    assert final.reason == "early-stop" and final.step == 15
    assert final.best_metrics["step"] == 5
    assert final.detail.startswith("validation loss has not improved for 2 evaluations "
                                   "(best 1 at step 5)")


def test_how_a_run_ended_is_kept_in_the_run(tmp_path):
    class Worse(ToyTask):  # validation gets worse after the first evaluation
        def evaluate(self, model, should_stop):
            self.evals = getattr(self, "evals", 0) + 1
            return {"val_loss": float(self.evals)}

    run = Workspace(tmp_path).create_run("toy", {"task": "lm"})
    final = Trainer(Worse(), cfg(max_steps=100, eval_every=5, patience=3), run).run()
    outcome = run.read_config()["outcome"]
    assert outcome["reason"] == "early-stop" and outcome["step"] == final.step == 20
    assert outcome["best_step"] == 5 and "not improved for 3" in outcome["detail"]
    assert run.read_index()["best"] == "step-00000005"
    assert run.summary().best_step == 5


def test_a_time_budget_that_also_caps_the_passes_says_why(tmp_path):
    final = Trainer(ToyTask(), cfg(max_steps=None, max_minutes=10, max_epochs=2), None).run()
    assert final.reason == "epochs" and final.step == 16
    assert final.detail.startswith("all 2 passes over the training text are done")


def test_a_time_budget_keeps_time_for_the_final_evaluation(tmp_path):
    """--minutes M ends training when what is left is what the last evaluation took."""
    import time

    class SlowEval(ToyTask):
        def evaluate(self, model, should_stop):
            time.sleep(0.4)
            return super().evaluate(model, should_stop)

        def samples(self, model, count):
            return []

    minutes = 1.5 / 60
    trainer = Trainer(SlowEval(), cfg(max_steps=None, max_minutes=minutes, eval_every=10**6,
                                      eval_minutes=0.5 / 60, samples=0), None)
    start = time.perf_counter()
    final = trainer.run()
    wall = time.perf_counter() - start
    assert final.reason == "budget"
    assert trainer.eval_seconds == pytest.approx(0.4, abs=0.15)
    assert wall <= minutes * 60 + 0.25, "the final evaluation fits inside the budget"


def test_budget_is_required():
    with pytest.raises(Exception, match="budget"):
        TrainConfig(max_steps=None)


def test_settings_of_earlier_runs_still_load():
    old = {**TrainConfig(max_steps=5).to_dict(), "eval_batches": None}
    assert TrainConfig.from_dict(old) == TrainConfig(max_steps=5)
    with pytest.raises(ConfigError, match="Unknown training setting"):
        TrainConfig.from_dict({"max_steps": 5, "eval_batchez": 3})


def test_resume_mid_epoch_keeps_the_epoch_fraction(tmp_path):
    # 8 steps per epoch; stopped at step 13 = 1 epoch + 5/8: the first step after the
    # resume is step 14, at 1 + 6/8 epochs (it once read 0.125: the fraction was lost)
    run = Workspace(tmp_path).create_run("mid", {"task": "lm"})
    t = Trainer(ToyTask(), cfg(max_steps=40, eval_every=100), run)
    t.listeners.append(lambda e: isinstance(e, StepEvent) and e.step == 13 and t.request_stop())
    assert t.run().reason == "stopped"
    resumed = ToyTask()
    events = []
    t2 = Trainer(resumed, cfg(max_steps=40, eval_every=100), run, (events.append,))
    resumed.model.load_state_dict(run.load("last").weights)
    t2.resume_from(run.resolve_checkpoint("last"))
    t2.run()
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert steps[0].step == 14
    assert steps[0].epoch == pytest.approx(1 + 6 / 8)
    assert steps[-1].step == 40 and steps[-1].epoch == pytest.approx(40 / 8)


def test_a_run_stopped_before_its_first_evaluation_says_so(tmp_path):
    run = Workspace(tmp_path).create_run("early", {"task": "lm"})
    t = Trainer(ToyTask(), cfg(max_steps=40, eval_every=100), run)
    t.listeners.append(lambda e: isinstance(e, StepEvent) and e.step == 3 and t.request_stop())
    assert t.run().reason == "stopped"
    summary = run.summary()
    assert summary.step == 3 and summary.best == {}
    assert summary.no_best == "stopped before its first evaluation"


def test_resume_of_an_older_checkpoint_takes_the_fraction_from_the_data_position(tmp_path):
    # checkpoints written before "epoch_step" was kept: the task's data position says it
    run = Workspace(tmp_path).create_run("old", {"task": "lm"})
    t = Trainer(ToyTask(), cfg(max_steps=40, eval_every=100), run)
    t.listeners.append(lambda e: isinstance(e, StepEvent) and e.step == 13 and t.request_stop())
    t.run()
    original = run.load_train_state

    def without_epoch_step(checkpoint):
        state = original(checkpoint)
        state["trainer"].pop("epoch_step")
        return state

    run.load_train_state = without_epoch_step
    events = []
    t2 = Trainer(ToyTask(), cfg(max_steps=14, eval_every=100), run, (events.append,))
    t2.resume_from(run.resolve_checkpoint("last"))
    t2.run()
    first = next(e for e in events if isinstance(e, StepEvent))
    assert first.step == 14 and first.epoch == pytest.approx(1 + 6 / 8)
