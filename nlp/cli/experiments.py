"""CLI: ``compare`` (configurations trained alike, side by side) and ``search``
(hyperparameter search), over ``nlp.experiments.compare`` and ``nlp.experiments.search``."""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import signal
import sys
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

from nlp.cli.common import (
    EXIT_INTERRUPTED,
    add_budget_and_device,
    add_text_options,
    add_workspace_flag,
    pictures,
    print_recipe,
    run_trainer,
    workspace_from,
)
from nlp.cli.lm import add_lm_model_flags, lm_recipe_from
from nlp.errors import ConfigError, StudioError
from nlp.runs.workspace import Workspace
from nlp.training.progress import ConsoleProgress, format_duration


@contextlib.contextmanager
def stop_on_interrupt():
    """An event set by Ctrl-C (or SIGTERM): the current run stops with a checkpoint
    and what is done so far is kept (and shown); the command then exits with 130
    (``EXIT_INTERRUPTED``) when the event is set. A second Ctrl-C aborts."""
    stop = threading.Event()

    def handler(signum, frame):
        print("\nstopping: saving a checkpoint (press Ctrl-C again to abort)", file=sys.stderr)
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    old_int = signal.signal(signal.SIGINT, handler)
    old_term = signal.signal(signal.SIGTERM, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


_NUMBER_MARKS = str.maketrans("", "", ",.:-")  # 1,234  0.5  1:30  -2


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns aligned: text to the left, numbers to the right."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]

    def line(cells) -> str:
        out = []
        for cell, width in zip(cells, widths, strict=True):
            text = str(cell)
            numeric = text.translate(_NUMBER_MARKS).isdigit()
            out.append(text.rjust(width) if numeric else text.ljust(width))
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), *map(line, rows)])


def _number(value, digits: str = ".4f") -> str:
    return "-" if value is None else format(value, digits)


def _value_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return format(value, ".4g") if isinstance(value, float) else str(value)


def _settings_text(values: dict) -> str:
    return " ".join(f"{k}={_value_text(v)}" for k, v in values.items())


def _stem(corpus: str) -> str:
    stem = Path(corpus).stem or "corpus"
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in stem)[:40]


def _workspace_flag(args) -> list[str]:
    return ["--workspace", str(args.workspace)] if args.workspace is not None else []


# -- shared flags -------------------------------------------------------------------
def _add_lm_flags(p: argparse.ArgumentParser) -> None:
    """Data and base-model flags, as ``train lm`` has them; the base is the recipe
    for the corpus and budget (``nlp.training.recipe``), with any flag given in place of its part."""
    g = p.add_argument_group("data")
    g.add_argument("--corpus", help="a .txt file, a folder of them, or .gz")
    g.add_argument("--valid", help="a validation file (default: the last 10%% of the corpus)")
    g.add_argument("--level", choices=("char", "subword"), default="char")
    add_lm_model_flags(p)
    add_text_options(p)
    add_budget_and_device(p)
    add_workspace_flag(p)


def _base(args, cell: str):
    """(data spec, model dict, training config) of the recipe, with the flags given."""
    if not args.corpus:
        raise StudioError("give the corpus to train on with --corpus FILE")
    spec, model, train, recipe = lm_recipe_from(args, cell)
    print_recipe(recipe)
    return spec, model, train


# -- compare ------------------------------------------------------------------------
def _variants(args) -> list[dict]:
    from nlp.experiments.compare import parse_settings

    if args.variant and args.cells:
        raise ConfigError("give --cells or --variant, not both")
    if args.variant:
        return [parse_settings(text) for text in args.variant]
    return [{"cell": cell} for cell in (args.cells or ["lstm", "gru"])]


def compare_rows_text(rows) -> str:
    names = {r.score_name for r in rows}
    score_header = names.pop() if len(names) == 1 else "score"
    table = [[r.run, r.cell, f"{r.params:,}", _number(r.best_val_loss),
              _number(r.score) if score_header != "score" else f"{_number(r.score)} {r.score_name}",
              "-" if r.tokens_per_s is None else f"{r.tokens_per_s:,.0f}",
              format_duration(r.wall_s), f"{r.steps:,}", _settings_text(r.differs)]
             for r in rows]
    return format_table(["run", "cell", "params", "best val loss", score_header, "tokens/s",
                         "time", "steps", "differs"], table)


