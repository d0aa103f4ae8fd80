"""The command line: ``python main.py COMMAND ...``.

Each command group lives in its own module (``nlp.cli.lm``, ``nlp.cli.mt``, ...)
and adds itself with ``register(sub)``; what they share is ``nlp.cli.common``.
This module builds the parser, sets up logging and turns a
:class:`~nlp.errors.StudioError` into a plain message on stderr (exit 1).
Anything else is a bug: its traceback goes to the log file, and the message
says where that file is (exit 1 too). Exit 2 is argparse's, for a command line
it cannot read; 130 is a run stopped by Ctrl-C or SIGTERM (its checkpoint saved).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from nlp.cli import corpus, experiments, inspect, lm, mt, runs, series
from nlp.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PictureWriter,
    use_pictures,
)
from nlp.errors import StudioError
from nlp.paths import log_dir

log = logging.getLogger(__name__)

COMMAND_GROUPS = (corpus, lm, mt, runs, experiments, inspect, series)

EXIT_STATUSES = f"""exit status:
  {EXIT_OK}    done
  {EXIT_ERROR}    an error (the message says what went wrong)
  {EXIT_USAGE}    the command line was not understood (a wrong or missing option)
  {EXIT_INTERRUPTED}  stopped by Ctrl-C or SIGTERM (a training run saves a checkpoint first)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnn-studio",
        description="RNN Studio: train LSTM and GRU language models and translators "
        "on your own text. Run with no command to open the window.",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


class _MessageOnly(logging.Formatter):
    """Console format: the message alone; tracebacks belong in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


def setup_logging(verbose: bool = False) -> Path:
    """Messages to stderr, full details (tracebacks included) to a log file."""
    root = logging.getLogger()
    if getattr(setup_logging, "_done", None):
        return setup_logging._done  # type: ignore[attr-defined]
    root.setLevel(logging.DEBUG)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.INFO)
    console.setFormatter(_MessageOnly())
    root.addHandler(console)
    path = log_dir() / "rnn-studio.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    except OSError as exc:  # a read-only home must not stop the app
        console.handle(logging.makeLogRecord({"msg": f"note: cannot write the log file {path}: {exc}"}))
    setup_logging._done = path  # type: ignore[attr-defined]
    return path


def main(argv: Sequence[str] | None = None,
         pictures: Callable[[], PictureWriter] | None = None) -> int:
    """Run one command. ``pictures`` gives the writer of PNG files (``main.py`` passes
    ``gui.pictures``, loaded only when a command draws one)."""
    use_pictures(pictures)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    log_path = setup_logging(args.verbose)
    try:
        return int(args.handler(args) or 0)
    except StudioError as exc:
        log.debug("command failed", exc_info=True)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the last line of defence: no traceback for users
        log.debug("unexpected error", exc_info=True)  # the traceback goes to the log file
        print(
            f"error: something went wrong inside RNN Studio (a bug). "
            f"The details are in {log_path}; please include them when you report it.",
            file=sys.stderr,
        )
        return EXIT_ERROR
