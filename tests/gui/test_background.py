"""gui.background: the window's one way to run work off the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget

from gui.background import Calls


def test_progress_then_the_result_arrive_on_the_gui_thread(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    seen, threads = [], []

    def work(report, should_stop):
        threads.append(threading.current_thread())
        for i in range(3):
            report(i)
        return "done"

    Calls(owner).start("k", work, lambda r: seen.append(("done", r)),
                       on_progress=lambda p: seen.append(("progress", p)), own_thread=True)
    qtbot.waitUntil(lambda: ("done", "done") in seen, timeout=10_000)
    assert seen == [("progress", 0), ("progress", 1), ("progress", 2), ("done", "done")]
    assert threads[0] is not threading.main_thread()


def test_an_error_goes_to_on_error(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    errors = []

    def work(_report, _should_stop):
        raise ValueError("bad")

    Calls(owner).start("k", work, lambda r: None, errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=10_000)
    assert isinstance(errors[0], ValueError)


def test_a_newer_call_under_the_same_key_drops_the_older_result(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    calls, got, release = Calls(owner), [], threading.Event()
    stopped = []

    def slow(_report, should_stop):
        release.wait(10)
        stopped.append(should_stop())
        return "old"

    old = calls.start("k", slow, got.append, own_thread=True)
    calls.start("k", lambda *_: "new", got.append)
    qtbot.waitUntil(lambda: got == ["new"], timeout=10_000)
    release.set()
    qtbot.waitUntil(lambda: not old.is_running() and calls.running("k") is None, timeout=10_000)
    qtbot.wait(50)
    assert got == ["new"] and stopped == [True]  # told to stop, and its result dropped


def test_cancel_stops_and_drops_but_running_says_so_until_it_returns(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    calls, got = Calls(owner), []

    def until_stopped(_report, should_stop):
        while not should_stop():
            threading.Event().wait(0.01)
        return "late"

    calls.start("k", until_stopped, got.append, own_thread=True)
    calls.cancel("k")
    assert calls.running("k") is not None
    qtbot.waitUntil(lambda: calls.running("k") is None, timeout=10_000)
    assert got == []


def test_nothing_is_delivered_to_a_deleted_widget(qtbot):
    owner = QWidget()
    calls, got, release = Calls(owner), [], threading.Event()

    def work(_report, _should_stop):
        release.wait(10)
        return 1

    worker = calls.start("k", work, got.append, own_thread=True)
    owner.deleteLater()
    qtbot.wait(20)
    release.set()
    qtbot.waitUntil(lambda: not worker.is_running(), timeout=10_000)
    qtbot.wait(50)
    assert got == []
    assert calls.wait(5)
