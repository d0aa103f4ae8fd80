"""Recipes: settings from the corpus, the budget and the machine's measured speed.

The speed probes are replaced by a cost model (tokens per second falling with
the weights, bf16 a given factor faster), so the rules can be checked exactly
and fast; ``test_speed_*`` times real steps of tiny models.
"""

from __future__ import annotations

import math

import pytest
import torch

from nlp.errors import ConfigError
from nlp.training import recipe as recipes
from nlp.training.config import TrainConfig
from nlp.training.recipe import MAX_EPOCHS, MIN_UPDATES, Budget, plan_lm, plan_mt
from nlp.training.sizing import CorpusSize
from nlp.training.speed import Speed

TS = CorpusSize(1_115_394, "characters", exact=True, symbols=65)
WT2 = CorpusSize(10_797_148, "characters", exact=True, symbols=280)
SAMPLE = CorpusSize(52_311, "characters", exact=True, symbols=70)


def fake_speed(bf16_factor: float = 1.3, scale: float = 3e10):
    """tokens/s = scale / (weights per token), bf16 ``bf16_factor`` times that."""
    calls = []

    def lm_speed(model, batch, seq, device, precision):
        calls.append((model, precision))
        layers, h, e, v = model["layers"], model["hidden"], model["embed"], model["vocab_size"]
        weights = recipes._rnn_weights(layers, h, e) + v * (e if model.get("tied") else h)
        factor = bf16_factor if precision == "bf16" else 1.0
        return Speed(scale * factor / weights, precision)

    def mt_speed(model, batch, src_len, tgt_len, device, precision):
        calls.append((model, precision))
        weights = 3 * recipes._rnn_weights(1, model["hidden"], model["embed"], 3)
        factor = bf16_factor if precision == "bf16" else 1.0
        return Speed(scale * factor / weights, precision)

    return lm_speed, mt_speed, calls


@pytest.fixture
def speed(monkeypatch):
    lm, mt, calls = fake_speed()
    monkeypatch.setattr(recipes, "lm_speed", lm)
    monkeypatch.setattr(recipes, "mt_speed", mt)
    monkeypatch.setattr(recipes, "_bf16_possible", lambda device: True)
    return calls


def steps_of(r) -> int:
    return r.facts["expected_steps"]


def test_a_longer_budget_trains_a_bigger_model(speed):
    one = plan_lm(TS, "char", Budget("minutes", 1), "cpu")
    fifteen = plan_lm(TS, "char", Budget("minutes", 15), "cpu")
    assert one.model["hidden"] < fifteen.model["hidden"]
    for r in (one, fifteen):
        assert steps_of(r) >= MIN_UPDATES["char"]  # enough updates to learn in the budget
        assert 10 <= r.train["warmup_steps"] <= max(10, 0.05 * steps_of(r))
        assert (r.train["batch_size"], r.train["seq_len"]) == (32, 64)
        assert r.train["precision"] == "bf16"  # 1.3x faster in the cost model
        assert r.train["patience"] == 3 and r.train["max_minutes"] in (1, 15)
        TrainConfig.from_dict(r.train)  # a valid training config
    assert one.train["lr"] > fifteen.train["lr"]  # a narrower model takes a higher peak


def test_the_reason_says_what_was_measured_and_chosen(speed):
    r = plan_lm(TS, "char", Budget("minutes", 15), "cpu")
    why = r.why
    assert why.startswith("15 minutes, 1,115,394 characters (1,003,854 training characters)")
    assert f"~{r.facts['tokens_per_s']:,} tokens/s here" in why
    assert f"{r.model['layers']}x{r.model['hidden']} LSTM, batch 32x64" in why
    assert "bf16 (1.3x fp32 here)" in why


def test_bf16_only_where_it_is_faster(monkeypatch):
    lm, mt, _ = fake_speed(bf16_factor=0.8)  # slower, as for a small LSTM under cuDNN
    monkeypatch.setattr(recipes, "lm_speed", lm)
    monkeypatch.setattr(recipes, "_bf16_possible", lambda device: True)
    r = plan_lm(TS, "char", Budget("minutes", 5), "cpu")
    assert r.train["precision"] == "fp32" and "bf16 only 0.80x" in r.why
    monkeypatch.setattr(recipes, "_bf16_possible", lambda device: False)
    assert plan_lm(TS, "char", Budget("minutes", 5), "cpu").train["precision"] == "fp32"


def test_a_small_corpus_stops_after_max_epochs_with_dropout(speed):
    r = plan_lm(SAMPLE, "char", Budget("minutes", 10), "cpu")
    assert r.train["max_epochs"] == MAX_EPOCHS and r.train["max_minutes"] == 10
    assert r.model["dropout"] >= 0.3
    assert "ends after 30 passes" in r.why
    assert r.train["eval_every"] < 10**6 and "eval_minutes" not in r.train  # by steps
    weights = recipes._rnn_weights(r.model["layers"], r.model["hidden"], r.model["embed"])
    assert weights <= recipes.PARAMS_PER_TOKEN * r.facts["train_tokens"]


