"""The colour scheme (System / Light / Dark, chosen live and remembered), the
plots and heatmaps following it, and the Help menu's guide and shortcut list."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QTextBrowser

from gui import theme
from gui.style import ERROR_COLOR, ERROR_COLOR_DARK, error_color
from gui.widgets.curves import CurvesView
from gui.widgets.heatmap import CELL, AttentionHeatmap


@pytest.fixture(autouse=True)
def _system_scheme_after(qapp):
    """Every test leaves the application in the system's scheme (light offscreen)."""
    yield
    theme.apply_scheme(qapp, theme.SYSTEM)


def window_colour() -> int:
    return QApplication.palette().color(QPalette.ColorRole.Window).lightness()


def test_dark_is_applied_live_remembered_and_undone(window, ctx, qtbot):
    curves = CurvesView()
    qtbot.addWidget(curves)
    assert not theme.is_dark() and curves.graphics.backgroundBrush().color().lightness() > 200
    window.choose_scheme("dark")
    assert theme.is_dark() and window_colour() < 80
    assert ctx.recall(theme.SETTING_KEY) == "dark"
    assert window.scheme_actions["dark"].isChecked()
    # the plot already drawn follows: dark background, light axis text
    qtbot.waitUntil(lambda: curves.graphics.backgroundBrush().color().lightness() < 80)
    assert curves.loss.getAxis("left").textPen().color().lightness() > 180
    assert error_color() == ERROR_COLOR_DARK
    window.choose_scheme("light")
    assert not theme.is_dark() and error_color() == ERROR_COLOR
    qtbot.waitUntil(lambda: curves.graphics.backgroundBrush().color().lightness() > 200)
    assert ctx.recall(theme.SETTING_KEY) == "light"


def test_the_remembered_scheme_is_applied_when_the_window_is_built(tmp_path, settings, qapp):
    from gui.app import build_window

    settings.setValue(theme.SETTING_KEY, "dark")
    w = build_window(tmp_path / "log.txt", settings)
    try:
        assert theme.is_dark() and w.scheme_actions["dark"].isChecked()
    finally:
        w.close()


def test_system_follows_the_platform_and_an_unknown_value_means_system(qapp):
    # offscreen there is no system scheme: "system" is light, whatever was chosen before
    theme.apply_scheme(qapp, "dark")
    assert theme.apply_scheme(qapp, "no such scheme") == theme.LIGHT
    assert theme.current_choice() == theme.SYSTEM and not theme.is_dark()


def test_attention_heatmap_has_no_white_cells_on_dark(qapp, qtbot):
    theme.apply_scheme(qapp, "dark")
    heatmap = AttentionHeatmap()
    qtbot.addWidget(heatmap)
    heatmap.set_attention(np.array([[1.0, 0.0]], np.float32), ["a", "b"], ["x"])
    image = heatmap.grab().toImage()
    zero = image.pixelColor(heatmap._left + CELL + CELL // 2, heatmap._top + CELL // 2)
    one = image.pixelColor(heatmap._left + CELL // 2, heatmap._top + CELL // 2)
    assert zero.lightness() < 60 < one.lightness()


def test_the_guide_opens_offline_in_a_dialog(window, qtbot):
    dialog = window.show_guide()
    qtbot.addWidget(dialog)
    text = dialog.findChild(QTextBrowser).toPlainText()
    assert "First steps" in text and "Where your data goes" in text
    for page in window.pages.values():  # every page is described
        assert page.title in text


def test_the_shortcut_list_is_read_from_the_window(window, qtbot):
    rows = window.shortcut_list()
    native = QKeySequence.SequenceFormat.NativeText
    for i, page in enumerate(window.pages.values(), start=1):  # the Go menu, in order
        assert rows.index((QKeySequence(f"Ctrl+{i}").toString(native), f"Go: {page.title}")) \
            == rows.index((QKeySequence("Ctrl+1").toString(native), "Go: Corpora")) + i - 1
    assert (QKeySequence("F1").toString(native), "Help: Guide") in rows
    if "inspect" in window.pages:  # a page's own QShortcut, named by its what's-this text
        assert (QKeySequence("Ctrl+Return").toString(native), "Inspect: Inspect") in rows
    # a shortcut added later is listed too: the list is not written by hand
    extra = QAction("Frobnicate", window.pages["train"])
    extra.setShortcut(QKeySequence("Ctrl+Shift+F9"))
    assert any(what == "Train: Frobnicate" for _, what in window.shortcut_list())
    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    assert dialog.isVisible()


def test_text_heatmaps_have_a_dark_middle_on_dark(qapp, qtbot):
    from gui.widgets.text_heatmap import GRID_CELL, GRID_ROW, UnitGrid, colors

    light, dark = colors([0.0, 0.0], -1.0, 1.0), colors([0.0, 0.0], -1.0, 1.0, dark=True)
    assert light[0].min() > 240 and dark[0].max() < 60
    grid = UnitGrid()
    qtbot.addWidget(grid)
    grid.set_rows([[0.0, 1.0]], ["unit 1"], ["a", "b"], -1.0, 1.0)
    theme.apply_scheme(qapp, "dark")  # after the values: the grid recolours when painted
    qtbot.waitUntil(lambda: theme.is_dark(grid.palette()))  # the change reaches it
    image = grid.grab().toImage()
    zero = image.pixelColor(grid._left + GRID_CELL // 2, grid._top + GRID_ROW // 2)
    assert zero.lightness() < 60


def test_a_change_of_the_system_scheme_is_followed_only_under_system(qapp, monkeypatch):
    """Offscreen has no system scheme to change, so the system's answer is stood in for."""
    theme.apply_scheme(qapp, theme.LIGHT)
    monkeypatch.setattr(theme, "system_scheme", lambda: theme.DARK)
    theme._system_changed(None)  # what colorSchemeChanged calls
    assert not theme.is_dark()  # a scheme chosen by hand stays
    theme.apply_scheme(qapp, theme.SYSTEM)
    assert theme.is_dark()  # the platform stays light here: the dark palette is ours
    monkeypatch.setattr(theme, "system_scheme", lambda: theme.LIGHT)
    theme._system_changed(None)
    assert not theme.is_dark()


def test_the_guide_is_in_chinese_in_the_chinese_interface(window, qapp, qtbot):
    from gui import i18n

    assert i18n.install_translator(qapp, "zh_CN") == "zh_CN"  # conftest removes it after
    dialog = window.show_guide()
    qtbot.addWidget(dialog)
    assert window.guide_path().name == "guide.zh_CN.md"
    assert "第一步" in dialog.findChild(QTextBrowser).toPlainText()
