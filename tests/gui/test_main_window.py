"""The window opens, lists its pages, remembers its geometry and last page."""

from __future__ import annotations

from gui.main_window import PAGES, MainWindow


def test_window_shows_device_and_workspace(window, ctx):
    window.show()
    texts = [w.text() for w in window.statusBar().findChildren(type(window.device_label))]
    assert any("CPU (test)" in t for t in texts)
    assert any(str(ctx.workspace.root) in t for t in texts)
    assert any(str(ctx.log_path) in t for t in texts)
    assert window.nav.count() == len(PAGES)


def test_geometry_and_page_are_remembered(ctx, qtbot):
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    first.show()
    # not the first start's 1200 x 800, and at its minimum width: a restored window is
    # fitted to the offscreen screen (800 x 800), narrowed to its minimum and moved left
    first.setGeometry(40, 50, first.minimumWidth(), 640)
    qtbot.waitUntil(lambda: first.geometry().height() == 640)
    first.nav.setCurrentRow(first.nav.count() - 1)
    geometry = first.geometry()
    first.close()
    second = MainWindow(ctx)
    qtbot.addWidget(second)
    second.show()
    assert (second.geometry().size(), second.geometry().top()) == (geometry.size(), 50)
    assert second.nav.currentRow() == first.nav.count() - 1 > 0


def test_build_window_uses_the_remembered_workspace(tmp_path, settings, qapp, monkeypatch):
    from gui.app import build_window

    monkeypatch.delenv("RNN_STUDIO_WORKSPACE")
    settings.setValue("workspace", str(tmp_path / "elsewhere"))
    w = build_window(tmp_path / "log.txt", settings)
    assert w.ctx.workspace.root == tmp_path / "elsewhere"
    w.close()
