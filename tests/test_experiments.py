"""Compare: runs trained alike (same data, order, seed, budget), the table read back
from any runs, run names, variant settings, and the ``compare`` command."""

from __future__ import annotations

import json

import pytest

from models.language_model import LanguageModel, LMConfig
from nlp.errors import ConfigError, StudioError
from nlp.experiments.compare import (
    compare_lm,
    compare_names,
    compare_table,
    param_count,
    parse_settings,
    variant_label,
)
from nlp.runs.workspace import Workspace
from nlp.tasks.lm.session import LMDataSpec

MODEL = {"cell": "lstm", "layers": 1, "hidden": 16, "embed": 8, "dropout": 0.0}
TINY_FLAGS = ["--layers", "1", "--hidden", "16", "--embed", "8", "--batch-size", "4",
              "--seq-len", "16", "--eval-every", "3", "--precision", "fp32", "--threads", "1"]


@pytest.fixture
def train(tiny_train):
    """The shared tiny training: 6 steps, evaluated every 3, 2 of warm-up."""
    return lambda **changes: tiny_train(**{"max_steps": 6, "eval_every": 3, "warmup_steps": 2,
                                           **changes})


@pytest.fixture
def ws(tmp_path):
    return Workspace(tmp_path / "ws")


def losses(ws, name, key):
    return [r[key] for r in ws.resolve(name).metrics() if key in r]


def test_identical_variants_train_identically(ws, text_corpus, train):
    """Same seed, same data order, same budget: two equal configs give equal curves."""
    rows = compare_lm(ws, "twin", LMDataSpec(corpus=str(text_corpus)), MODEL, train(),
                      [{"cell": "lstm"}, {"cell": "lstm"}])
    assert [r.run for r in rows] == ["twin-lstm", "twin-lstm-2"]
    first, second = (losses(ws, n, "train_loss") for n in ("twin-lstm", "twin-lstm-2"))
    assert len(first) == 6 and first == second
    assert losses(ws, "twin-lstm", "val_loss") == losses(ws, "twin-lstm-2", "val_loss")
    assert rows[0].differs == {} and rows[1].differs == {}


def test_lstm_and_gru_table(ws, text_corpus, train):
    seen = []
    rows = compare_lm(ws, "cells", LMDataSpec(corpus=str(text_corpus)), MODEL, train(),
                      [{"cell": "lstm"}, {"cell": "gru"}], on_run=lambda run: seen.append(run.name))
    assert seen == ["cells-lstm", "cells-gru"] == [r.run for r in rows]
    for row, cell in zip(rows, ("lstm", "gru"), strict=True):
        run = ws.resolve(row.run)
        config = run.read_config()
        assert config["compare"] == {"group": "cells", "variant": {"cell": cell}}
        evals = [r for r in run.metrics() if "val_loss" in r]
        best = min(evals, key=lambda r: r["val_loss"])
        vocab = config["model"]["vocab_size"]
        expected = LanguageModel(LMConfig(vocab_size=vocab, **{**MODEL, "cell": cell}))
        assert row.task == "lm" and row.cell == cell and row.steps == 6
        assert row.params == expected.num_parameters()
        assert row.best_val_loss == best["val_loss"]
        assert row.score_name == "bits/char" and row.score == best["val_bpc"]
        assert row.tokens_per_s > 0 and row.wall_s > 0
        assert row.differs == {"cell": cell}
    assert rows[0].params > rows[1].params  # an LSTM has 4 gates, a GRU 3


def test_stop_ends_the_current_run_and_skips_the_rest(ws, text_corpus, train):
    started = []
    rows = compare_lm(ws, "halt", LMDataSpec(corpus=str(text_corpus)), MODEL,
                      train(max_steps=50), [{"cell": "lstm"}, {"cell": "gru"}],
                      should_stop=lambda: bool(started), on_run=lambda run: started.append(run))
    assert [r.run for r in rows] == ["halt-lstm"] and rows[0].steps < 50
    assert ws.resolve("halt-lstm").read_index().get("last")  # stopped with a checkpoint
    assert not (ws.runs_dir / "halt-gru").exists()


def test_bad_variant_is_refused_before_training(ws, text_corpus, train):
    with pytest.raises(ConfigError, match="dropout"):
        compare_lm(ws, "bad", LMDataSpec(corpus=str(text_corpus)), MODEL, train(),
                   [{"cell": "lstm"}, {"dropout": 1.5}])
    with pytest.raises(ConfigError, match="at least one variant"):
        compare_lm(ws, "bad", LMDataSpec(corpus=str(text_corpus)), MODEL, train(), [])
    assert not ws.runs_dir.exists() or not any(ws.runs_dir.iterdir())


