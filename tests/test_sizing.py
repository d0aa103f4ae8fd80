"""The instant corpus measurements a recipe starts from, and budget settings."""

from __future__ import annotations

import gzip

import pytest

from nlp.errors import ConfigError, CorpusError
from nlp.training import sizing
from nlp.training.sizing import (
    CorpusSize,
    budget_settings,
    measure_pairs,
    measure_text,
    pair_lengths,
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
    monkeypatch.setattr(sizing, "EXACT_LINES_BYTES", 100)
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


def test_measure_text_counts_the_symbols_of_its_sample(tmp_path):
    (tmp_path / "a.txt").write_text("abcabc\n" * 50, encoding="utf-8")
    assert measure_text(tmp_path / "a.txt").symbols == 4  # a b c and the line break


def test_pair_lengths_in_subword_tokens(tmp_path):
    tsv = tmp_path / "p.tsv"
    tsv.write_text("".join("one two three four\tun deux\n" for _ in range(50)),
                   encoding="utf-8")
    src, tgt = pair_lengths(tsv)
    assert src > tgt >= 3  # about 1.3 tokens a word, plus the end of sentence
    zh = tmp_path / "zh.tsv"
    zh.write_text("".join("I am here.\t我在这里。\n" for _ in range(50)), encoding="utf-8")
    assert pair_lengths(zh)[1] >= 4  # written without spaces: by characters


def test_budget_settings():
    steps = budget_settings("steps", 50)
    assert steps["max_steps"] == 50 and steps["eval_every"] == 5 and steps["warmup_steps"] == 5
    minutes = budget_settings("minutes", 30)
    assert minutes["max_minutes"] == 30 and 0.25 <= minutes["eval_minutes"] <= 5
    assert budget_settings("epochs", 2)["max_epochs"] == 2
    with pytest.raises(ConfigError, match="minutes"):
        budget_settings("hours", 1)


def test_budget_settings_make_a_valid_train_config():
    from nlp.training.config import TrainConfig

    for unit, amount, limit in (("minutes", 0.1, "max_minutes"), ("epochs", 1, "max_epochs"),
                                ("steps", 1, "max_steps")):
        cfg = TrainConfig(**budget_settings(unit, amount))  # raises if a field is refused
        limits = {name: getattr(cfg, name) for name in ("max_minutes", "max_epochs", "max_steps")}
        assert limits == {**dict.fromkeys(limits), limit: amount}  # that budget alone
        if cfg.max_steps is not None:  # evaluated and warmed up within the budget
            assert cfg.eval_every <= cfg.max_steps and cfg.warmup_steps <= cfg.max_steps