def cmd_compare(args) -> int:
    from nlp.experiments.compare import compare_lm, compare_table, histories

    ws = Workspace(workspace_from(args))
    stop = None  # set by Ctrl-C while the variants train
    if args.runs:
        rows = compare_table(ws, args.runs)
    elif not args.corpus:
        raise StudioError("give the corpus to train on with --corpus FILE, or existing runs "
                          "to compare with --runs")
    else:
        variants = _variants(args)
        spec, model, train = _base(args, "lstm")
        prefix = args.name or f"{_stem(args.corpus)}-compare"
        print(f"workspace: {ws.root}", file=sys.stderr)

        def started(run) -> None:
            print(f"run {run.name!r} in {run.path}", file=sys.stderr)

        with stop_on_interrupt() as stop:
            rows = compare_lm(ws, prefix, spec, model, train, variants, (ConsoleProgress(),),
                              should_stop=stop.is_set, on_run=started)
    print(compare_rows_text(rows))
    curves = histories(ws, [r.run for r in rows])
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": [asdict(r) for r in rows],
                                              "curves": curves}, indent=1), encoding="utf-8")
        print(f"table and curves written to {args.out}", file=sys.stderr)
    if args.plot:
        pictures().save_curves(curves, args.plot)
        print(f"curves drawn in {args.plot}", file=sys.stderr)
    return EXIT_INTERRUPTED if stop is not None and stop.is_set() else 0


# -- search -------------------------------------------------------------------------
def trials_text(result) -> str:
    """The trials of a search as a table; the baseline and the best are marked."""
    names = _space_names(result)
    score_name = result.trials[0].score_name if result.trials else "score"
    rows = []
    for t in result.trials:
        mark = "default" if t.number == 0 else ""
        if result.best is not None and t.number == result.best.number:
            mark = f"{mark}, best" if mark else "best"
        rows.append([str(t.number), t.state, *(_value_text(t.params.get(n)) for n in names),
                     _number(t.value), _number(t.score), format_duration(t.trained_s),
                     f"{t.steps:,}", t.run or "-", mark])
    return format_table(["trial", "state", *names, "val loss", score_name, "time", "steps",
                         "run", ""], rows)


def _space_names(result) -> list[str]:
    from nlp.experiments.search import SearchSpace

    return list(SearchSpace.parse(result.space).names)


def _summary_text(result, args) -> str:
    lines = [f"search {result.name!r} ({result.method}, {result.state}): "
             f"{len(result.trials)} trials in {format_duration(result.wall_s)}"]
    best, base = result.best, result.baseline
    if best is None:
        lines.append("no trial completed")
        return "\n".join(lines)
    if base is not None and base.value is not None and best.number != base.number:
        lines.append(f"best: trial {best.number}, val loss {best.value:.4f} against "
                     f"{base.value:.4f} for the default ({_settings_text(best.params)})")
    else:
        lines.append(f"best: the default configuration (val loss {best.value:.4f})")
    from nlp.experiments.search import train_command

    run_name = f"{result.name}-best"
    lines += ["train it fully:",
              "  " + shlex.join(["python", "main.py", "search", "--train-best", result.name,
                                 "--minutes", "30", *_workspace_flag(args)]),
              "or:",
              "  " + train_command(result, 30, run_name)
              + (" " + shlex.join(_workspace_flag(args)) if _workspace_flag(args) else "")]
    return "\n".join(lines)


def _print_trial(row) -> None:
    value = "-" if row.value is None else f"val loss {row.value:.4f}"
    note = f" ({row.message})" if row.message else ""
    print(f"trial {row.number} {row.state}: {_settings_text(row.params)} -> {value} "
          f"after {format_duration(row.trained_s)}{note}", file=sys.stderr)


def _list_searches(ws: Workspace) -> int:
    from nlp.experiments.search import list_searches

    results = list_searches(ws)
    if not results:
        print(f"no searches in {ws.root}", file=sys.stderr)
        return 0
    rows = [[r.name, r.method, r.state, str(len(r.trials)),
             _number(r.baseline.value if r.baseline else None),
             _number(r.best.value if r.best else None),
             time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))] for r in results]
    print(format_table(["search", "method", "state", "trials", "default", "best", "created"],
                       rows))
    return 0


def _train_best(args, ws: Workspace) -> int:
    from nlp.experiments.search import best_settings, load_search
    from nlp.tasks.lm.session import new_lm_training

    result = load_search(ws, args.train_best)
    spec, model, train = best_settings(result)
    if args.minutes is None and args.steps is None and args.epochs is None:
        raise StudioError("give the full run's budget with --minutes (or --steps, --epochs)")
    train = replace(train, max_minutes=args.minutes, max_steps=args.steps,
                    max_epochs=args.epochs)
    name = args.name or f"{result.name}-best"
    print(f"training the best of search {result.name!r}: {_settings_text(result.best.params)}",
          file=sys.stderr)
    trainer, run = new_lm_training(ws, name, spec, model, train, (ConsoleProgress(),))
    return run_trainer(trainer, run)


