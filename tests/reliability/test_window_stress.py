"""The window under stress: a seeded random session of a couple of hundred actions on
every page raises nothing, logs no error and never stalls the event loop; closing
during training saves a checkpoint and returns within seconds, and so does closing
while a big corpus is still being read (for a run, or for the Corpora page).

The session is ``scripts/soak_window.py``'s :class:`Session` (the soak runs a
longer one of the same).
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer

pytestmark = pytest.mark.reliability

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "soak_window.py"
ACTIONS = 200
# The event loop must run a 10 ms timer at least this often. The GUI thread's own work
# between two ticks (its CPU time) is held to 1 s; the wall-clock gap, which also counts
# waiting for a CPU, only to 5 s: on this 2-core machine shared with other test runs,
# scheduling alone gave gaps up to 1.7 s with the GUI thread busy for a third of that.
MAX_BUSY_S, MAX_STALL_S = 1.0, 5.0


@pytest.fixture(scope="module")
def soak():
    spec = importlib.util.spec_from_file_location("soak_window", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def window(tmp_path, qapp, qtbot, soak, monkeypatch):
    """The main window on a workspace with a tiny language model and translator."""
    from gui.context import AppContext
    from gui.i18n import remove_translators
    from gui.main_window import MainWindow

    remove_translators()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(tmp_path / "workspace", tmp_path / "rnn-studio.log", settings, "CPU (test)")
    files = soak.write_inputs(tmp_path / "inputs")
    soak.make_runs(ctx.workspace, files)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.files = files
    yield w
    from PySide6.QtWidgets import QMessageBox

    # closing asks when something still runs; answered here, never waited on
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    w.close()
    # the sessions' timers are the window's children; stopped now, not when Qt gets
    # round to deleting the window, they cannot fire into the next tests' widgets
    for timer in w.findChildren(QTimer):
        timer.stop()


def test_a_random_session_raises_nothing_and_never_freezes(window, soak):
    session = soak.Session(window, window.files, seed=7)
    report = session.run(ACTIONS)

    assert report["actions"] == ACTIONS
    assert report["problems"] == []
    assert report["settled"], "training, generating or translating did not end"
    assert report["max_busy_stall_s"] < MAX_BUSY_S, report["worst_stalls"]
    assert report["max_stall_s"] < MAX_STALL_S, report["worst_stalls"]
    assert len(report["by_kind"]) >= 10  # the session did many kinds of things
    assert soak.damaged_runs(window.ctx.workspace) == []


def test_closing_during_training_saves_and_exits_within_seconds(window, soak):
    session = soak.Session(window, window.files, seed=3)
    with session.problems:
        closing = session.close_while_training()

    assert closing["stepped"] and closing["closed"]
    assert closing["close_s"] < 5.0, closing
    assert closing["saved_step"] is not None and closing["saved_step"] >= 3
    assert not closing["still_training"]
    assert session.problems.items == []


def write_big_corpus(path, megabytes: int = 150):
    """Seconds of reading, counting and encoding."""
    block = (" ".join(["the cat sat on a mat and the dog ran far away."] * 20) + "\n") * 1000
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(megabytes * (1 << 20) // len(block)):
            f.write(block)
    return path


def close_answering_yes(window) -> float:
    """Close the window (Yes to "Quit anyway?"); the seconds it took."""
    from PySide6.QtWidgets import QMessageBox

    original = QMessageBox.question
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    try:
        started = time.monotonic()
        window.close()
        return time.monotonic() - started
    finally:
        QMessageBox.question = original


def test_closing_while_a_big_corpus_is_prepared_returns_at_once_and_leaves_nothing(
        window, soak, tmp_path):
    from nlp.paths import cache_dir

    corpus = write_big_corpus(tmp_path / "big.txt")
    session = soak.Session(window, {**window.files, "corpus": corpus}, seed=5)
    session.set_up_form()
    session.train.form.name_edit.setText("big")
    session.train.start()
    assert soak.wait_until(lambda: session.train.queue.current is not None, 10)
    soak.pump(500)
    assert "Preparing data" in session.train.state_label.text()
    seconds = close_answering_yes(window)

    # reading stops within a chunk (0.04 s here); before, closing waited for all of it to
    # be read (3.4 s for these 150 MB, 8.4 s for 300 MB; past 30 s the app aborted at exit)
    assert seconds < 2.0, f"closing waited {seconds:.1f} s for the data to be read"
    assert not session.train.queue.busy
    assert not (window.ctx.workspace.runs_dir / "big").exists()
    assert [p.name for p in cache_dir().rglob("*.tmp")] == []  # no half-written token file


def test_closing_while_the_corpora_page_reads_a_big_corpus_returns_at_once(window, soak,
                                                                          tmp_path):
    corpus = write_big_corpus(tmp_path / "big.txt")
    page = window.pages["corpora"]
    window.show_page("corpora")
    page.add_paths([str(corpus)])
    assert soak.wait_until(lambda: page.preview is not None, 10)  # the statistics still read
    soak.pump(300)
    assert page.stats is None
    seconds = close_answering_yes(window)
    assert seconds < 2.0, f"closing waited {seconds:.1f} s for the statistics"
