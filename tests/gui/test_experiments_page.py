"""The Experiments page: real runs compared in a table and overlaid curves; the
Runs page's Compare selected and the Train page's Compare LSTM and GRU lead
there; saved searches are listed with their best and baseline, the best is
queued for a full run, and a search runs off the GUI thread, never beside the
training queue."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QInputDialog

from gui.pages.experiments.compare import COLUMNS
from gui.pages.experiments.page import ExperimentsPage
from gui.pages.experiments.search import COLUMNS as TRIAL_COLUMNS
from gui.pages.experiments.tables import best_index, count_text, settings_text
from nlp.runs.workspace import Run
from nlp.tasks.lm.session import LMDataSpec
from nlp.training.config import TrainConfig

NAMES = ["tiny-lstm", "tiny-gru"]  # the shared tiny runs (tests/conftest.py)
TINY_MODEL = {"layers": 1, "hidden": 16, "embed": 8, "dropout": 0.0, "tied": False}


@pytest.fixture
def runs(ctx, tiny_lm_run, tiny_gru_run, copy_run):
    """Copies of the shared tiny LSTM and GRU runs (6 steps, evaluated at 3 and 6) in
    the window's workspace."""
    for run in (tiny_lm_run, tiny_gru_run):
        copy_run(run, ctx.workspace)
    ctx.runs_changed.emit()  # for a page made before the runs
    return list(NAMES)


@pytest.fixture
def page(ctx, qtbot):
    p = ExperimentsPage(ctx)
    qtbot.addWidget(p)
    p.resize(1200, 800)
    yield p
    p.shutdown(10)


def table_column(table, column):
    return [table.item(r, column).text() for r in range(table.rowCount())]


def wait_rows(qtbot, table, n):
    qtbot.waitUntil(lambda: table.rowCount() == n and table.item(n - 1, 0) is not None,
                    timeout=30_000)


def bold(table, row) -> bool:
    return QFont(table.item(row, 0).font()).bold()


# -- texts ------------------------------------------------------------------------------

def test_numbers_read_as_a_person_reads_them():
    assert [count_text(n) for n in (789, 45_600, 1_234_567, None)] == ["789", "45.6k", "1.23M",
                                                                         ""]
    assert settings_text({"hidden": 256, "lr": 0.0031234, "cell": "gru"}) == \
        "hidden=256, lr=0.00312, cell=gru"
    assert best_index([2.0, 1.5, float("nan"), 1.7]) == 1
    assert best_index([20.0, 25.0], higher_is_better=True) == 1
    assert best_index([1.0, None]) is None  # one value compares with nothing


# -- compare ----------------------------------------------------------------------------

def test_compared_runs_fill_the_table_and_get_one_curve_each(page, runs, qtbot):
    page.compare.set_names(runs)
    table = page.compare.table
    wait_rows(qtbot, table, 2)
    col = {name: COLUMNS.index(name) for name in COLUMNS}
    assert table_column(table, col["Run"]) == NAMES
    assert table_column(table, col["Cell"]) == ["LSTM", "GRU"]
    assert table_column(table, col["Steps"]) == ["6", "6"]
    lstm_params, gru_params = table_column(table, col["Parameters"])
    assert lstm_params != gru_params  # an LSTM has four gates, a GRU three
    assert all(float(t) > 0 for t in table_column(table, col["Best val. loss"]))
    assert all(t.endswith("bits/char") for t in table_column(table, col["Score"]))
    assert all("cell=" in t for t in table_column(table, col["Differs in"]))
    assert sum(bold(table, r) for r in range(2)) == 1  # the better score stands out
    curves = page.compare.curves
    assert curves.labels() == NAMES
    for name in NAMES:
        assert len(curves.series[name].val.getData()[0]) == 2  # evaluated at steps 3 and 6
    assert "settings in which the runs differ" in page.compare.hint.text()


