"""Hyperparameter search: grid, random or Bayesian (Optuna's TPE) within a time budget.

A search trains one language-model run per *trial*, each an ordinary run in
the workspace (``run.json`` records ``{"search": {"name", "trial", "params",
"state"}}``). Trial 0 is the *baseline*, the base configuration unchanged, so
the table says whether the search beat the default.

Budget: ``minutes`` is the training time of all trials together; each trial
trains ``trial_minutes`` (default ``minutes / trials``, or a tenth of
``minutes``); a new trial starts while a whole trial's time is left, so time
saved by pruning buys more trials. The data is prepared once, before the clock
starts, and every trial reads it in the same order (the same seed). Every
trial evaluates at the same fractions of its budget (``evals`` times), and a
median pruner stops a trial whose validation loss is worse than the median of
earlier trials at the same point. Pruned runs stay in the workspace, marked.

The result is saved as ``WORKSPACE/searches/NAME.json`` after every trial.
"""

from __future__ import annotations

import logging
import math
import shlex
import time
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, fields, replace
from pathlib import Path

import torch

from nlp.errors import ConfigError, StudioError
from nlp.experiments.compare import (
    SETTINGS,
    annotate,
    apply_settings,
    check_settings,
    compare_names,
    parse_value,
    score_of,
    setting_name,
    stop_when,
)
from nlp.runs.checkpoint import write_json_atomic
from nlp.runs.workspace import Workspace, check_run_name
from nlp.tasks.lm.session import LMDataSpec, lm_data, new_lm_training
from nlp.training.config import TrainConfig
from nlp.training.events import EvalEvent, FailedEvent

log = logging.getLogger(__name__)

METHODS = ("grid", "random", "bayes")
SEARCHES = "searches"  # the folder of saved searches in a workspace
DEFAULT_TRIALS = 10  # trials the budget is split into when neither count nor length is given
NEVER = 10**9  # eval_every of a timed trial: it evaluates by time only
EXAMPLE = "hidden=256,512 lr=1e-3..1e-2:log dropout=0..0.3 cell=lstm,gru"


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)


# -- the space ---------------------------------------------------------------------
@dataclass(frozen=True)
class Dimension:
    """One setting to search: listed ``choices``, or a range ``low..high`` (log-scaled
    when ``log``); whole numbers for integer settings."""

    name: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    log: bool = False

    @property
    def is_range(self) -> bool:
        return self.low is not None

    def suggest(self, trial):
        """This setting's value for an Optuna ``trial``."""
        if not self.is_range:
            return trial.suggest_categorical(self.name, list(self.choices))
        if SETTINGS[self.name][1] is int:
            return trial.suggest_int(self.name, self.low, self.high, log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)

    def contains(self, value) -> bool:
        if not self.is_range:
            return value in self.choices
        return self.low <= value <= self.high

    def __str__(self) -> str:
        if self.is_range:
            return f"{self.name}={_fmt(self.low)}..{_fmt(self.high)}{':log' if self.log else ''}"
        return f"{self.name}={','.join(_fmt(v) for v in self.choices)}"


def _range(name: str, text: str) -> Dimension:
    kind = SETTINGS[name][1]
    if kind not in (int, float):
        raise ConfigError(f"{name} takes listed values ({name}=a,b), not a range")
    body, _, option = text.partition(":")
    if option not in ("", "log"):
        raise ConfigError(f"{name}={text}: unknown range option {option!r} (only :log)")
    low_text, _, high_text = body.partition("..")
    low, high = parse_value(name, low_text), parse_value(name, high_text)
    if not low < high:
        raise ConfigError(f"{name}={text}: the range must go from low to high")
    if option == "log" and low <= 0:
        raise ConfigError(f"{name}={text}: a log range must start above 0")
    check_settings({name: low})
    check_settings({name: high})
    return Dimension(name, low=low, high=high, log=option == "log")


def _dimension(token: str) -> Dimension:
    key, sep, text = token.partition("=")
    if not sep or not text:
        raise ConfigError(f"{token!r}: write name=values, e.g. hidden=256,512 or "
                          "lr=1e-3..1e-2:log")
    name = setting_name(key)
    if ".." in text:
        return _range(name, text)
    choices = tuple(dict.fromkeys(parse_value(name, v) for v in text.split(",")))
    for value in choices:
        check_settings({name: value})
    return Dimension(name, choices=choices)