def test_compare_names_stay_new_and_grouped(ws):
    assert compare_names("p", ["lstm", "gru"], ws) == ["p-lstm", "p-gru"]
    ws.create_run("p-gru", {"task": "lm"})
    assert compare_names("p", ["lstm", "gru"], ws) == ["p-2-lstm", "p-2-gru"]
    assert compare_names("q", ["lstm", "lstm", "lstm"], ws) == ["q-lstm", "q-lstm-2", "q-lstm-3"]
    with pytest.raises(StudioError, match="cannot name a run"):
        compare_names("bad/name", ["lstm"], ws)


def test_settings_and_labels():
    assert parse_settings("cell=gru hidden=256 lr=1e-3 tied=yes batch-size=8 warmup=5") == {
        "cell": "gru", "hidden": 256, "lr": 1e-3, "tied": True, "batch_size": 8,
        "warmup_steps": 5}
    assert variant_label({"cell": "gru"}) == "gru"
    assert variant_label({"cell": "gru", "hidden": 256}) == "gru-hidden256"
    for text, message in (("colour=red", "not a setting that can be varied"),
                          ("hidden=big", "whole number"), ("cell", "name=value"),
                          ("lr=1 lr=2", "twice"), ("tied=maybe", "true or false")):
        with pytest.raises(ConfigError, match=message):
            parse_settings(text)


def test_table_of_a_translator_and_a_fake_run(ws):
    """A translator is judged by BLEU at its best BLEU; a config that builds no model
    still lists (0 parameters)."""
    run = ws.create_run("mt", {"task": "mt", "data": {"score": "bleu"},
                               "model": {"src_vocab": 50, "tgt_vocab": 60, "embed": 8,
                                         "hidden": 8, "cell": "gru"}})
    for step, loss, bleu in ((10, 3.0, 5.0), (20, 2.5, 12.0), (30, 2.4, 11.0)):
        run.append_jsonl("metrics.jsonl", {"step": step, "time": step * 2.0, "train_loss": 3,
                                           "tokens_per_s": 100.0 * step})
        run.append_jsonl("metrics.jsonl", {"step": step, "time": step * 2.0, "val_loss": loss,
                                           "bleu": bleu})
    ws.create_run("odd", {"task": "lm", "model": {"cell": "lstm", "hidden": 32}})
    mt, odd = compare_table(ws, ["mt", "odd"])
    assert (mt.score_name, mt.score, mt.best_val_loss) == ("BLEU", 12.0, 2.4)
    assert mt.params == param_count("mt", ws.resolve("mt").read_config()["model"]) > 0
    assert (mt.steps, mt.wall_s, mt.tokens_per_s) == (30, 60.0, 2000.0)
    assert odd.params == 0 and odd.best_val_loss is None and odd.steps == 0
    assert mt.differs["cell"] == "gru" and "data.score" in mt.differs
    with pytest.raises(StudioError, match="no run 'missing'"):
        compare_table(ws, ["mt", "missing"])


def test_compare_command_writes_table_json_and_picture(ws, text_corpus, tmp_path, capsys):
    from main import main

    out, plot = tmp_path / "cmp.json", tmp_path / "cmp.png"
    code = main(["compare", "--corpus", str(text_corpus), "--cells", "lstm", "gru", "--steps", "4",
                 "--name", "cli", "--out", str(out), "--plot", str(plot),
                 "--workspace", str(ws.root), *TINY_FLAGS])
    assert code == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:4] == ["run", "cell", "params", "best"]
    assert [line.split()[0] for line in table[1:]] == ["cli-lstm", "cli-gru"]
    saved = json.loads(out.read_text())
    assert [r["run"] for r in saved["rows"]] == ["cli-lstm", "cli-gru"]
    assert saved["rows"][1]["differs"] == {"cell": "gru"}
    assert any("val_loss" in r for r in saved["curves"]["cli-gru"])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 5000
    # existing runs compare without training
    assert main(["compare", "--runs", "cli-gru", "cli-lstm", "--workspace", str(ws.root)]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("cli-gru")


@pytest.mark.parametrize("args, message", [
    (["--variant", "colour=red"], "not a setting that can be varied"),
    (["--variant", "cell=gru", "--cells", "lstm"], "not both"),
    (["--variant", "dropout=2"], "dropout"),
])
def test_compare_command_bad_input(ws, text_corpus, capsys, args, message):
    from main import main

    code = main(["compare", "--corpus", str(text_corpus), "--steps", "2", "--workspace", str(ws.root),
                 *args])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err


def test_compare_command_needs_corpus_or_runs(ws, capsys):
    from main import main

    assert main(["compare", "--workspace", str(ws.root)]) == 1
    assert "--corpus FILE, or existing runs" in capsys.readouterr().err
