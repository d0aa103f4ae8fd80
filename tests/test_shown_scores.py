"""What is shown of a run's scores: a run stopped before its first evaluation says
so, and word perplexity only where the text is written as space-separated words."""

from __future__ import annotations

import io
import json

import pytest
import torch

from nlp.cli.main import main
from nlp.runs.workspace import NO_BEST_STOPPED, NO_BEST_YET, Workspace
from nlp.training.events import EvalEvent, FinishedEvent
from nlp.training.metrics import (
    LN2,
    lm_scores,
    shown_metrics,
    word_ppl_is_meaningful,
    words_are_meaningful,
)
from nlp.training.progress import ConsoleProgress, format_metrics


def _scores(bpc: float, chars_per_word: float) -> dict:
    chars = 10_000
    return lm_scores(bpc * LN2 * chars, 4_000, chars, round(chars / chars_per_word))


def test_words_are_meaningful_by_characters_per_word():
    assert words_are_meaningful(2969, 15684)  # corpora/english: 5.3 characters a word
    assert not words_are_meaningful(51, 1232)  # corpora/chinese: 24, a "word" is a line
    assert not words_are_meaningful(0, 100)


def test_word_perplexity_is_left_out_where_words_mean_nothing():
    english, chinese = _scores(1.8, 5.3), _scores(1.8, 24)
    assert word_ppl_is_meaningful(english) and "word_ppl" in format_metrics(english)
    assert chinese["val_word_ppl"] > 1e12  # what was shown before: astronomical
    assert not word_ppl_is_meaningful(chinese)
    assert "word_ppl" not in format_metrics(chinese) and "bpc 1.8" in format_metrics(chinese)
    assert "val_word_ppl" in chinese and "val_word_ppl" not in shown_metrics(chinese)
    diverged = {**english, "val_word_ppl": float("inf")}
    assert not word_ppl_is_meaningful(diverged)


def test_progress_says_once_why_word_perplexity_is_missing():
    stream = io.StringIO()
    progress = ConsoleProgress(stream)
    chinese = _scores(1.8, 24)
    progress(EvalEvent(10, chinese, True))
    progress(EvalEvent(20, chinese, True))
    progress(FinishedEvent(20, "budget", chinese))
    text = stream.getvalue()
    assert text.count("not written as space-separated words") == 1
    assert "word_ppl" not in text and "bpc 1.8" in text
    english = io.StringIO()
    ConsoleProgress(english)(EvalEvent(10, _scores(1.8, 5.3), True))
    assert "word_ppl" in english.getvalue() and "note" not in english.getvalue()


def _run(ws, name, metrics=None, outcome=None):
    run = ws.create_run(name, {"task": "lm", "model": {"cell": "lstm"}})
    tags = ("last", "best") if metrics else ("last",)
    run.save_checkpoint(5, tags=tags, keep=1, weights={"w": torch.ones(2)}, model_config={},
                        task="lm", tokenizers={}, train_state=None,
                        info={"step": 5, "metrics": metrics or {}})
    if outcome:
        run.record_outcome({"reason": outcome, "step": 5})
    return run


def test_runs_list_says_a_run_stopped_before_its_first_evaluation(tmp_path, capsys):
    ws = Workspace(tmp_path)
    _run(ws, "stopped", outcome="stopped")
    _run(ws, "training")
    _run(ws, "chinese", _scores(1.8, 24), outcome="budget")
    flag = ["--workspace", str(tmp_path)]
    assert main(["runs", "list", *flag]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["stopped"].endswith(NO_BEST_STOPPED)
    assert lines["training"].endswith(NO_BEST_YET)
    assert "bpc 1.8" in lines["chinese"] and "word_ppl" not in lines["chinese"]
    assert main(["runs", "list", "--json", *flag]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["stopped"]["evaluated"] is False
    assert rows["stopped"]["no_best"] == "stopped before its first evaluation"
    assert rows["chinese"]["evaluated"] is True and rows["chinese"]["no_best"] is None
    assert rows["chinese"]["word_ppl_meaningful"] is False
    assert rows["chinese"]["best"]["val_word_ppl"] == pytest.approx(
        _scores(1.8, 24)["val_word_ppl"])  # the stored score is kept as it was