def test_ticking_runs_in_the_list_changes_what_is_compared(page, runs, qtbot):
    run_list = page.compare.run_list
    qtbot.waitUntil(lambda: run_list.count() == 2)
    assert "Select two or more runs on the Runs page" in page.compare.hint.text()
    for row in range(2):
        run_list.item(row).setCheckState(Qt.CheckState.Checked)
    wait_rows(qtbot, page.compare.table, 2)
    first = run_list.item(0)
    first.setCheckState(Qt.CheckState.Unchecked)
    wait_rows(qtbot, page.compare.table, 1)
    assert first.data(Qt.ItemDataRole.UserRole) not in page.compare.names
    assert "Tick another run" in page.compare.hint.text()
    assert page.compare.curves.labels() == page.compare.names


def test_a_queued_run_waits_and_a_deleted_one_leaves(page, runs, ctx, qtbot):
    page.compare.set_names([*runs, "not-yet"])
    wait_rows(qtbot, page.compare.table, 2)
    assert "Waiting in the training queue: not-yet" in page.compare.hint.text()
    ctx.workspace.delete_run("tiny-gru")
    ctx.runs_changed.emit()
    wait_rows(qtbot, page.compare.table, 1)
    assert page.compare.names == ["tiny-lstm", "not-yet"]


def test_runs_page_compare_selected_opens_the_page_with_those_runs(runs, window, qtbot):
    runs_page, experiments = window.pages["runs"], window.pages["experiments"]
    window.show_page("runs")
    qtbot.waitUntil(lambda: runs_page.model.rowCount() == 2)
    runs_page._select(list(NAMES))
    assert runs_page.compare_action.isEnabled()
    runs_page.compare_action.trigger()
    assert window.stack.currentWidget() is experiments
    assert experiments.tabs.currentWidget() is experiments.compare
    assert sorted(experiments.compare.names) == sorted(NAMES)
    wait_rows(qtbot, experiments.compare.table, 2)


def test_train_page_compare_queues_both_cells_alike_and_shows_them(window, ctx, qtbot,
                                                                  text_corpus):
    from gui.pages.train.page import TrainPage

    train: TrainPage = window.pages["train"]
    experiments = window.pages["experiments"]
    form = train.form
    form.task_combo.setCurrentIndex(form.task_combo.findData("char"))
    form.corpus_edit.setText(str(text_corpus))
    form.measure()
    qtbot.waitUntil(lambda: form.size is not None, timeout=30_000)
    for spin, value in ((form.layers_spin, 1), (form.hidden_spin, 16), (form.embed_spin, 8),
                        (form.batch_spin, 4), (form.seq_spin, 16)):
        spin.setValue(value)
    form.budget_unit.setCurrentText("steps")
    form.budget_spin.setValue(4)
    form.device_combo.setCurrentText("cpu")
    form.name_edit.setText("duel")
    try:
        form.compare_button.click()
        assert experiments.compare.names == ["duel-lstm", "duel-gru"]
        assert window.stack.currentWidget() is experiments
        qtbot.waitUntil(lambda: not train.queue.busy, timeout=120_000)
    finally:
        train.shutdown(10)
    configs = [Run(ctx.workspace.runs_dir / n).read_config() for n in ("duel-lstm", "duel-gru")]
    assert [c["model"]["cell"] for c in configs] == ["lstm", "gru"]
    for part in ("train", "data"):
        assert configs[0][part] == configs[1][part]  # the same seed, budget and data
    assert {k: v for k, v in configs[0]["model"].items() if k != "cell"} == \
        {k: v for k, v in configs[1]["model"].items() if k != "cell"}
    assert configs[1]["compare"] == {"group": "duel", "variant": {"cell": "gru"}}
    qtbot.waitUntil(lambda: table_column(experiments.compare.table, COLUMNS.index("Steps"))
                    == ["4", "4"], timeout=30_000)  # the rows read after the queue ended


# -- search -----------------------------------------------------------------------------

