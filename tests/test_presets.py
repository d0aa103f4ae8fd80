"""Suggested sizes for a corpus, and the instant corpus measurements behind them."""

from __future__ import annotations

import gzip

import pytest

from nlp import presets
from nlp.errors import ConfigError, CorpusError
from nlp.presets import (
    MIN_STEPS_PER_EPOCH,
    CorpusSize,
    budget_settings,
    measure_pairs,
    measure_text,
    suggest,
    suggest_lm,
    suggest_mt,
)


def test_measure_text_file_folder_and_gzip(tmp_path):
    (tmp_path / "a.txt").write_text("hello world\n" * 100, encoding="utf-8")
    assert measure_text(tmp_path / "a.txt").amount == 1200
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "one.txt").write_text("x" * 500, encoding="utf-8")
    with gzip.open(folder / "two.txt.gz", "wt", encoding="utf-8") as f:
        f.write("y" * 3000)
    (folder / "skip.bin").write_bytes(b"\0" * 9999)  # not a text name: not in the corpus
    assert measure_text(folder).amount == 3500


def test_measure_text_counts_characters_not_bytes(tmp_path):
    chinese = tmp_path / "zh.txt"
    chinese.write_text("天地玄黄宇宙洪荒" * 100, encoding="utf-8")  # 3 bytes per character
    assert measure_text(chinese).amount == pytest.approx(800, rel=0.01)
    utf16 = tmp_path / "u16.txt"
    utf16.write_text("abcd" * 100, encoding="utf-16")  # BOM, 2 bytes per character
    assert measure_text(utf16).amount == pytest.approx(400, rel=0.01)


def test_measure_pairs_exact_and_estimated(tmp_path, monkeypatch):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("".join(f"one {i}\tun {i}\n" for i in range(300)), encoding="utf-8")
    size = measure_pairs(tsv)
    assert (size.amount, size.unit, size.exact) == (300, "pairs", True)
    monkeypatch.setattr(presets, "EXACT_LINES_BYTES", 100)
    estimate = measure_pairs(tsv)
    assert not estimate.exact and estimate.amount == pytest.approx(300, rel=0.1)
    assert estimate.describe().startswith("about ")


def test_measuring_a_missing_corpus_says_so(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        measure_text(tmp_path / "nope.txt")
    with pytest.raises(CorpusError, match="folder"):
        measure_pairs(tmp_path)


def test_describe_rounds_estimates():
    assert CorpusSize(52311, "characters").describe() == "about 52,000 characters"
    assert CorpusSize(19000, "pairs", exact=True).describe() == "19,000 pairs"


@pytest.mark.parametrize("level", ["char", "subword"])
def test_models_grow_with_the_corpus(level):
    sizes = [suggest_lm(n, level) for n in (5_000, 300_000, 3_000_000, 100_000_000)]
    hidden = [p.hidden for p in sizes]
    assert hidden == sorted(hidden) and hidden[0] < hidden[-1]
    assert sizes[0].dropout >= sizes[-1].dropout  # small corpora: more regularisation


def test_char_model_for_a_book_is_the_classic_size():
    p = suggest_lm(1_100_000, "char")  # tinyshakespeare
    assert (p.layers, p.hidden, p.embed, p.batch_size, p.seq_len) == (2, 512, 128, 64, 128)
    assert p.vocab_size == 0 and not p.tied


@pytest.mark.parametrize("n_chars", [300, 3_000, 40_000])
def test_batches_fit_a_small_corpus(n_chars):
    p = suggest_lm(n_chars, "char")
    train_tokens = n_chars * 0.9
    fits = p.batch_size * p.seq_len * MIN_STEPS_PER_EPOCH <= train_tokens
    assert fits or (p.batch_size == 1 and p.seq_len <= 16)
    assert p.batch_size >= 1 and p.seq_len >= 8


def test_subword_vocabulary_stays_below_what_a_small_corpus_can_fill():
    assert suggest_lm(50_000, "subword").vocab_size <= 1000
    assert suggest_lm(100_000_000, "subword").vocab_size >= 8000
    assert suggest_lm(50_000, "subword").tied


def test_translator_tiers():
    small, numbers, multi30k = suggest_mt(400), suggest_mt(19_000), suggest_mt(29_000)
    assert small.hidden < numbers.hidden < multi30k.hidden
    assert numbers.hidden == 256 and numbers.lr == pytest.approx(2e-3)
    assert small.batch_size * MIN_STEPS_PER_EPOCH <= 400
    assert all(p.why for p in (small, numbers, multi30k))


def test_suggest_dispatches_on_task():
    assert suggest("mt", CorpusSize(19_000, "pairs")) == suggest_mt(19_000)
    assert suggest("subword", CorpusSize(10**6, "characters")) == suggest_lm(10**6, "subword")


def test_budget_settings():
    steps = budget_settings("steps", 50)
    assert steps["max_steps"] == 50 and steps["eval_every"] == 5 and steps["warmup_steps"] == 5
    minutes = budget_settings("minutes", 30)
    assert minutes["max_minutes"] == 30 and 0.25 <= minutes["eval_minutes"] <= 5
    assert budget_settings("epochs", 2)["max_epochs"] == 2
    with pytest.raises(ConfigError, match="minutes"):
        budget_settings("hours", 1)


def test_budget_settings_make_a_valid_train_config():
    from nlp.train_config import TrainConfig

    for unit, amount in (("minutes", 0.1), ("epochs", 1), ("steps", 1)):
        TrainConfig(**budget_settings(unit, amount))
