"""Starts the Qt application and the main window."""

from __future__ import annotations

import logging
import sys

from nlp.cli import setup_logging

log = logging.getLogger(__name__)


def run_app(argv: list[str] | None = None) -> int:
    """Open the main window; returns the process exit code."""
    log_path = setup_logging()
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # a broken Qt install: say so in plain words
        print(f"error: the window needs PySide6, which cannot be imported ({exc}). "
              "Reinstall with: pip install PySide6-Essentials", file=sys.stderr)
        return 2
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("RNN Studio")
    app.setOrganizationName("RNN Studio")
    window = MainWindow(log_path=log_path)
    window.show()
    return app.exec()
