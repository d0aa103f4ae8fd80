"""RNN Studio: ``python main.py`` opens the window, ``python main.py COMMAND`` runs the CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        from nlp.cli import main as cli_main

        return cli_main(argv)
    from gui.app import run_app

    return run_app()


if __name__ == "__main__":
    sys.exit(main())
