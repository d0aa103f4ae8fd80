"""The command line: ``python main.py COMMAND ...``.

Each command lives in its own module and adds itself with ``register(sub)``;
this module builds the parser, sets up logging and turns a
:class:`~nlp.errors.StudioError` into a plain message on stderr (exit 2).
Anything else is a bug: its traceback goes to the log file, and the message
says where that file is.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from nlp.errors import StudioError
from nlp.paths import default_workspace, log_dir

log = logging.getLogger(__name__)

# nlp/ never imports Qt, yet some commands draw pictures (curves, heatmaps).
# main.py installs a loader for gui/pictures.py (Qt offscreen); a command asks
# for it with ``pictures()`` only when the user wants a .png.
_pictures_loader: Callable[[], object] | None = None


def install_pictures(loader: Callable[[], object]) -> None:
    """Say how to load the picture module (``main.py`` does this)."""
    global _pictures_loader
    _pictures_loader = loader


def pictures():
    """The picture-drawing module (``gui.pictures``), loaded on first use."""
    if _pictures_loader is None:
        raise StudioError("pictures can be drawn only when RNN Studio is started as "
                          "`python main.py ...`; ask for a .json file instead")
    return _pictures_loader()

# Modules that define commands: each has ``register(subparsers)``. A module
# that is not written yet is skipped, so the CLI always starts.
COMMAND_MODULES = (
    "nlp.cli_corpus",
    "nlp.cli_lm",
    "nlp.cli_mt",
    "nlp.cli_runs",
    "nlp.cli_experiments",  # compare, search
    "nlp.cli_inspect",  # inspect
    "nlp.cli_series",  # series
)


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnn-studio",
        description="RNN Studio: train LSTM and GRU language models and translators "
        "on your own text. Run with no command to open the window.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
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


def main(argv: Sequence[str] | None = None) -> int:
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
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - the last line of defence: no traceback for users
        log.debug("unexpected error", exc_info=True)  # the traceback goes to the log file
        print(
            f"error: something went wrong inside RNN Studio (a bug). "
            f"The details are in {log_path}; please include them when you report it.",
            file=sys.stderr,
        )
        return 1
