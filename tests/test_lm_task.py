"""Language-model data, scoring and the trainer task on a tiny corpus."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.language_model import LanguageModel, LMConfig
from nlp.runs.workspace import Workspace
from nlp.tasks.lm.task import LMTask, evaluate_lm, load_lm, prepare_lm_data
from nlp.training.config import TrainConfig
from nlp.training.trainer import Trainer


def test_prepare_splits_90_10_and_counts(text_corpus):
    text = text_corpus.read_text(encoding="utf-8")
    data = prepare_lm_data(text_corpus, level="char")
    n = len(text)
    assert data.train_info.n_tokens == int(n * 0.9)
    assert data.val_info.n_tokens == n - int(n * 0.9)
    assert data.tokenizer.decode(data.val[:20].tolist()) == text[int(n * 0.9):][:20]
    again = prepare_lm_data(text_corpus, level="char")  # from the cache
    assert np.array_equal(np.asarray(again.train), np.asarray(data.train))


def test_evaluate_scores_every_token_once(text_corpus):
    data = prepare_lm_data(text_corpus, level="char")
    torch.manual_seed(0)
    model = LanguageModel(LMConfig(vocab_size=data.tokenizer.vocab_size, embed=8, hidden=16,
                                   layers=1, dropout=0.0)).eval()
    ids = np.asarray(data.val)
    # one stream, the reference: every token after the first, predicted with full context
    x = torch.from_numpy(ids[:-1].astype(np.int64))[None]
    y = torch.from_numpy(ids[1:].astype(np.int64))
    with torch.no_grad():
        logits, _, _ = model(x)
    total = torch.nn.functional.cross_entropy(logits[0], y, reduction="sum").item()
    one = evaluate_lm(model, ids, 100, 10, batch_rows=1, seq_len=37)
    assert one["val_loss"] == pytest.approx(total / (len(ids) - 1), rel=1e-5)
    many = evaluate_lm(model, ids, 100, 10, batch_rows=7, seq_len=50)
    # several streams start from a zero state, so the loss differs a little, not the count
    assert many["val_loss"] == pytest.approx(one["val_loss"], rel=0.05)
    assert one["val_bpc"] == pytest.approx(total / 100 / math.log(2), rel=1e-5)
    assert one["val_word_ppl"] == pytest.approx(math.exp(total / 10), rel=1e-4)


def test_train_save_load_generate_round_trip(text_corpus, tmp_path):
    data = prepare_lm_data(text_corpus, level="char")
    model = LanguageModel(LMConfig(vocab_size=data.tokenizer.vocab_size, embed=16, hidden=32,
                                   layers=2, dropout=0.0))
    run = Workspace(tmp_path / "ws").create_run("tiny", {"task": "lm"})
    cfg = TrainConfig(lr=1e-2, batch_size=8, seq_len=32, max_steps=60, eval_every=30,
                      warmup_steps=5, device="cpu", precision="fp32", samples=1)
    final = Trainer(LMTask(model, data), cfg, run).run()
    assert final.reason == "budget", final
    assert final.best_metrics["val_loss"] < math.log(data.tokenizer.vocab_size)
    loaded, tokenizer, info = load_lm(run, "best")
    assert tokenizer.to_bytes() == data.tokenizer.to_bytes()
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values(), strict=True):
        torch.testing.assert_close(a.cpu(), b)
    assert run.samples()[-1]["samples"]
