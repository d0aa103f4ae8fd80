"""What the command modules share: the workspace flag, command groups, the budget,
optimisation and hardware flags, the recipe line, training in the foreground, and
the picture writer.

Each command group (``lm``, ``mt``, ``corpus``, ``runs``, ``experiments``,
``inspect``, ``series``) imports from here and from nothing above it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from nlp.cli.corpus import add_file_flags, patterns_from
from nlp.errors import StudioError
from nlp.paths import default_workspace
from nlp.training.config import TrainConfig
from nlp.training.events import FailedEvent

log = logging.getLogger(__name__)


class PictureWriter(Protocol):
    """Draws results as PNG files. ``nlp/`` never imports Qt: the program's entry
    (``main.py``) hands ``nlp.cli.main.main`` a writer built on the window's own
    widgets (``gui.pictures``), and commands reach it through :func:`pictures`."""

    def save_curves(self, curves, path) -> object: ...
    def save_inspection(self, result, path, **options) -> object: ...
    def save_forecast(self, report: dict, path) -> object: ...


_picture_writer: Callable[[], PictureWriter] | None = None


def use_pictures(writer: Callable[[], PictureWriter] | None) -> None:
    """Set where pictures come from (``nlp.cli.main.main`` does, from its argument)."""
    global _picture_writer
    _picture_writer = writer


def pictures() -> PictureWriter:
    """The picture writer given to ``main``; a clear error when there is none."""
    if _picture_writer is None:
        raise StudioError("pictures can be drawn only when RNN Studio is started as "
                          "`python main.py ...`; ask for a .json file instead")
    return _picture_writer()


def add_workspace_flag(parser: argparse.ArgumentParser) -> None:
    """The ``--workspace DIR`` flag shared by every command that touches runs."""
    parser.add_argument(
        "--workspace", type=Path, default=None,
        help=f"folder holding runs (default: {default_workspace()})",
    )


def subcommand_group(sub, name: str, help: str) -> argparse._SubParsersAction:
    """The sub-commands of ``name`` (``train lm``, ``train mt``), shared by the
    modules that add to it."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help, description=help)
        parser.set_defaults(handler=lambda args: parser.print_help() or 2)
        parser._group = parser.add_subparsers(dest=f"{name}_what", metavar="WHAT")
    return parser._group


def workspace_from(args: argparse.Namespace) -> Path:
    return args.workspace if args.workspace is not None else default_workspace()


DECODING_PRECISIONS = ("auto", "fp32", "bf16")  # a translator's --precision (fp16: auto's pick)


def add_precision_flag(p: argparse.ArgumentParser) -> None:
    """``--precision`` of a translator's decoding (``translate``, ``evaluate mt``)."""
    p.add_argument("--precision", default="auto", choices=DECODING_PRECISIONS,
                   help="the decoder's matrix products: auto = bf16 where the CPU or GPU "
                        "has fast bf16 kernels (batched decoding ~1.4x faster, BLEU "
                        "unchanged), else fp32")


def add_text_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reading the corpus")
    g.add_argument("--encoding", help="the corpus encoding, when detection guesses wrong "
                   "(for example cp1252)")
    g.add_argument("--replace-errors", action="store_true",
                   help="replace undecodable bytes (and report how many) instead of stopping")
    g.add_argument("--lowercase", action="store_true", help="lowercase the text")
    g.add_argument("--no-nfc", action="store_true", help="keep the text's Unicode form as is")
    add_file_flags(g)  # the same folder flags as ``corpus inspect``


def text_options_from(args) -> dict:
    return {"encoding": args.encoding, "replace_errors": args.replace_errors,
            "nfc": not args.no_nfc, "lowercase": args.lowercase,
            "include": list(patterns_from(args.include)),
            "exclude": list(patterns_from(args.exclude)), "strict": args.strict}


