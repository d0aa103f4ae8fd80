"""Hyperparameter search: the space syntax, the samplers stay inside the space, the
budget plan, trials as runs (baseline first, pruning, stop), the saved result, the
best configuration one command away, and the ``search`` command."""

from __future__ import annotations

import json
import shlex

import pytest

from nlp.errors import ConfigError, StudioError
from nlp.experiments.search import (
    SearchResult,
    SearchSpace,
    TrialRow,
    _optuna,
    _study,
    _tell,
    best_settings,
    list_searches,
    load_search,
    plan_budget,
    run_search,
    search_path,
    train_command,
)
from nlp.runs.workspace import Workspace
from nlp.tasks.lm.session import LMDataSpec

MODEL = {"cell": "lstm", "layers": 1, "hidden": 16, "embed": 8, "dropout": 0.0,
         "tied": False, "hidden_sizes": None}
TINY_FLAGS = ["--layers", "1", "--hidden", "16", "--embed", "8", "--batch-size", "4",
              "--seq-len", "16", "--eval-every", "2", "--precision", "fp32", "--threads", "1"]


@pytest.fixture
def train(tiny_train):
    """The shared tiny training: 6 steps, evaluated every 2, 2 of warm-up."""
    return lambda **changes: tiny_train(**{"max_steps": 6, "eval_every": 2, "warmup_steps": 2,
                                           **changes})


@pytest.fixture
def ws(tmp_path):
    return Workspace(tmp_path / "ws")


# -- the space ---------------------------------------------------------------------
def test_space_parses_lists_and_ranges():
    space = SearchSpace.parse("hidden=128,256,512 lr=1e-3..1e-2:log dropout=0..0.3 "
                              "cell=lstm,gru layers=1,2 tied=true,false batch-size=16..64")
    assert space.names == ("hidden", "lr", "dropout", "cell", "layers", "tied", "batch_size")
    hidden, lr, dropout, cell, _, tied, batch = space.dimensions
    assert hidden.choices == (128, 256, 512) and not hidden.is_range
    assert (lr.low, lr.high, lr.log) == (1e-3, 1e-2, True)
    assert (dropout.low, dropout.high, dropout.log) == (0.0, 0.3, False)
    assert cell.choices == ("lstm", "gru") and tied.choices == (True, False)
    assert (batch.low, batch.high) == (16, 64) and isinstance(batch.low, int)
    assert str(SearchSpace.parse(str(space))) == str(space)
    assert space.contains({"hidden": 256, "lr": 5e-3, "dropout": 0.1, "cell": "gru",
                           "layers": 2, "tied": False, "batch_size": 30})
    assert not space.contains({"hidden": 100, "lr": 5e-3, "dropout": 0.1, "cell": "gru",
                               "layers": 2, "tied": False, "batch_size": 30})


@pytest.mark.parametrize("text, message", [
    ("", "the search space is empty"),
    ("colour=red,blue", "not a setting that can be varied"),
    ("cell=lstm..gru", "takes listed values"),
    ("lr=1e-2..1e-3", "from low to high"),
    ("lr=0..1e-2:log", "log range must start above 0"),
    ("lr=1e-3..1e-2:cubic", "unknown range option"),
    ("hidden=128,big", "whole number"),
    ("hidden=", "write name=values"),
    ("hidden=64 hidden=128", "given twice"),
    ("dropout=0..1.5", "dropout"),
    ("cell=lstm,rnn", "cell"),
    ("schedule=cosine,sawtooth", "schedule"),
])
def test_space_errors_say_what_is_wrong(text, message):
    with pytest.raises(ConfigError, match=message):
        SearchSpace.parse(text)


def test_grid_needs_listed_values():
    assert SearchSpace.parse("hidden=8,16 cell=lstm,gru").grid_size() == 4
    with pytest.raises(ConfigError, match="grid search needs listed values"):
        SearchSpace.parse("hidden=8,16 lr=1e-3..1e-2").grid()