def saved_search(ws, corpus, name="s", trials=None):
    """A saved search of three trials: the baseline, a better one, a pruned one."""
    from nlp.experiments.search import SearchResult, TrialRow, save_search

    trials = trials if trials is not None else [
        TrialRow(0, f"{name}-t00", {"hidden": 16, "lr": 0.003}, "complete", 1.50, 2.16,
                 "bits/char", 30.0, steps=40),
        TrialRow(1, f"{name}-t01", {"hidden": 32, "lr": 0.005}, "complete", 1.20, 1.73,
                 "bits/char", 31.0, steps=38),
        TrialRow(2, f"{name}-t02", {"hidden": 8, "lr": 0.0001}, "pruned", 2.90, 4.18,
                 "bits/char", 8.0, steps=10)]
    done = [t for t in trials if t.state == "complete"]
    result = SearchResult(name, "random", "hidden=8,16,32 lr=1e-4..1e-2:log",
                          LMDataSpec(str(corpus)).to_dict(), {**TINY_MODEL, "cell": "lstm"},
                          TrainConfig(max_steps=6, device="cpu").to_dict(), trials,
                          min(done, key=lambda t: t.value) if done else None,
                          trials[0] if trials else None, minutes=2.0, created=1.0,
                          state="finished")
    save_search(ws, result)
    return result


def test_a_saved_search_shows_its_trials_best_and_baseline(page, ctx, qtbot, text_corpus):
    saved_search(ctx.workspace, text_corpus)
    panel = page.search
    page.on_shown()
    table = panel.table
    wait_rows(qtbot, table, 3)
    col = {name: TRIAL_COLUMNS.index(name) for name in TRIAL_COLUMNS}
    assert panel.search_list.item(0).text().startswith("s ")
    assert "Random, 3 trials" in panel.search_list.item(0).text()  # the method's name, not "random"
    assert table_column(table, col["Trial"]) == ["0 (baseline)", "1", "2"]
    assert table_column(table, col["State"])[2].startswith("pruned")
    assert table_column(table, col["Settings"])[1] == "hidden=32, lr=0.005"
    assert table_column(table, col["Score"])[1] == "1.73 bits/char"
    assert [bold(table, r) for r in range(3)] == [False, True, False]
    assert "Best: trial 1, val. loss 1.2000 (baseline 1.5000)" in panel.header.text()
    assert panel.train_best_button.isEnabled()
    command = panel.command_edit.text()
    assert command.startswith("python main.py train lm --corpus ")
    assert "--hidden 32 " in command and "--lr 0.005 " in command


def test_train_best_queues_a_full_run_of_the_best_config(page, ctx, qtbot, text_corpus,
                                                        monkeypatch):
    saved_search(ctx.workspace, text_corpus)
    page.on_shown()
    qtbot.waitUntil(lambda: page.search.shown is not None, timeout=30_000)
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (12.0, True))
    queued, shown = [], []
    ctx.queue_training.connect(queued.append)
    ctx.show_page.connect(shown.append)
    made = {}
    monkeypatch.setattr("nlp.tasks.lm.session.new_lm_training",
                        lambda ws, name, spec, model, train, listeners: made.update(
                            name=name, spec=spec, model=model, train=train))
    page.search.train_best_button.click()
    assert len(queued) == 1 and shown == ["train"]
    job = queued[0]
    assert job.run_name == "s-best" and job.task == "lm"
    job.prepare(())
    assert made["name"] == "s-best"
    assert (made["model"]["hidden"], made["train"].lr) == (32, 0.005)
    assert made["model"]["cell"] == "lstm" and made["spec"].corpus == str(text_corpus)
    assert made["train"].max_minutes == 12.0 and made["train"].max_steps is None
    assert ctx.recall("experiments/best_minutes", type_=float) == 12.0


def test_an_empty_search_list_says_what_to_do(page, qtbot):
    page.on_shown()
    qtbot.waitUntil(lambda: "No searches yet" in page.search.header.text(), timeout=30_000)
    assert not page.search.train_best_button.isEnabled()


def test_a_search_is_refused_while_the_queue_trains(page, ctx):
    panel = page.search
    ctx.training_state.emit(True)
    assert not panel.start_button.isEnabled() and not panel.queue_note.isHidden()
    panel.start_search()
    assert panel.worker is None and "A run is training" in panel.status.text()
    ctx.training_state.emit(False)
    assert panel.start_button.isEnabled() and panel.queue_note.isHidden()