class SearchSpace:
    """The settings a search varies, parsed from text such as
    ``"hidden=128,256,512 lr=1e-3..1e-2:log dropout=0..0.3 cell=lstm,gru layers=1,2"``:
    ``name=a,b,c`` lists values, ``name=low..high`` is a range (``:log`` for a
    log scale). Names are those of :data:`nlp.experiments.compare.SETTINGS`."""

    def __init__(self, dimensions: tuple[Dimension, ...]):
        self.dimensions = tuple(dimensions)
        self.names: tuple[str, ...] = tuple(d.name for d in self.dimensions)

    @classmethod
    def parse(cls, text: str) -> SearchSpace:
        tokens = text.split()
        if not tokens:
            raise ConfigError(f"the search space is empty: give the settings to search, "
                              f"e.g. {EXAMPLE!r}")
        dimensions = [_dimension(t) for t in tokens]
        names = [d.name for d in dimensions]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError(f"{name} is given twice in the search space")
        return cls(tuple(dimensions))

    def __str__(self) -> str:
        return " ".join(map(str, self.dimensions))

    def suggest(self, trial) -> dict:
        return {d.name: d.suggest(trial) for d in self.dimensions}

    def contains(self, params: dict) -> bool:
        return set(params) == set(self.names) and all(
            d.contains(params[d.name]) for d in self.dimensions)

    def grid(self) -> dict[str, list]:
        """Every setting's listed values; a range cannot be gridded."""
        for d in self.dimensions:
            if d.is_range:
                raise ConfigError(f"grid search needs listed values, and {d} is a range: list "
                                  f"the values to try ({d.name}=a,b,c) or use --method "
                                  "random or bayes")
        return {d.name: list(d.choices) for d in self.dimensions}

    def grid_size(self) -> int:
        return math.prod(len(values) for values in self.grid().values())


# -- results -----------------------------------------------------------------------
@dataclass
class TrialRow:
    number: int  # 0 is the baseline
    run: str  # "" when the trial failed before its run was created
    params: dict
    state: str  # "complete" | "pruned" | "failed" | "stopped"
    value: float | None  # best validation loss
    score: float | None  # bits/char or word ppl at that point
    score_name: str
    wall_s: float  # the whole trial, set-up and last evaluation included
    steps: int = 0
    trained_s: float = 0.0  # training time (what the budget counts)
    message: str = ""  # why it failed


@dataclass
class SearchResult:
    name: str
    method: str
    space: str
    data: dict  # LMDataSpec fields
    base_model: dict
    base_train: dict  # TrainConfig fields
    trials: list[TrialRow]
    best: TrialRow | None  # the completed trial with the lowest validation loss
    baseline: TrialRow | None
    minutes: float = 0.0
    trial_minutes: float = 0.0
    max_trials: int | None = None  # None: as many as the minutes allow
    evals: int = 4
    seed: int = 0
    created: float = 0.0
    wall_s: float = 0.0
    state: str = "running"  # "running" | "finished" | "stopped"

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["trials"] = [asdict(t) for t in self.trials]
        d["best"] = self.best.number if self.best else None
        d["baseline"] = self.baseline.number if self.baseline else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> SearchResult:
        valid = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - valid)
        if unknown:
            raise ConfigError(f"unknown search field(s) {', '.join(unknown)}")
        d = dict(d)
        trials = [TrialRow(**t) for t in d.pop("trials", [])]
        by_number = {t.number: t for t in trials}
        best, baseline = by_number.get(d.pop("best", None)), by_number.get(d.pop("baseline", None))
        return cls(**d, trials=trials, best=best, baseline=baseline)


def search_path(workspace: Workspace, name: str) -> Path:
    return workspace.root / SEARCHES / f"{name}.json"


def save_search(workspace: Workspace, result: SearchResult) -> None:
    path = search_path(workspace, result.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, result.to_dict())


def _read(path: Path) -> SearchResult:
    import json

    try:
        return SearchResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError, StudioError) as exc:
        raise StudioError(f"the search file {path} is damaged ({exc})") from exc