@pytest.mark.parametrize("method", ["grid", "random", "bayes"])
def test_samplers_pick_values_inside_the_space(method):
    text = ("hidden=8,16,32 cell=lstm,gru" if method == "grid" else
            "hidden=8,16,32 lr=1e-4..1e-2:log dropout=0..0.3 layers=1..3 cell=lstm,gru")
    space = SearchSpace.parse(text)
    optuna = _optuna()
    study = _study(optuna, method, space, seed=3, planned=6)
    picked = []
    for i in range(6):
        trial = study.ask()
        params = space.suggest(trial)
        assert space.contains(params), params
        picked.append(params)
        _tell(optuna, study, trial, TrialRow(i, "", params, "complete", float(i), None, "", 0.0),
              {})
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 6  # the last grid point too
    if method == "grid":  # every grid point exactly once
        assert sorted((p["hidden"], p["cell"]) for p in picked) == sorted(
            (h, c) for h in (8, 16, 32) for c in ("lstm", "gru"))
    again = _study(optuna, method, space, seed=3, planned=6)
    assert space.suggest(again.ask()) == picked[0]  # seeded


def test_budget_plan():
    space = SearchSpace.parse("hidden=8,16 cell=lstm,gru")
    assert plan_budget(space, "random", 20, None, None) == (2.0, None)
    assert plan_budget(space, "random", 20, None, 8) == (2.5, 8)
    assert plan_budget(space, "bayes", 20, 3, None) == (3, None)
    assert plan_budget(space, "grid", 20, None, None) == (4.0, 5)  # 4 points + the default
    with pytest.raises(ConfigError, match="need 30 minutes"):
        plan_budget(space, "random", 20, 3, 10)
    with pytest.raises(ConfigError, match="unknown search method"):
        plan_budget(space, "anneal", 20, None, None)
    with pytest.raises(ConfigError, match="positive"):
        plan_budget(space, "random", 0, None, None)


# -- running -----------------------------------------------------------------------
def test_random_search_runs_trials_baseline_first_and_saves(ws, text_corpus, train):
    seen = []
    space = SearchSpace.parse("hidden=8,24 lr=1e-3..1e-2:log")
    result = run_search(ws, "rs", LMDataSpec(corpus=str(text_corpus)), MODEL, train(), space,
                        "random", minutes=3, seed=1, on_trial=seen.append, trials=3)
    assert result.state == "finished" and [t.number for t in result.trials] == [0, 1, 2]
    assert seen == result.trials
    baseline = result.baseline
    assert baseline is result.trials[0] and baseline.params == {"hidden": 16, "lr": 3e-3}
    # the pruner waits for two completed trials; the third may be pruned
    assert [t.state for t in result.trials[:2]] == ["complete", "complete"]
    for t in result.trials:
        assert (t.state, t.steps) == ("complete", 6) or (t.state == "pruned" and t.steps < 6)
        assert t.value > 0 and t.score > 0
        assert t.score_name == "bits/char" and t.run == f"rs-t{t.number:02d}"
        config = ws.resolve(t.run).read_config()
        assert config["search"] == {"name": "rs", "trial": t.number, "params": t.params,
                                    "state": t.state}
        assert config["model"]["hidden"] == t.params["hidden"]
        assert config["train"]["lr"] == t.params["lr"]
        if t.number:
            assert space.contains(t.params)
    assert result.best.value == min(t.value for t in result.trials)
    saved = json.loads(search_path(ws, "rs").read_text())
    assert SearchResult.from_dict(saved) == result == load_search(ws, "rs")
    assert [r.name for r in list_searches(ws)] == ["rs"]
    with pytest.raises(StudioError, match="already exists"):
        run_search(ws, "rs", LMDataSpec(corpus=str(text_corpus)), MODEL, train(), space,
                   "random", minutes=3, trials=1)


def test_pruning_stops_a_hopeless_trial(ws, text_corpus, train):
    """After the default and one hopeless trial complete, the next hopeless trial is
    worse than their median at its second evaluation: pruned there, its run kept."""
    space = SearchSpace.parse("lr=1e-7,2e-7")
    result = run_search(ws, "pr", LMDataSpec(corpus=str(text_corpus)), MODEL,
                        train(max_steps=12, lr=2e-2, warmup_steps=1), space, "grid",
                        minutes=3, trials=3)
    states = [t.state for t in result.trials]
    assert states == ["complete", "complete", "pruned"]
    pruned = result.trials[2]
    assert pruned.steps < 12 and pruned.value is not None
    run = ws.resolve(pruned.run)
    assert run.read_config()["search"]["state"] == "pruned" and run.read_index().get("last")
    assert result.best is result.baseline  # the default beats a learning rate of 1e-7


