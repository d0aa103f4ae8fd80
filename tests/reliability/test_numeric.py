"""Numerical faults in training: an exploding learning rate, NaN and infinity in a
batch, empty batches, an empty validation split.

What the app must do: notice, roll back to the last good checkpoint (or skip the
batch) and go on, or stop with a message a person can act on; the checkpoint on
disk stays the last good one and loads.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading

import pytest
import torch

from nlp.errors import CorpusError
from nlp.tasks.lm.session import LMDataSpec, new_lm_training, resume_lm_training
from nlp.tasks.lm.task import load_lm
from nlp.training.events import FailedEvent, FinishedEvent, MessageEvent

pytestmark = pytest.mark.reliability


def finite(state: dict) -> bool:
    return all(torch.isfinite(t).all() for t in state.values() if t.is_floating_point())


def new_lm(workspace, corpus, tiny, name: str, events: list | None = None, **train):
    """A new tiny character model on ``corpus``: ``(trainer, run)``."""
    listeners = (events.append,) if events is not None else ()
    return new_lm_training(workspace, name, LMDataSpec(corpus=str(corpus)), tiny.lm,
                           tiny.train(**train), listeners)


def poison_losses(task, at: set[int], value: float) -> list[int]:
    """Make the loss of the ``at``-th batches (counting from 0) ``value`` (NaN or
    infinity), as a NaN from the data pipeline would; returns the calls seen."""
    real, calls = task.loss, []

    def loss(model, batch):
        value_, tokens = real(model, batch)
        calls.append(len(calls))
        return (value_ * value if len(calls) - 1 in at else value_), tokens

    task.loss = loss
    return calls


def test_an_exploding_learning_rate_rolls_back_then_stops_and_keeps_the_good_checkpoint(
        runs_workspace, text_corpus, tiny):
    trainer, run = new_lm(runs_workspace, text_corpus, tiny, "explode", max_steps=20)
    assert isinstance(trainer.run(), FinishedEvent)
    good = load_lm(run, "last")[0].state_dict()
    assert run.resolve_checkpoint("last").name == "step-00000020"

    events: list = []
    trainer, run = resume_lm_training(runs_workspace, "explode", listeners=(events.append,))
    trainer.cfg = dataclasses.replace(trainer.cfg, lr=1e6, max_steps=2000, eval_every=5)
    final = trainer.run()

    assert isinstance(final, FailedEvent), final
    assert "lower learning rate" in final.message and "Traceback" not in final.message
    rollbacks = [e.text for e in events if isinstance(e, MessageEvent) and e.level == "warning"]
    assert any("rolled back to the checkpoint at step 20" in t for t in rollbacks), rollbacks
    assert final.step < 2000  # stopped, not trained to the end on garbage
    model, tokenizer, info = load_lm(run, "last")
    assert info["step"] == 20  # nothing non-finite or diverged was saved over it
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], good[k]) for k in good)
    from nlp.decoding.generation import GenerationConfig, generate

    text = generate(model, tokenizer, "the ", GenerationConfig(max_tokens=20, seed=0))[0]
    assert len(text) > 0


@pytest.mark.parametrize("poison", [math.nan, math.inf])
def test_one_bad_batch_is_skipped_rolled_back_and_training_goes_on(
        runs_workspace, text_corpus, tiny, poison):
    events: list = []
    trainer, run = new_lm(runs_workspace, text_corpus, tiny, "bad-batch", events,
                          max_steps=30, eval_every=10)
    poison_losses(trainer.task, {15}, poison)
    final = trainer.run()

    assert isinstance(final, FinishedEvent) and final.step == 30, final
    warnings = [e.text for e in events if isinstance(e, MessageEvent) and e.level == "warning"]
    assert len(warnings) == 1 and "rolled back to the checkpoint at step 10" in warnings[0]
    model, _, info = load_lm(run, "last")
    assert info["step"] == 30 and finite(model.state_dict())


def test_a_second_bad_batch_stops_with_a_message_and_the_checkpoint_intact(
        runs_workspace, text_corpus, tiny):
    trainer, run = new_lm(runs_workspace, text_corpus, tiny, "twice", max_steps=40,
                          eval_every=10)
    poison_losses(trainer.task, {12, 25}, math.nan)
    final = trainer.run()

    assert isinstance(final, FailedEvent) and "again after a rollback" in final.message
    model, _, info = load_lm(run, "last")
    assert info["step"] in (10, 20) and finite(model.state_dict())


def empty_batches_at(task, positions: set[int]):
    """Insert batches with no tokens (no columns, or no rows) before the given batches."""
    real = task.train_batches

    def batches():
        for i, (x, y) in enumerate(real()):
            if i in positions:
                yield x[:, :0], y[:, :0]  # (B, 0): rows of no tokens
                yield x[:0], y[:0]  # (0, T): no rows
            yield x, y

    task.train_batches = batches


def test_empty_batches_are_skipped_with_a_log_line(runs_workspace, text_corpus, tiny,
                                                    caplog):
    trainer, run = new_lm(runs_workspace, text_corpus, tiny, "empty", max_steps=12)
    empty_batches_at(trainer.task, {2, 6})
    with caplog.at_level(logging.WARNING, logger="nlp.training.trainer"):
        final = trainer.run()

    assert isinstance(final, FinishedEvent) and final.step == 12, final
    skipped = [r for r in caplog.records if "empty batch" in r.getMessage()]
    assert len(skipped) == 4
    model, _, _ = load_lm(run, "last")
    assert finite(model.state_dict())


def test_a_translator_batch_without_target_tokens_is_skipped(
        runs_workspace, pairs_corpus, tiny, caplog):
    from nlp.tasks.mt.session import MTDataSpec, new_mt_training

    spec = MTDataSpec(pairs=str(pairs_corpus), vocab_size=60, score="val_loss",
                      eval_sentences=0)
    trainer, run = new_mt_training(runs_workspace, "mt-empty", spec, tiny.mt,
                                   tiny.train(max_steps=6))
    real = trainer.task.train_batches

    def batches():
        for i, batch in enumerate(real()):
            if i == 2:  # every target position masked out: nothing to learn from
                yield dataclasses.replace(batch, tgt_mask=torch.zeros_like(batch.tgt_mask))
            yield batch

    trainer.task.train_batches = batches
    with caplog.at_level(logging.WARNING, logger="nlp.training.trainer"):
        final = trainer.run()
    assert isinstance(final, FinishedEvent) and final.step == 6, final
    assert any("empty batch" in r.getMessage() for r in caplog.records)


def test_data_that_gives_only_empty_batches_stops_with_a_message(runs_workspace,
                                                                   text_corpus, tiny):
    trainer, run = new_lm(runs_workspace, text_corpus, tiny, "nothing", max_steps=10)
    real = trainer.task.train_batches
    trainer.task.train_batches = lambda: ((x[:, :0], y[:, :0]) for x, y in real())
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(trainer.run()), daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # the bug this guards against: an endless loop
        trainer.request_stop()
        worker.join(10)
    assert outcome and isinstance(outcome[0], FailedEvent), outcome
    assert "no tokens" in outcome[0].message


def test_a_validation_text_too_short_to_score_is_refused_before_training(
        runs_workspace, text_corpus, tmp_path, tiny):
    valid = tmp_path / "valid.txt"
    valid.write_text("x", encoding="utf-8")
    spec = LMDataSpec(corpus=str(text_corpus), valid=str(valid))
    with pytest.raises(CorpusError, match="validation"):
        new_lm_training(runs_workspace, "short-valid", spec, tiny.lm, tiny.train())
    assert not (runs_workspace.runs_dir / "short-valid").exists()


def test_a_blank_validation_file_is_refused_with_a_message(runs_workspace, text_corpus,
                                                            tmp_path, tiny):
    valid = tmp_path / "blank.txt"
    valid.write_text("  \n\n", encoding="utf-8")
    spec = LMDataSpec(corpus=str(text_corpus), valid=str(valid))
    with pytest.raises(CorpusError, match="empty"):
        new_lm_training(runs_workspace, "blank-valid", spec, tiny.lm, tiny.train())


@pytest.mark.parametrize("nan", ["once", "in every pass"])
def test_a_nan_value_in_a_series_batch_rolls_back_and_an_empty_batch_is_skipped(
        runs_workspace, tmp_path, tiny, caplog, nan):
    """The time-series task's batches are float values: a NaN can sit in the data itself.
    Once, training rolls back and goes on; a NaN met again after the rollback stops it."""
    from nlp.tasks.series.data import SeriesDataSpec
    from nlp.tasks.series.session import new_series_training

    csv = tmp_path / "sine.csv"
    csv.write_text("value\n" + "".join(f"{math.sin(t / 3):.5f}\n" for t in range(300)),
                   encoding="utf-8")
    events: list = []
    trainer, run = new_series_training(
        runs_workspace, "series", SeriesDataSpec(csv=str(csv), window=8, horizon=4),
        tiny.series, tiny.train(max_steps=80, batch_size=8),
        (events.append,))
    real, poisoned = trainer.task.train_batches, []
    first_checkpoint = trainer.cfg.eval_every  # one epoch: the series task evaluates then

    def batches():  # each pass (a rollback starts a new one) counts batches from 0
        for i, (x, y) in enumerate(real()):
            if i == 3:
                yield x[:0], y[:0]  # no rows
            late = trainer.step > first_checkpoint
            if i == 12 and late and (nan == "in every pass" or not poisoned):
                poisoned.append(i)
                x = x.clone()
                x[0, -1, 0] = math.nan  # a NaN value in the window
            yield x, y

    trainer.task.train_batches = batches
    with caplog.at_level(logging.WARNING, logger="nlp.training.trainer"):
        final = trainer.run()

    warnings = [e.text for e in events if isinstance(e, MessageEvent) and e.level == "warning"]
    assert len(warnings) == 1 and "rolled back" in warnings[0]
    assert any("empty batch" in r.getMessage() for r in caplog.records)
    if nan == "once":
        assert isinstance(final, FinishedEvent) and final.step == 80, final
    else:
        assert isinstance(final, FailedEvent) and "again after a rollback" in final.message
    last = run.load("last")
    assert finite(last.weights) and last.info["step"] >= first_checkpoint
