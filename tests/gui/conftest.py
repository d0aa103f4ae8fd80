"""Window tests: a private settings file and workspace for every test."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from gui.context import AppContext


@pytest.fixture(autouse=True)
def _english_interface():
    """Every test sees the English source texts: a test that installs a
    translation (test_i18n.py) has it removed again when it ends."""
    from gui.i18n import remove_translators

    remove_translators()
    yield
    remove_translators()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def ctx(tmp_path, settings, qapp):
    return AppContext(tmp_path / "workspace", tmp_path / "rnn-studio.log", settings, "CPU (test)")


@pytest.fixture
def window(ctx, qtbot):
    from gui.main_window import MainWindow

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    return w