def load_search(workspace: Workspace, name: str) -> SearchResult:
    path = search_path(workspace, name)
    if not path.is_file():
        known = [r.name for r in list_searches(workspace)]
        hint = f"; searches here: {', '.join(known[:10])}" if known else ""
        raise StudioError(f"no search {name!r} in {path.parent}{hint}")
    return _read(path)


def list_searches(workspace: Workspace) -> list[SearchResult]:
    """Every saved search, newest first; a damaged file is skipped (and logged)."""
    folder = workspace.root / SEARCHES
    results = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            results.append(_read(path))
        except StudioError as exc:
            log.warning("%s", exc)
    return sorted(results, key=lambda r: r.created, reverse=True)


def best_settings(result: SearchResult) -> tuple[LMDataSpec, dict, TrainConfig]:
    """The data, model and training settings of the best trial, for a full run
    (its budget is the base's: set your own with ``dataclasses.replace``)."""
    if result.best is None:
        raise StudioError(f"search {result.name!r} has no completed trial yet")
    model, train = apply_settings(result.base_model, TrainConfig.from_dict(result.base_train),
                                  result.best.params)
    return LMDataSpec.from_dict(result.data), model, train


def train_command(result: SearchResult, minutes: float, name: str | None = None) -> str:
    """The ``python main.py train lm ...`` line that trains the best trial's
    configuration for ``minutes``."""
    spec, model, train = best_settings(result)
    args = ["python", "main.py", "train", "lm", "--corpus", spec.corpus]
    if spec.valid:
        args += ["--valid", spec.valid]
    args += ["--level", spec.level]
    if spec.level == "subword":
        args += ["--vocab", str(spec.vocab_size), "--subword-type", spec.subword_type]
    if spec.batch_mode != "stream":
        args += ["--batches", spec.batch_mode]
    options = spec.options
    if options.get("encoding"):
        args += ["--encoding", options["encoding"]]
    args += [flag for key, flag, on in (("replace_errors", "--replace-errors", True),
                                        ("lowercase", "--lowercase", True),
                                        ("nfc", "--no-nfc", False))
             if key in options and bool(options[key]) == on]
    if model.get("hidden_sizes"):
        args += ["--hidden-sizes", *map(str, model["hidden_sizes"])]
    for key, (where, kind, flag) in SETTINGS.items():
        value = model.get(key) if where == "model" else getattr(train, key)
        if value is None or (key == "hidden" and model.get("hidden_sizes")):
            continue
        if kind is bool:
            args += [flag] if value else []
        else:
            args += [flag, _fmt(value)]
    args += ["--eval-every", str(train.eval_every), "--seed", str(train.seed)]
    if train.patience:
        args += ["--patience", str(train.patience)]
    for flag, value, default in (("--device", train.device, "auto"),
                                 ("--precision", train.precision, "auto"),
                                 ("--threads", train.threads, None)):
        args += [flag, str(value)] if value != default else []
    args += ["--minutes", _fmt(float(minutes))]
    return shlex.join(args + (["--name", name] if name else []))


# -- running -----------------------------------------------------------------------
def plan_budget(space: SearchSpace, method: str, minutes: float, trial_minutes: float | None,
                trials: int | None) -> tuple[float, int | None]:
    """(minutes per trial, most trials; None: as many as the minutes allow)."""
    if method not in METHODS:
        raise ConfigError(f"unknown search method {method!r}; choose one of {', '.join(METHODS)}")
    if not (isinstance(minutes, (int, float)) and math.isfinite(minutes) and minutes > 0):
        raise ConfigError(f"the search's minutes must be a positive number, not {minutes}")
    if trials is not None and trials < 1:
        raise ConfigError(f"the number of trials must be 1 or more, not {trials}")
    cap = trials
    if method == "grid":  # every grid point once, after the baseline
        cap = min(cap or math.inf, space.grid_size() + 1)
    if trial_minutes is None:
        return minutes / (cap or DEFAULT_TRIALS), cap
    if not (math.isfinite(trial_minutes) and trial_minutes > 0):
        raise ConfigError(f"minutes per trial must be a positive number, not {trial_minutes}")
    if trials is not None and trials * trial_minutes > minutes * (1 + 1e-9):
        raise ConfigError(f"{trials} trials of {_fmt(trial_minutes)} minutes need "
                          f"{_fmt(trials * trial_minutes)} minutes, more than the "
                          f"{_fmt(minutes)} given; give fewer trials or more minutes")
    return trial_minutes, cap


