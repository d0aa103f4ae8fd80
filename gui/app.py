"""Starts the Qt application and the main window."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from nlp.cli.main import setup_logging

log = logging.getLogger(__name__)


def _workspace_root(settings) -> Path:
    from nlp.paths import default_workspace

    if os.environ.get("RNN_STUDIO_WORKSPACE"):
        return default_workspace()
    chosen = settings.value("workspace", "")
    return Path(chosen) if chosen else default_workspace()


def build_window(log_path: Path | None = None, settings=None):
    """The main window with its pages, on an existing QApplication (tests use it)."""
    import torch

    from gui.context import AppContext
    from gui.main_window import MainWindow, make_settings
    from nlp.training.devices import device_description, pick_device

    settings = settings if settings is not None else make_settings()
    device = pick_device("auto")
    if device.type == "cpu":
        torch.set_num_threads(max(1, torch.get_num_threads()))
    ctx = AppContext(_workspace_root(settings), log_path, settings, device_description(device))
    # the colour scheme before the window is built, so nothing is drawn twice
    from PySide6.QtWidgets import QApplication

    from gui import theme

    theme.apply_scheme(QApplication.instance(), ctx.recall(theme.SETTING_KEY, theme.SYSTEM))
    return MainWindow(ctx)


def run_app(argv: list[str] | None = None) -> int:
    """Open the main window; returns the process exit code."""
    log_path = setup_logging()
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox
    except ImportError as exc:  # a broken Qt install: say so in plain words
        print(f"error: the window needs PySide6, which cannot be imported ({exc}). "
              "Reinstall with: pip install PySide6-Essentials", file=sys.stderr)
        return 2
    from PySide6.QtCore import QCoreApplication

    from gui.i18n import SETTING_KEY, SYSTEM, install_translator, resolve_language
    from gui.main_window import make_settings

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("RNN Studio")
    app.setOrganizationName("RNN Studio")
    settings = make_settings()
    # before any widget is built: texts are translated when they are set
    install_translator(app, resolve_language(str(settings.value(SETTING_KEY, SYSTEM) or "")))

    def excepthook(kind, exc, tb):  # a bug in a slot: log it, tell the user, keep running
        log.error("unexpected error in the window", exc_info=(kind, exc, tb))
        QMessageBox.warning(None, "RNN Studio", QCoreApplication.translate(
            "App", "Something went wrong inside RNN Studio (a bug). The app keeps running; "
            "the details are in {log}.").format(log=log_path))

    sys.excepthook = excepthook
    window = build_window(log_path, settings)
    window.show()
    check_workspace(window)
    return app.exec()


def check_workspace(window) -> bool:
    """At start, a workspace that cannot be written (a read-only folder, a path
    under a file, a disk gone) is said at once in a dialog, not first when a
    training fails; the window stays open to choose another. False if so."""
    from PySide6.QtCore import QCoreApplication

    from nlp.errors import StudioError

    try:
        window.ctx.workspace.ensure_writable()
    except StudioError as exc:
        log.warning("%s", exc)
        window.ctx.show_error(window, QCoreApplication.translate("App", "Workspace"), exc)
        return False
    return True