def test_stop_ends_the_search_with_what_is_done(ws, text_corpus, train):
    done = []
    result = run_search(ws, "st", LMDataSpec(corpus=str(text_corpus)), MODEL,
                        train(max_steps=40), SearchSpace.parse("hidden=8,24"), "random",
                        minutes=3, trials=3, on_trial=done.append,
                        should_stop=lambda: len(done) >= 1)
    assert result.state == "stopped" and len(result.trials) == 1
    assert load_search(ws, "st").state == "stopped"


def test_time_budget_decides_the_number_of_trials(ws, text_corpus, train):
    """Without --trials, trials start while a whole trial's minutes are left."""
    result = run_search(ws, "tb", LMDataSpec(corpus=str(text_corpus)), MODEL,
                        train(max_steps=None, max_minutes=1, eval_every=1000),
                        SearchSpace.parse("hidden=8,24"), "random", minutes=0.03,
                        trial_minutes=0.01, evals=2)
    assert len(result.trials) == 3
    for t in result.trials:
        assert t.trained_s == pytest.approx(0.6, abs=0.5)
        evals = [r for r in ws.resolve(t.run).metrics() if "val_loss" in r]
        assert 1 <= len(evals) <= 3


def test_best_is_one_command_away(ws, text_corpus, train):
    from nlp.cli.main import build_parser

    result = run_search(ws, "bc", LMDataSpec(corpus=str(text_corpus), options={"lowercase": True}),
                        MODEL, train(), SearchSpace.parse("hidden=24 lr=5e-3"), "grid",
                        minutes=3)
    assert result.best is not None
    spec, model, train = best_settings(result)
    assert model["hidden"] == result.best.params["hidden"]
    assert train.lr == result.best.params["lr"] and train.batch_size == 4
    command = train_command(result, 30, "full")
    args = build_parser().parse_args(shlex.split(command)[2:])
    assert (args.corpus, args.hidden, args.lr, args.minutes, args.name) == (
        spec.corpus, model["hidden"], train.lr, 30.0, "full")
    assert (args.layers, args.embed, args.batch_size, args.seq_len, args.lowercase) == (
        1, 8, 4, 16, True)
    assert (args.device, args.precision, args.threads) == ("cpu", "fp32", 1)


# -- the command -------------------------------------------------------------------
def test_search_command_show_list_and_train_best(ws, text_corpus, capsys):
    from main import main

    common = ["--workspace", str(ws.root)]
    code = main(["search", "--corpus", str(text_corpus), "--space", "hidden=8,24", "--method",
                 "random", "--minutes", "2", "--trials", "2", "--steps", "4", "--name", "cli",
                 *TINY_FLAGS, *common])
    assert code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["trial", "state", "hidden"]
    assert "search --train-best cli --minutes 30" in out and "train lm --corpus" in out
    assert main(["search", "show", "cli", *common]) == 0
    assert "default" in capsys.readouterr().out
    assert main(["search", "list", *common]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("cli")
    assert main(["search", "--train-best", "cli", "--steps", "2", "--name", "full",
                 *common]) == 0
    assert ws.resolve("full").summary().step == 2


@pytest.mark.parametrize("args, message", [
    (["--space", "lr=1e-3..1e-2", "--method", "grid"], "grid search needs listed values"),
    (["--space", "colour=red"], "not a setting that can be varied"),
    (["--space", "hidden=8"], "total training time with --minutes"),
])
def test_search_command_bad_input(ws, text_corpus, capsys, args, message):
    from main import main

    minutes = [] if "--minutes" in message else ["--minutes", "1"]
    code = main(["search", "--corpus", str(text_corpus), *minutes, *args,
                 "--workspace", str(ws.root)])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err


def test_search_command_unknown_search(ws, capsys):
    from main import main

    assert main(["search", "show", "nope", "--workspace", str(ws.root)]) == 1
    assert "no search 'nope'" in capsys.readouterr().err