def trial_train_config(base: TrainConfig, minutes: float, evals: int) -> TrainConfig:
    """A trial's training settings: the base with the trial's minutes, evaluations
    at the same fractions of every trial (so the pruner compares like with like:
    by time, or by steps when the base has a step budget), and only the last and
    best checkpoints kept."""
    if base.max_steps is not None:
        return replace(base, max_minutes=minutes, keep_checkpoints=0)
    return replace(base, max_minutes=minutes, eval_minutes=minutes / evals, eval_every=NEVER,
                   keep_checkpoints=0)


def base_values(space: SearchSpace, base_model: dict, base_train: TrainConfig) -> dict:
    """The base configuration's value of each searched setting (the baseline's params)."""
    from models.language_model import LMConfig

    defaults = {f.name: f.default for f in fields(LMConfig) if f.default is not MISSING}
    return {name: base_model.get(name, defaults.get(name)) if SETTINGS[name][0] == "model"
            else getattr(base_train, name) for name in space.names}


class _Pruning:
    """A training listener: feeds each evaluation's validation loss to the Optuna
    trial (step = evaluation number) and stops the training when it should be pruned."""

    def __init__(self, trial, trainer):
        self.trial, self.trainer = trial, trainer
        self.values: dict[int, float] = {}
        self.pruned = False

    def __call__(self, event) -> None:
        if not isinstance(event, EvalEvent) or "val_loss" not in event.metrics:
            return
        index = len(self.values) + 1
        self.values[index] = float(event.metrics["val_loss"])
        if self.trial is None or self.pruned or self.trainer.progress() >= 1.0:
            return  # the baseline, or the last evaluation: nothing left to save
        self.trial.report(self.values[index], index)
        if self.trial.should_prune():
            self.pruned = True
            self.trainer.request_stop()


@dataclass
class _Context:
    """What every trial of one search shares."""

    workspace: Workspace
    name: str
    spec: LMDataSpec
    data: object  # LMData, prepared once
    base_model: dict
    train: TrainConfig  # the trial settings (trial_train_config)
    listeners: tuple
    should_stop: Callable[[], bool] | None
    score: tuple[str, str]  # (name, metrics key), see nlp.experiments.compare.score_of


def _run_trial(ctx: _Context, number: int, params: dict, trial) -> tuple[TrialRow, dict]:
    """Train one trial; returns its row and the validation losses it reported."""
    score_name, score_key = ctx.score
    started = time.monotonic()
    model, train = apply_settings(ctx.base_model, ctx.train, params)
    run_name = compare_names(ctx.name, [f"t{number:02d}"], ctx.workspace)[0]
    torch.manual_seed(train.seed)  # the same initial weights where shapes agree
    try:
        trainer, run = new_lm_training(ctx.workspace, run_name, ctx.spec, model, train,
                                       ctx.listeners, data=ctx.data)
    except ConfigError as exc:  # settings that no model accepts together
        return TrialRow(number, "", params, "failed", None, None, score_name,
                        time.monotonic() - started, message=str(exc)), {}
    pruning = _Pruning(trial, trainer)
    trainer.listeners += [pruning, stop_when(trainer, ctx.should_stop)]
    mark = {"name": ctx.name, "trial": number, "params": params}
    annotate(run, "search", {**mark, "state": "running"})
    with run.lock():
        final = trainer.run()
    if isinstance(final, FailedEvent):
        state, message = "failed", final.message
    elif final.reason == "stopped":
        state, message = ("pruned" if pruning.pruned else "stopped"), ""
    else:
        state, message = "complete", ""
    annotate(run, "search", {**mark, "state": state})
    best = trainer.best_metrics
    finite = {k: float(v) for k, v in best.items()
              if isinstance(v, (int, float)) and math.isfinite(v)}
    return TrialRow(number, run.name, params, state, finite.get("val_loss"),
                    finite.get(score_key), score_name, time.monotonic() - started,
                    steps=trainer.step, trained_s=trainer.elapsed, message=message), pruning.values


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _study(optuna, method: str, space: SearchSpace, seed: int, planned: int):
    if method == "grid":
        sampler = optuna.samplers.GridSampler(space.grid(), seed=seed)
    elif method == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    else:  # TPE's default of 10 random trials first would leave a short search random
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(2, planned // 3))
    pruner = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=2)
    return optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner)