@pytest.fixture
def fake_search(monkeypatch):
    """``run_search`` that reports two trials, then waits to be stopped."""
    from nlp.experiments import search as hparam_search
    from nlp.experiments.search import TrialRow

    seen: dict = {}

    def run_search(workspace, name, spec, base_model, base_train, space, method, minutes,
                   trial_minutes=None, seed=0, on_trial=None, should_stop=None, *,
                   trials=None, **_):
        seen.update(thread=threading.current_thread(), space=str(space), method=method,
                    minutes=minutes, trials=trials, model=base_model, train=base_train)
        rows = [TrialRow(0, f"{name}-t00", {"hidden": base_model["hidden"]}, "complete", 2.0,
                         2.9, "bits/char", 1.0),
                TrialRow(1, f"{name}-t01", {"hidden": 64}, "complete", 1.5, 2.2, "bits/char",
                         1.0)]
        for row in rows:
            on_trial(row)
        deadline = time.monotonic() + 20
        while not should_stop() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen["stopped"] = should_stop()
        return saved_search(workspace, spec.corpus, name, rows)

    monkeypatch.setattr(hparam_search, "run_search", run_search)
    return seen


def test_a_search_runs_off_the_gui_thread_holds_the_queue_and_stops(
        page, ctx, qtbot, text_corpus, fake_search):
    from gui.pages.train.page import TrainPage

    train = TrainPage(ctx)
    qtbot.addWidget(train)
    panel = page.search
    panel.corpus_combo.setCurrentText(str(text_corpus))
    panel.name_edit.setText("quick")
    panel.space_edit.setText("hidden=32,64")
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("random"))
    panel.minutes_spin.setValue(2.0)
    panel.trials_spin.setValue(4)
    states = []
    ctx.search_state.connect(states.append)
    panel.start_button.click()
    assert states == [True] and page.busy_reason() == "a hyperparameter search is running"
    assert not train.form.start_button.isEnabled() and not train.form.compare_button.isEnabled()
    assert "search is running" in train.message_label.text()
    wait_rows(qtbot, panel.table, 2)
    assert "Search quick is running; finished trials: 2." in panel.header.text()
    assert bold(panel.table, 1) and "(baseline)" in panel.table.item(0, 0).text()
    saved_search(ctx.workspace, text_corpus, name="older")
    panel.refresh()  # a listing that lands while the search runs keeps it chosen
    qtbot.waitUntil(lambda: panel.search_list.count() == 2, timeout=30_000)
    assert "Search quick is running" in panel.header.text()  # not the older one
    assert fake_search["thread"] is not threading.main_thread()
    assert (fake_search["space"], fake_search["method"], fake_search["minutes"],
            fake_search["trials"]) == ("hidden=32,64", "random", 2.0, 4)
    assert fake_search["train"].max_minutes == 0.5  # the baseline's budget: 2 minutes / 4
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.worker is None, timeout=30_000)
    assert fake_search["stopped"] and states == [True, False]
    assert train.form.start_button.isEnabled() and page.busy_reason() is None
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.name == "quick",
                    timeout=30_000)
    assert panel.train_best_button.isEnabled()


def test_a_bad_space_is_said_in_plain_words(page, ctx, qtbot, text_corpus):
    panel = page.search
    panel.corpus_combo.setCurrentText(str(text_corpus))
    panel.space_edit.setText("colour=red,blue")
    states = []
    ctx.search_state.connect(states.append)
    panel.start_search()
    qtbot.waitUntil(lambda: panel.worker is None, timeout=30_000)
    assert "'colour' is not a setting that can be varied" in panel.state_label.text()
    assert "Traceback" not in panel.state_label.text() and states == [True, False]


def test_the_train_page_queues_what_another_page_sends(window, ctx, qtbot):
    from nlp.errors import StudioError
    from nlp.training.jobs import TrainingJob

    def prepare(listeners):
        raise StudioError("the corpus of this search is gone")

    train = window.pages["train"]
    ctx.queue_training.emit(TrainingJob(title="s-best", run_name="s-best", prepare=prepare))
    qtbot.waitUntil(lambda: "the corpus of this search is gone" in train.message_label.text(),
                    timeout=30_000)
    assert not train.queue.busy