def test_a_large_corpus_seen_a_few_times_needs_no_dropout(speed):
    r = plan_lm(WT2, "subword", Budget("minutes", 30), "cpu", valid_given=True)
    assert r.model["dropout"] == 0.0 and r.model["tied"]
    assert r.data == {"vocab_size": 8000}  # a validation file: nothing split off
    assert steps_of(r) >= MIN_UPDATES["subword"]
    assert r.train["eval_minutes"] == pytest.approx(30 / recipes.EVALUATIONS)


def test_an_automatic_validation_split_stays_small(speed):
    big = CorpusSize(20_000_000, "characters", symbols=90)
    r = plan_lm(big, "char", Budget("minutes", 1), "cpu")
    assert r.data["val_fraction"] * big.amount <= recipes.MAX_VAL_CHARS + 1
    assert plan_lm(TS, "char", Budget("minutes", 1), "cpu").data["val_fraction"] == 0.1


def test_fields_a_person_sets_are_kept(speed):
    fixed = {"hidden": 100, "layers": 3, "lr": 0.02, "batch_size": 8, "precision": "fp32",
             "dropout": 0.45, "warmup_steps": 7, "patience": 9, "cell": "gru"}
    r = plan_lm(TS, "char", Budget("minutes", 2), "cpu", fixed)
    assert (r.model["hidden"], r.model["layers"], r.model["cell"]) == (100, 3, "gru")
    assert r.model["dropout"] == 0.45
    assert (r.train["lr"], r.train["batch_size"], r.train["precision"]) == (0.02, 8, "fp32")
    assert (r.train["warmup_steps"], r.train["patience"]) == (7, 9)
    assert all(p == "fp32" for _, p in speed)  # a given precision is not measured


def test_epochs_and_steps_budgets(speed):
    r = plan_lm(TS, "char", Budget("epochs", 3), "cpu")
    assert r.train["max_epochs"] == 3 and "max_minutes" not in r.train
    assert steps_of(r) == pytest.approx(3 * r.facts["train_tokens"] / 2048, rel=0.01)
    assert "sized as for 30 minutes" in r.why
    r = plan_lm(TS, "char", Budget("steps", 500), "cpu")
    assert r.train["max_steps"] == 500 and r.train["eval_every"] == 500 // 8
    assert "max_epochs" not in r.train  # a budget of steps is trained as asked


def test_a_tiny_corpus_gets_smaller_batches(speed):
    r = plan_lm(CorpusSize(3_000, "characters", symbols=30), "char", Budget("minutes", 1), "cpu")
    assert r.train["batch_size"] * r.train["seq_len"] * 20 <= r.facts["train_tokens"] + 2048


def test_translator_recipe(speed):
    multi30k = plan_mt(CorpusSize(29_000, "pairs", exact=True), Budget("minutes", 30), "cpu")
    assert multi30k.data == {"vocab_size": 8000, "score": "chrf", "eval_sentences": 500}
    assert multi30k.model["hidden"] <= 512 and multi30k.model["tied"]
    assert multi30k.train["precision"] == "fp32"  # small decoder steps: fp32 on a CPU
    assert "the best validation chrF" in multi30k.why
    few = plan_mt(CorpusSize(400, "pairs", exact=True), Budget("minutes", 30), "cpu")
    assert few.model["hidden"] == 128 and few.train["batch_size"] * 20 <= 400
    assert few.data["vocab_size"] == 1000
    chosen = plan_mt(CorpusSize(29_000, "pairs"), Budget("minutes", 3), "cpu",
                     {"score": "bleu", "hidden": 300})
    assert chosen.data["score"] == "bleu" and chosen.model["hidden"] == 300


def test_budgets_are_checked():
    with pytest.raises(ConfigError, match="hours"):
        Budget("hours", 1)
    for bad in (0, -1, math.inf, math.nan):
        with pytest.raises(ConfigError, match="positive"):
            Budget("minutes", bad)
    assert Budget("minutes", 1).describe() == "1 minute"
    assert Budget("epochs", 2.5).describe() == "2.5 epochs"


def test_speed_probe_is_cached_and_leaves_the_random_state_alone(tmp_path, monkeypatch):
    from nlp.training import speed
    monkeypatch.setenv("RNN_STUDIO_CACHE", str(tmp_path))
    monkeypatch.setattr(speed, "PROBE_SECONDS", 0.05)
    speed._memory.clear()
    model = {"vocab_size": 40, "layers": 1, "hidden": 16, "embed": 8}
    torch.manual_seed(3)
    expected = torch.rand(4)
    torch.manual_seed(3)
    first = speed.lm_speed(model, 4, 8, torch.device("cpu"), "fp32")
    assert torch.equal(torch.rand(4), expected)  # a run training beside it draws the same
    assert first.tokens_per_s > 0 and not first.cached
    speed._memory.clear()  # a new process: read back from the cache file
    again = speed.lm_speed(model, 4, 8, torch.device("cpu"), "fp32")
    assert again.cached and again.tokens_per_s == pytest.approx(first.tokens_per_s, rel=1e-3)
    mt = speed.mt_speed({"src_vocab": 30, "tgt_vocab": 30, "hidden": 16, "embed": 8}, 4, 5, 6,
                        torch.device("cpu"), "fp32")
    assert mt.tokens_per_s > 0
    (tmp_path / speed.CACHE_FILE).write_text("not json")  # a damaged cache is measured anew
    speed._memory.clear()
    assert not speed.lm_speed(model, 4, 8, torch.device("cpu"), "fp32").cached