def _tell(optuna, study, trial, row: TrialRow, reported: dict) -> None:
    """Give Optuna the trial's outcome. The baseline (no Optuna trial) joins as a
    finished trial without params: it informs the pruner, not the sampler."""
    states = optuna.trial.TrialState
    done = row.state == "complete" and row.value is not None
    if trial is None:
        if done:
            study.add_trial(optuna.trial.create_trial(
                value=row.value, params={}, distributions={}, intermediate_values=reported))
        return
    try:
        if done:
            study.tell(trial, row.value)
        else:
            study.tell(trial, state=states.PRUNED if row.state == "pruned" else states.FAIL)
    except RuntimeError as exc:
        # the grid sampler stops the study after its last point, which ask-and-tell
        # cannot do (optuna issue #5141); the trial is recorded all the same
        if "Study.stop" not in str(exc):
            raise


def _best(trials: list[TrialRow]) -> TrialRow | None:
    done = [t for t in trials if t.state == "complete" and t.value is not None]
    return min(done, key=lambda t: t.value) if done else None


def run_search(workspace: Workspace, name: str, spec: LMDataSpec, base_model: dict,
               base_train: TrainConfig, space: SearchSpace, method: str, minutes: float,
               trial_minutes: float | None = None, seed: int = 0,
               on_trial: Callable[[TrialRow], None] | None = None,
               should_stop: Callable[[], bool] | None = None, *, trials: int | None = None,
               evals: int = 4, listeners=()) -> SearchResult:
    """Search ``space`` around the base configuration with ``method`` (grid,
    random, bayes) in ``minutes`` of training; see the module docstring.

    ``on_trial(row)`` is called after each trial; ``should_stop()`` true stops
    the current trial with a checkpoint and ends the search (saved, state
    "stopped"); ``listeners`` receive every trial's training events.
    """
    check_run_name(name)
    per_trial, cap = plan_budget(space, method, minutes, trial_minutes, trials)
    if evals < 1:
        raise ConfigError(f"evaluations per trial must be 1 or more, not {evals}")
    if search_path(workspace, name).exists():
        raise StudioError(f"a search named {name!r} already exists; choose another name")
    workspace.ensure_writable()
    spec = replace(spec, corpus=str(Path(spec.corpus).resolve()),  # as the runs record it
                   valid=str(Path(spec.valid).resolve()) if spec.valid else None)
    ctx = _Context(workspace, name, spec, lm_data(spec), dict(base_model),
                   trial_train_config(base_train, per_trial, evals), tuple(listeners),
                   should_stop, score_of({"task": "lm", "data": spec.to_dict()}))
    result = SearchResult(name, method, str(space), spec.to_dict(), dict(base_model),
                          base_train.to_dict(), [], None, None, minutes=minutes,
                          trial_minutes=per_trial, max_trials=cap, evals=evals, seed=seed,
                          created=time.time())
    save_search(workspace, result)
    optuna = _optuna()
    study = _study(optuna, method, space, seed, cap or round(minutes / per_trial))
    started, used = time.monotonic(), 0.0
    while cap is None or len(result.trials) < cap:
        if should_stop is not None and should_stop():
            result.state = "stopped"
            break
        if used + per_trial * 60 > minutes * 60 + 1e-6:
            break
        number = len(result.trials)
        trial = None if number == 0 else study.ask()
        params = (base_values(space, base_model, base_train) if trial is None
                  else space.suggest(trial))
        row, reported = _run_trial(ctx, number, params, trial)
        # a last step past the budget is not charged; a trial that could not start
        # is charged in full, so that a search of failing trials ends
        used += min(row.trained_s, per_trial * 60) if row.trained_s else per_trial * 60
        _tell(optuna, study, trial, row, reported)
        result.trials.append(row)
        result.best, result.baseline = _best(result.trials), result.trials[0]
        result.wall_s = time.monotonic() - started
        if row.state == "stopped":
            result.state = "stopped"
        save_search(workspace, result)
        if on_trial is not None:
            on_trial(row)
        if result.state == "stopped":
            break
    if result.state == "running":
        result.state = "finished"
    result.wall_s = time.monotonic() - started
    save_search(workspace, result)
    return result
