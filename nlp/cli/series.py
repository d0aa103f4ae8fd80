"""CLI: ``series``: train a stacked LSTM/GRU on a CSV column and score its forecast
against the naive and seasonal-naive ones on the held-out end of the series."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nlp.cli.common import add_workspace_flag, pictures, workspace_from
from nlp.errors import StudioError
from nlp.runs.workspace import Workspace
from nlp.tasks.series.data import MISSING
from nlp.training.progress import ConsoleProgress

NAMES = {"naive": "naive (last value)", "seasonal_naive": "seasonal naive"}


def metrics_table(report) -> str:
    """The held-out errors of the model and the baselines, as aligned text."""
    d = report.data
    rows = [("", "MSE", "MAE", "MSE", "MAE")]
    for name, m in report.metrics.items():
        label = report.label if name == "model" else NAMES[name]
        if name == "seasonal_naive":
            label += f" ({d['season']})"
        rows.append((label, *(f"{m[kind][err]:.4g}" for kind in ("forecast", "one_step")
                               for err in ("mse", "mae"))))
    width = max(len(r[0]) for r in rows) + 2
    forecast = f"forecast ({d['horizon']} steps)"
    groups = " " * width + f"{forecast:>24}{'one step ahead':>24}"
    return "\n".join([groups] + [f"{r[0]:<{width}}" + "".join(f"{c:>12}" for c in r[1:])
                                  for r in rows])


def describe(report) -> str:
    d = report.data
    lines = [f"series: {d['csv']}, column {d['column']!r}: {d['length']} values "
             f"({d['train']} train, {d['validation']} validation, {d['test']} test), "
             f"window {d['window']}",
             f"season: {d['season_text']}", *(f"note: {n}" for n in report.notes), "",
             metrics_table(report), "", f"verdict: {report.verdict}"]
    return "\n".join(lines)


def cmd_series(args) -> int:
    from nlp.cli.common import check_resume_flags, run_trainer
    from nlp.tasks.series.session import load_series, resume_series_training
    from nlp.tasks.series.task import forecast_report

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".json", ".png"):
        raise StudioError(f"--out {out}: give a .json file (the numbers) or a .png file "
                          "(the plot)")
    ws = Workspace(workspace_from(args))
    if args.resume:
        check_resume_flags(args)
        trainer, run = resume_series_training(ws, args.resume, args.minutes,
                                              (ConsoleProgress(),))
    else:
        trainer, run = _new_run(args, ws)
    code = run_trainer(trainer, run)
    if code:
        return code
    report = forecast_report(*load_series(run, "best"))
    print(describe(report))
    if out is not None:
        save_report(report, out)
        print(f"wrote {out}", file=sys.stderr)
    return 0


def _new_run(args, ws: Workspace):
    from nlp.tasks.series.data import SeriesDataSpec, sample_series_path
    from nlp.tasks.series.session import (
        default_series_run_name,
        new_series_training,
        series_train_config,
    )

    csv = args.csv
    if csv is None:
        csv = str(sample_series_path())
        print(f"no --csv given: using the sample series {csv}", file=sys.stderr)
    spec = SeriesDataSpec(csv=csv, column=args.column, missing=args.missing,
                          encoding=args.encoding, window=args.window, horizon=args.horizon,
                          season=args.season)
    epochs = args.epochs if args.epochs or args.minutes or args.steps else 30.0
    train = series_train_config(epochs=epochs, minutes=args.minutes, steps=args.steps,
                                batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                                device=args.device, threads=args.threads)
    model = {"cell": args.cell, "hidden": tuple(args.hidden), "dropout": args.dropout,
             "centre": args.centre}
    name = args.name or default_series_run_name(spec, args.cell)
    return new_series_training(ws, name, spec, model, train, (ConsoleProgress(),))


def save_report(report, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".png":
        pictures().save_forecast(report.to_dict(), out)
    else:
        out.write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")


def register(sub) -> None:
    p = sub.add_parser(
        "series", help="forecast a numeric CSV column with a stacked LSTM or GRU",
        description="Train a stacked LSTM or GRU regressor on one column of a CSV file (a "
                    "header line is needed), forecast its last --horizon values and compare "
                    "with the naive and seasonal-naive forecasts. Without --csv it uses the "
                    "sample series that ships with RNN Studio.")
    g = p.add_argument_group("data")
    g.add_argument("--csv", help="the CSV file (default: corpora/series/seasonal.csv)")
    g.add_argument("--column", help="the column to forecast, by name (default: the only "
                   "numeric one)")
    g.add_argument("--missing", choices=MISSING, default="error",
                   help="empty or non-numeric cells: stop (error), leave the row out (drop) "
                        "or fill in from the neighbours (interpolate)")
    g.add_argument("--encoding", help="the file's encoding when it is not UTF-8/UTF-16")
    g.add_argument("--window", type=int, default=28, help="values the model sees per "
                   "prediction (default 28)")
    g.add_argument("--horizon", type=int, default=28, help="values held out and forecast at "
                   "the end (default 28)")
    g.add_argument("--season", type=int, help="season length for the seasonal-naive "
                   "baseline (default: detected from the training part)")
    g = p.add_argument_group("model")
    g.add_argument("--cell", choices=("lstm", "gru"), default="lstm")
    g.add_argument("--hidden", type=int, nargs="+", default=[50, 50], metavar="N",
                   help="one size per layer (default: 50 50)")
    g.add_argument("--dropout", type=float, default=0.0)
    g.add_argument("--no-centring", dest="centre", action="store_false",
                   help="feed the scaled values as they are, as a plain Keras stack does, "
                        "instead of centring each window on its mean (docs/series.md)")
    g = p.add_argument_group("training (Adam, mean squared error)")
    g.add_argument("--epochs", type=float, help="passes over the training windows "
                   "(default 30 when no budget is given)")
    g.add_argument("--minutes", type=float, help="wall-clock minutes of training")
    g.add_argument("--steps", type=int, help="optimizer steps")
    g.add_argument("--batch-size", type=int, default=32)
    g.add_argument("--lr", type=float, default=1e-2, help="peak learning rate (default 0.01)")
    g.add_argument("--seed", type=int, default=1234)
    g.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    g.add_argument("--threads", type=int, help="CPU threads")
    p.add_argument("--out", help="write the forecast and its errors to FILE.json, or its plot "
                   "to FILE.png")
    p.add_argument("--name", help="name of the new run (default: file-cell-date)")
    p.add_argument("--resume", metavar="RUN", help="continue this run from its last "
                   "checkpoint, for --minutes M more or to the end of its own budget")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_series)
