"""RNN Studio: ``python main.py`` opens the window, ``python main.py COMMAND`` runs the CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        import importlib

        from nlp import cli

        # commands that draw pictures get them from the GUI package (Qt offscreen)
        cli.install_pictures(lambda: importlib.import_module("gui.pictures"))
        return cli.main(argv)
    from gui.app import run_app

    return run_app()


if __name__ == "__main__":
    sys.exit(main())
