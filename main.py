"""RNN Studio: ``python main.py`` opens the window, ``python main.py COMMAND`` runs the CLI."""

from __future__ import annotations

import sys


def _pictures():
    """The PNG writer of the commands that draw (curves, heatmaps, forecasts): the
    window's own widgets, drawn offscreen. Imported only when a picture is asked for,
    so other commands never load Qt."""
    from gui import pictures

    return pictures


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        from nlp.cli.main import main as command_line

        return command_line(argv, pictures=_pictures)
    from gui.app import run_app

    return run_app()


if __name__ == "__main__":
    sys.exit(main())
