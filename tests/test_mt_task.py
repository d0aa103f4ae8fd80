"""Translator data preparation, the trainer task, resuming and loading, on tiny data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.seq2seq import Seq2Seq, Seq2SeqConfig
from nlp.data.pairs import PairFilter
from nlp.errors import ConfigError
from nlp.runs.workspace import Workspace
from nlp.tasks.mt.scores import bleu_tokenizer, score_translations
from nlp.tasks.mt.session import MTDataSpec, new_mt_training, resume_mt_training
from nlp.tasks.mt.task import MTTask, load_mt, load_translator, prepare_mt_data
from nlp.training.config import TrainConfig
from nlp.training.events import StepEvent

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
UNS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
TINY_MODEL = {"embed": 16, "hidden": 16, "dropout": 0.0}


def pairs_tsv(path, n=240, seed=0):
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n):
        digits = rng.integers(0, 10, size=rng.integers(1, 5))
        lines.append(" ".join(ONES[d] for d in digits) + "\t" + " ".join(UNS[d] for d in digits))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tsv(tmp_path):
    return pairs_tsv(tmp_path / "pairs.tsv")


def train_cfg(**kw):
    base = dict(max_steps=6, batch_size=16, eval_every=3, warmup_steps=2, lr=3e-3,
                precision="fp32", device="cpu", threads=1, samples=1, seed=3)
    return TrainConfig(**{**base, **kw})


def test_prepare_split_tokenizers_and_cache(tsv, tmp_path):
    data = prepare_mt_data(tsv, val_fraction=0.1, vocab_size=300)
    assert data.train_info.n_pairs == 216 and data.val_info.n_pairs == 24
    assert len(data.val_pairs) == 24 and not data.joint
    assert data.src_tokenizer is not data.tgt_tokenizer
    src, tgt = data.val_pairs[0]
    assert data.src_tokenizer.decode(data.val_src[0]) == src
    assert data.tgt_tokenizer.decode(data.val_tgt[0]) == tgt
    again = prepare_mt_data(tsv, val_fraction=0.1,
                            tokenizers=(data.src_tokenizer, data.tgt_tokenizer))
    assert np.array_equal(np.asarray(again.train_src.ids), np.asarray(data.train_src.ids))
    joint = prepare_mt_data(tsv, valid=pairs_tsv(tmp_path / "v.tsv", 10, seed=1), joint=True,
                            vocab_size=300, pair_filter=PairFilter(max_words=3))
    assert joint.joint and joint.src_tokenizer is joint.tgt_tokenizer
    assert joint.val_info.n_pairs == 10 and joint.train_info.n_pairs < 240
    assert set(joint.tokenizer_bytes()) == {"joint"}


def test_task_trains_and_evaluates_bleu_and_loss(tsv):
    data = prepare_mt_data(tsv, val_fraction=0.1, vocab_size=300)
    cfg = Seq2SeqConfig(src_vocab=data.src_tokenizer.vocab_size,
                        tgt_vocab=data.tgt_tokenizer.vocab_size, **TINY_MODEL)
    torch.manual_seed(0)
    task = MTTask(Seq2Seq(cfg), data, eval_sentences=10)
    task.setup(torch.device("cpu"), train_cfg(), 0, 1)
    batch = next(iter(task.train_batches()))
    loss, tokens = task.loss(task.model, batch)
    assert tokens == batch.n_tgt_tokens and torch.isfinite(loss)
    task.model.eval()
    with torch.no_grad():
        metrics = task.evaluate(task.model, lambda: False)
    assert set(metrics) == {"val_loss", "val_ppl", "bleu", "chrf"}
    assert metrics["val_ppl"] == pytest.approx(math.exp(metrics["val_loss"]))
    assert task.evaluate(task.model, lambda: True) == {}  # a stop request interrupts
    samples = task.samples(task.model, 2)
    assert len(samples) == 2 and " => " in samples[0]
    with pytest.raises(ConfigError, match="bleu, chrf, val_loss"):
        MTTask(Seq2Seq(cfg), data, score="accuracy")


def test_resume_continues_like_an_uninterrupted_run(tsv, tmp_path):
    spec = MTDataSpec(pairs=str(tsv), vocab_size=300, val_fraction=0.1, eval_sentences=8)
    ws = Workspace(tmp_path / "ws")
    straight, _ = new_mt_training(ws, "straight", spec, TINY_MODEL, train_cfg(max_steps=8))
    assert straight.run().reason == "budget"

    trainer, run = new_mt_training(ws, "cut", spec, TINY_MODEL, train_cfg(max_steps=8))
    trainer.listeners.append(lambda e: isinstance(e, StepEvent) and e.step == 4
                             and trainer.request_stop())
    assert trainer.run().reason == "stopped"
    resumed, _ = resume_mt_training(ws, "cut")
    final = resumed.run()
    assert final.reason == "budget" and final.step == 8
    a = straight.task.model.state_dict()
    b = resumed.task.model.state_dict()
    for name in a:
        assert torch.allclose(a[name], b[name], atol=1e-5), name
    steps = [r["step"] for r in run.metrics() if "val_loss" in r]
    assert steps == [3, 6, 8]


def test_load_translator_from_a_run(tsv, tmp_path):
    spec = MTDataSpec(pairs=str(tsv), vocab_size=300, joint_vocab=True, score="val_loss",
                      eval_sentences=0)
    trainer, run = new_mt_training(Workspace(tmp_path / "ws"), "j", spec,
                                   {**TINY_MODEL, "tied": True}, train_cfg(max_steps=3))
    trainer.run()
    model, src_tok, tgt_tok, info = load_mt(run, "best")
    assert src_tok is tgt_tok and model.cfg.joint_vocab and model.cfg.tied
    assert info["step"] == 3
    translator = load_translator(run)
    out = translator.translate(["one two", "", "nine"], beam=2)
    assert len(out) == 3 and out[1].text == ""
    with pytest.raises(ConfigError, match="--pairs"):
        MTDataSpec(vocab_size=300)


def test_scores_and_tokenizer_choice():
    refs = ["the cat sat on the mat", "a dog"]
    perfect = score_translations(refs, refs)
    assert perfect.bleu == pytest.approx(100.0) and perfect.ter == pytest.approx(0.0)
    assert "tok:13a" in perfect.signatures["BLEU"]
    assert bleu_tokenizer(["我们今天去公园玩。"]) == "zh"
    assert bleu_tokenizer(["今日は公園に行きます。"]) == "char"
    assert bleu_tokenizer(refs) == "13a"
    zh = score_translations(["我们去公园。"], ["我们今天去公园。"])
    assert "tok:zh" in zh.signatures["BLEU"] and 0 < zh.bleu < 100
    with pytest.raises(ConfigError, match="one reference line per source line"):
        score_translations(["a"], ["a", "b"])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")
@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_cuda_training_and_translation(tsv, tmp_path, precision):
    from nlp.decoding.beam import SearchConfig, beam_search

    spec = MTDataSpec(pairs=str(tsv), vocab_size=300, eval_sentences=16)
    trainer, run = new_mt_training(Workspace(tmp_path / "ws"), "gpu", spec, TINY_MODEL,
                                   train_cfg(max_steps=30, eval_every=15, device="cuda",
                                             precision=precision))
    final = trainer.run()
    assert final.reason == "budget", final
    assert next(trainer.task.model.parameters()).is_cuda
    assert math.isfinite(final.best_metrics["val_loss"]) and "bleu" in final.best_metrics
    auto = load_translator(run, device="cuda")  # bf16 products where the GPU has them
    assert auto.precision.name in ("bf16", "fp16")
    texts = ["one two three", "", "nine nine", "x" * 500]
    assert len(auto.translate(texts, beam=3)) == 4
    gpu = load_translator(run, device="cuda", precision="fp32")
    cpu = load_translator(run, precision="fp32")
    on_gpu, on_cpu = gpu.translate(texts, beam=3), cpu.translate(texts, beam=3)
    assert [r.text for r in on_gpu[:3]] == [r.text for r in on_cpu[:3]]
    # from 500 characters this barely trained model makes a long repetitive line, where
    # near-equal candidates may fall either way on other hardware: they must score alike
    assert "\n" not in on_gpu[3].text
    for g, c in zip(on_gpu, on_cpu, strict=True):
        assert g.n_best[0][1] == pytest.approx(c.n_best[0][1], abs=0.05)
    src = torch.tensor([[5, 6, 7, 2], [8, 2, 0, 0]])
    lengths = torch.tensor([4, 2])
    on_gpu = beam_search(gpu.model, src.cuda(), lengths, SearchConfig(beam=4, n_best=2))
    on_cpu = beam_search(cpu.model, src, lengths, SearchConfig(beam=4, n_best=2))
    for g, c in zip(on_gpu, on_cpu, strict=True):
        assert g[0].tokens == c[0].tokens
        assert g[0].score == pytest.approx(c[0].score, abs=1e-3)
