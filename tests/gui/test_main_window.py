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
    first.resize(first.minimumSizeHint().expandedTo(first.size()))
    if first.nav.count() > 1:
        first.nav.setCurrentRow(first.nav.count() - 1)
    first.close()
    second = MainWindow(ctx)
    qtbot.addWidget(second)
    assert not ctx.recall("window/geometry").isEmpty()  # saved on close; offscreen clamps sizes
    assert second.nav.currentRow() == first.nav.count() - 1 if first.nav.count() else True


def test_build_window_uses_the_remembered_workspace(tmp_path, settings, qapp, monkeypatch):
    from gui.app import build_window

    monkeypatch.delenv("RNN_STUDIO_WORKSPACE")
    settings.setValue("workspace", str(tmp_path / "elsewhere"))
    w = build_window(tmp_path / "log.txt", settings)
    assert w.ctx.workspace.root == tmp_path / "elsewhere"
    w.close()