def _search(args, ws: Workspace) -> int:
    from nlp.experiments.search import SearchSpace, plan_budget, run_search

    if not args.space:
        raise StudioError("give the settings to search with --space, e.g. "
                          "--space 'hidden=256,512 lr=1e-3..1e-2:log'")
    if args.minutes is None:
        raise StudioError("give the search's total training time with --minutes")
    space = SearchSpace.parse(args.space)
    # the base (trial 0) is the recipe for one trial's minutes, as the window's search has it
    per_trial, _ = plan_budget(space, args.method, args.minutes, args.trial_minutes,
                               args.trials)
    spec, model, train = _base(argparse.Namespace(**{**vars(args), "minutes": per_trial}),
                               args.cell)
    name = args.name or f"{_stem(args.corpus)}-search-{time.strftime('%Y%m%d-%H%M%S')}"
    print(f"workspace: {ws.root}\nsearch {name!r}: {space}", file=sys.stderr)
    with stop_on_interrupt() as stop:
        result = run_search(ws, name, spec, model, train, space, args.method, args.minutes,
                            args.trial_minutes, args.search_seed, on_trial=_print_trial,
                            should_stop=stop.is_set, trials=args.trials, evals=args.evals)
    print(trials_text(result))
    print(_summary_text(result, args))
    return EXIT_INTERRUPTED if stop.is_set() else 0


def cmd_search(args) -> int:
    ws = Workspace(workspace_from(args))
    if args.action == "list":
        return _list_searches(ws)
    if args.action == "show":
        from nlp.experiments.search import load_search

        if not args.target:
            raise StudioError("name the search to show: search show NAME")
        result = load_search(ws, args.target)
        print(trials_text(result))
        print(_summary_text(result, args))
        return 0
    if args.train_best:
        return _train_best(args, ws)
    return _search(args, ws)


def register(sub) -> None:
    p = sub.add_parser(
        "compare", help="train several configurations alike and compare them",
        description="Train one run per variant (default: an LSTM and a GRU) on the same "
                    "data, seed, data order and budget (--minutes is per run), then print "
                    "the table; or compare existing runs with --runs.")
    p.add_argument("--runs", nargs="+", metavar="RUN", help="compare these existing runs")
    p.add_argument("--cells", nargs="+", choices=("lstm", "gru"),
                   help="one run per cell (default: lstm gru)")
    p.add_argument("--variant", action="append", metavar="SETTINGS",
                   help="one run with these settings over the base, e.g. 'cell=gru "
                        "hidden=256' (repeat for each run)")
    p.add_argument("--name", help="prefix of the run names (default: CORPUS-compare)")
    p.add_argument("--out", metavar="FILE.json", help="write the table and the curves")
    p.add_argument("--plot", metavar="FILE.png", help="draw the curves overlaid")
    _add_lm_flags(p)
    p.set_defaults(handler=cmd_compare)

    p = sub.add_parser(
        "search", help="search hyperparameters (grid, random or Bayesian)",
        description="search --corpus FILE --space SPEC --minutes M: train trials of the base "
                    "configuration with settings from SPEC (e.g. 'hidden=256,512 "
                    "lr=1e-3..1e-2:log dropout=0..0.3 cell=lstm,gru') in M minutes of "
                    "training in all, trial 0 being the base itself. Also: search list, "
                    "search show NAME, search --train-best NAME --minutes 30.")
    p.add_argument("action", nargs="?", choices=("show", "list"),
                   help="list the saved searches, or show one")
    p.add_argument("target", nargs="?", metavar="NAME", help="the search to show")
    p.add_argument("--space", help="the settings to search: name=a,b,c or name=low..high[:log]")
    p.add_argument("--method", choices=("grid", "random", "bayes"), default="bayes")
    p.add_argument("--trials", type=int, help="the most trials, the default one included "
                   "(default: as many as --minutes allows; grid: every point)")
    p.add_argument("--trial-minutes", type=float, help="minutes of each trial "
                   "(default: --minutes / --trials, or a tenth of --minutes)")
    p.add_argument("--evals", type=int, default=4,
                   help="evaluations per trial, where pruning may stop it")
    p.add_argument("--search-seed", type=int, default=0, help="seed of the sampler")
    p.add_argument("--cell", choices=("lstm", "gru"), default="lstm", help="the base cell")
    p.add_argument("--train-best", metavar="SEARCH",
                   help="train the best configuration of a search (budget from --minutes)")
    p.add_argument("--name", help="the search's name (with --train-best: the run's name)")
    _add_lm_flags(p)
    p.set_defaults(handler=cmd_search)