def add_budget_and_device(p: argparse.ArgumentParser) -> None:
    """Budget, optimisation and hardware flags. Every optimisation flag defaults to
    the recipe's choice (``nlp.training.recipe``): give one to replace just that part."""
    g = p.add_argument_group("budget (give one or more; training ends at the first reached)")
    g.add_argument("--minutes", type=float, help="wall-clock minutes, evaluation included "
                   "(default 10 when no budget is given)")
    g.add_argument("--epochs", type=float, help="passes over the training data")
    g.add_argument("--steps", type=int, help="optimizer steps")
    g = p.add_argument_group("optimization (default: the recipe's, chosen for the corpus, "
                             "the budget and this machine)")
    g.add_argument("--batch-size", type=int)
    g.add_argument("--lr", type=float, help="peak learning rate (AdamW)")
    g.add_argument("--schedule", choices=("cosine", "plateau", "constant"))
    g.add_argument("--warmup", type=int, help="warm-up steps")
    g.add_argument("--clip", type=float, help="gradient norm clip")
    g.add_argument("--eval-every", type=int, help="evaluate every N steps (default: about "
                   "8 times a run)")
    g.add_argument("--patience", type=int, help="stop after N evaluations without "
                   "improvement (default 3; 0 = never stop early)")
    g.add_argument("--no-early-stop", action="store_true",
                   help="train to the end of the budget even when validation gets worse")
    g.add_argument("--seed", type=int)
    g = p.add_argument_group("hardware")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    g.add_argument("--threads", type=int, help="CPU threads")
    g.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"),
                   help="auto = whichever of bf16 and fp32 trains faster here (measured)")


def budget_from(args):
    """The budget that sizes the recipe: the first of --minutes, --epochs, --steps given
    (10 minutes when none is)."""
    from nlp.training.recipe import Budget

    for unit, value in (("minutes", args.minutes), ("epochs", args.epochs),
                        ("steps", args.steps)):
        if value is not None:
            return Budget(unit, value)
    log.info("no budget given: training for 10 minutes (use --minutes, --epochs or --steps)")
    args.minutes = 10.0
    return Budget("minutes", 10.0)


def fixed_train_flags(args) -> dict:
    """TrainConfig fields given on the command line (the rest is the recipe's)."""
    patience = 0 if args.no_early_stop else args.patience
    fixed = {"batch_size": args.batch_size, "lr": args.lr, "schedule": args.schedule,
             "warmup_steps": args.warmup, "clip": args.clip, "eval_every": args.eval_every,
             "patience": patience, "seed": args.seed, "threads": args.threads,
             "precision": None if args.precision == "auto" else args.precision}
    return {k: v for k, v in fixed.items() if v is not None}


def train_config_from(args, recipe) -> TrainConfig:
    """The recipe's training settings with every budget the command line gave."""
    budget = {"max_minutes": args.minutes, "max_epochs": args.epochs, "max_steps": args.steps}
    train = {**recipe.train, **{k: v for k, v in budget.items() if v is not None}}
    if args.eval_every is not None:  # by steps, as asked
        train["eval_minutes"] = None
    return TrainConfig.from_dict(train)  # patience 0 (--no-early-stop): never stops early


def print_recipe(recipe) -> None:
    print(f"recipe: {recipe.why}", file=sys.stderr)


def check_resume_flags(args) -> None:
    """A resume trains ``--minutes`` more (or to the end of the run's own budget);
    say so rather than silently ignore a step or epoch budget."""
    given = [flag for flag, value in (("--steps", args.steps), ("--epochs", args.epochs))
             if value is not None]
    if given:
        raise StudioError(f"{' and '.join(given)} cannot be used with --resume: a run "
                          "continues for --minutes M more, or to the end of its own budget "
                          "without --minutes")


# exit statuses: what a script reads (the CLI docs and ``--help`` list them)
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention after SIGINT (128 + 2), used for SIGTERM too


def run_trainer(trainer, run) -> int:
    """Train in the foreground; Ctrl-C (or SIGTERM) stops cleanly with a checkpoint and
    exits with 130, so that a script does not read the stopped run as finished."""
    print(f"run {run.name!r} in {run.path}", file=sys.stderr)
    interrupted = False

    def stop(signum, frame):
        nonlocal interrupted
        interrupted = True
        print("\nstopping: saving a checkpoint (press Ctrl-C again to abort)", file=sys.stderr)
        trainer.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    old = signal.signal(signal.SIGINT, stop)
    old_term = signal.signal(signal.SIGTERM, stop)
    # under torchrun only rank 0 writes, so only it holds the run's lock
    primary = int(os.environ.get("RANK", "0")) == 0
    try:
        with run.lock() if primary else contextlib.nullcontext():
            final = trainer.run()
    finally:
        signal.signal(signal.SIGINT, old)
        signal.signal(signal.SIGTERM, old_term)
    if isinstance(final, FailedEvent):
        return EXIT_ERROR
    if interrupted:
        if final.step > 0:
            print(f"interrupted: run {run.name!r} is saved at step {final.step:,}; continue "
                  f"it with --resume {run.name}", file=sys.stderr)
        else:
            print(f"interrupted before the first step: run {run.name!r} has nothing to "
                  "resume yet", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


