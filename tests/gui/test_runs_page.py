"""The Runs page lists, sorts, filters and describes runs, compares their curves,
and renames, deletes, exports, imports and opens them; damaged runs and hostile
files show their reason and the page keeps working."""

from __future__ import annotations

import json
import zipfile

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from gui.pages.runs import RunsPage
from gui.run_table import COLUMNS

STEPS, VAL_LOSS, STATUS = COLUMNS.index("Steps"), COLUMNS.index("Val loss"), COLUMNS.index("Status")


def make_run(ws, name, *, task="lm", cell="lstm", steps=(10, 20), created=0.0):
    """A fake run: a config, a history, samples, and two tiny checkpoints."""
    model = ({"cell": cell, "hidden": 32, "layers": 2} if task == "lm" else
             {"cell": cell, "hidden": 16, "enc_layers": 2, "dec_layers": 1})
    run = ws.create_run(name, {"task": task, "model": model, "train": {"lr": 0.01},
                               "data": {"corpus": f"/data/{name}.txt"}})
    run.write_config({**run.read_config(), "created": created})
    for step in steps:
        metrics = {"val_loss": 3.0 - step / 100, "val_bpc": 2.0 - step / 100}
        run.append_jsonl("metrics.jsonl", {"step": step, "time": step, "train_loss": 3.5})
        run.append_jsonl("metrics.jsonl", {"step": step, "time": step, **metrics})
        run.save_checkpoint(step, tags=("last", "best"), keep=1,
                            weights={"w": torch.ones(2)}, model_config={}, task=task,
                            tokenizers={}, train_state={"step": step},
                            info={"step": step, "metrics": metrics})
    run.append_jsonl("samples.jsonl", {"step": steps[-1], "samples": [f"<b>{name}</b> says hi"]})
    return run


@pytest.fixture
def runs(ctx):
    ws = ctx.workspace
    return [make_run(ws, "alpha", steps=(10,), created=1.0),
            make_run(ws, "beta", cell="gru", steps=(10, 30), created=2.0),
            make_run(ws, "gamma", task="mt", cell="gru", steps=(10, 20), created=3.0)]


@pytest.fixture
def page(ctx, qtbot, runs):
    page = RunsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 750)
    qtbot.waitUntil(lambda: page.model.rowCount() == len(runs))
    return page


@pytest.fixture
def errors(ctx, monkeypatch):
    """The messages the page would show in a dialog."""
    shown: list[str] = []
    monkeypatch.setattr(ctx, "show_error", lambda parent, title, exc: shown.append(
        exc if isinstance(exc, str) else ctx.message_for(exc)))
    return shown


def column(page, col):
    return [page.proxy.index(r, col).data() for r in range(page.proxy.rowCount())]


def select(page, qtbot, *names):
    page._select(list(names))
    assert page.selected_names() == sorted(names, key=column(page, 0).index)


def test_lists_newest_first_and_sorts_by_number(page):
    assert column(page, 0) == ["gamma", "beta", "alpha"]  # created, newest first
    assert column(page, 1) == ["Translator", "Language model", "Language model"]
    assert column(page, 2) == ["GRU 2+1×16", "GRU 2×32", "LSTM 2×32"]
    page.table.sortByColumn(STEPS, Qt.SortOrder.AscendingOrder)
    assert column(page, 0) == ["alpha", "gamma", "beta"]
    page.table.sortByColumn(VAL_LOSS, Qt.SortOrder.DescendingOrder)
    assert column(page, VAL_LOSS) == ["2.900", "2.800", "2.700"]
    assert page.count_label.text() == "3 runs"


def test_filter_keeps_rows_with_every_word(page):
    page.filter_edit.setText("gru language")
    assert column(page, 0) == ["beta"]
    assert page.count_label.text() == "1 of 3 runs"
    page.filter_edit.clear()
    assert page.proxy.rowCount() == 3


def test_details_show_config_curves_and_escaped_samples(page, qtbot):
    select(page, qtbot, "beta")
    qtbot.waitUntil(lambda: "beta" in page.details.curves.labels())
    text = page.details.text.toPlainText()
    assert "hidden" in text and "32" in text and "/data/beta.txt" in text
    assert "<b>beta</b> says hi" in text  # shown as text, not as markup
    assert list(page.details.curves.series["beta"].val.getData()[1]) == [2.9, 2.7]
    assert page.open_action.text() == "Open in Generate"


def test_details_say_which_checkpoint_is_best_by_what_and_how_the_run_ended(runs, qapp):
    from gui.run_details import details_html

    gamma = runs[2]  # a translator: its best checkpoint is chosen by its data.score
    gamma.write_config({**gamma.read_config(), "data": {"pairs": "/data/g.tsv",
                                                         "score": "chrf"},
                        "recipe": {"why": "30 minutes, 29,000 pairs: GRU 512 wide"},
                        "outcome": {"reason": "early-stop", "step": 20, "best_step": 10,
                                    "detail": "validation chrF has not improved"}})
    html = details_html(gamma.summary(), [])
    assert "chosen by</td><td>validation chrF</td>" in html
    assert "step</td><td>20</td>" in html  # the best checkpoint's step
    assert "30 minutes, 29,000 pairs" in html
    assert "early-stop: validation chrF has not improved" in html


def test_compare_overlays_the_selected_runs(page, qtbot):
    select(page, qtbot, "alpha", "beta", "gamma")
    assert page.details.stack.currentWidget() is page.details.compare_page
    qtbot.waitUntil(lambda: page.details.compare_curves.labels() == ["gamma", "beta", "alpha"])
    assert not page.open_action.isEnabled() and page.compare_action.isEnabled()


def test_open_and_continue_emit_open_run(page, ctx, qtbot):
    select(page, qtbot, "alpha")
    with qtbot.waitSignal(ctx.open_run) as signal:
        page.open_action.trigger()
    assert signal.args == ["generate", "alpha"]
    select(page, qtbot, "gamma")
    assert page.open_action.text() == "Open in Translate"
    page.show()  # shortcuts work in a window that has the focus
    page.activateWindow()
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus)
    with qtbot.waitSignal(ctx.open_run) as signal:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert signal.args == ["translate", "gamma"]
    with qtbot.waitSignal(ctx.open_run) as signal:
        page.continue_action.trigger()
    assert signal.args == ["train", "gamma"]
    with qtbot.waitSignal(ctx.open_run) as signal:
        page.inspect_action.trigger()
    assert signal.args == ["inspect", "gamma"]


def test_rename(page, ctx, qtbot, monkeypatch):
    select(page, qtbot, "alpha")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("omega", True))
    page.rename_action.trigger()
    qtbot.waitUntil(lambda: "omega" in column(page, 0))
    assert sorted(column(page, 0)) == ["beta", "gamma", "omega"]
    assert page.selected_names() == ["omega"]


def test_delete_asks_first(page, ctx, qtbot, monkeypatch):
    select(page, qtbot, "alpha", "beta")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    page.delete_action.trigger()
    assert page._busy is None and page.model.rowCount() == 3
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.delete_action.trigger()
    qtbot.waitUntil(lambda: column(page, 0) == ["gamma"])
    assert sorted(p.name for p in ctx.workspace.runs_dir.iterdir()) == ["gamma"]


def test_delete_refused_while_training(page, runs, ctx, qtbot, monkeypatch, errors):
    select(page, qtbot, "gamma")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with runs[2].lock():  # what the trainer holds while it trains
        page.delete_action.trigger()
        qtbot.waitUntil(lambda: bool(errors))
    assert "is being trained" in errors[0]
    qtbot.waitUntil(lambda: page.model.rowCount() == 3 and page._busy is None)


def test_export_then_import_round_trip(page, ctx, qtbot, tmp_path, monkeypatch):
    select(page, qtbot, "beta")
    target = tmp_path / "out" / "beta-copy"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    page.export_action.trigger()
    exported = target.with_suffix(".rnnrun")
    qtbot.waitUntil(lambda: "Exported beta" in page.status.text())
    assert exported.is_file()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(exported), ""))
    page.import_action.trigger()
    qtbot.waitUntil(lambda: "beta-2" in column(page, 0))
    assert page.selected_names() == ["beta-2"]
    assert "as beta-2" in page.status.text()
    imported = [s for s in page.model.summaries() if s.name == "beta-2"][0]
    assert imported.error is None and imported.step == 30


def test_hostile_file_is_refused_and_the_page_keeps_working(page, qtbot, tmp_path,
                                                           monkeypatch, errors):
    hostile = tmp_path / "evil.rnnrun"
    with zipfile.ZipFile(hostile, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "rnn-studio-run",
                                                 "format_version": 1}))
        zf.writestr("run.json", "{}")
        zf.writestr("../../outside.txt", "x")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(hostile), ""))
    page.import_action.trigger()
    qtbot.waitUntil(lambda: bool(errors))
    assert "outside the run folder" in errors[0] and "Traceback" not in errors[0]
    assert page.import_action.isEnabled()
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)


def test_damaged_runs_show_their_reason(ctx, runs, qtbot):
    (runs[0].path / "run.json").write_text("{torn")
    weights = runs[1].checkpoints_dir / "step-00000030" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:10])
    page = RunsPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    status = dict(zip(column(page, 0), column(page, STATUS), strict=True))
    assert status["alpha"].startswith("damaged:") and "run.json" in status["alpha"]
    assert "model.safetensors is damaged" in status["beta"] and "truncated" in status["beta"]
    assert status["gamma"] == ""
    select(page, qtbot, "beta")
    assert "Damaged" in page.details.text.toPlainText()
    assert not page.open_action.isEnabled() and not page.export_action.isEnabled()
    assert page.delete_action.isEnabled()


def test_shown_in_the_window_and_empty_workspace(window, ctx, qtbot):
    page = window.pages["runs"]
    window.show_page("runs")
    qtbot.waitUntil(lambda: page.details.hint.text().startswith("No runs yet"))
    make_run(ctx.workspace, "late", steps=(5,))
    make_run(ctx.workspace, "later", steps=(5,))
    ctx.runs_changed.emit()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    ctx.open_run.emit("runs", "late")  # another page asks to show a run
    qtbot.waitUntil(lambda: page.selected_names() == ["late"])


def test_a_run_stopped_before_its_first_evaluation_and_one_of_chinese_text(ctx, runs, qtbot,
                                                                           qapp):
    from gui.run_details import details_html

    ws = ctx.workspace
    early = ws.create_run("early", {"task": "lm", "model": {"cell": "lstm"}})
    early.save_checkpoint(3, tags=("last",), keep=1, weights={"w": torch.ones(2)},
                          model_config={}, task="lm", tokenizers={}, train_state=None,
                          info={"step": 3, "metrics": {}})
    early.record_outcome({"reason": "stopped", "step": 3})
    # a subword model of Chinese: 24 characters a whitespace "word", word ppl 1e13
    chinese = make_run(ws, "chinese", steps=(10,))
    chinese.write_config({**chinese.read_config(), "data": {"corpus": "/data/zh.txt",
                                                             "level": "subword"}})
    scores = {"val_loss": 2.0, "val_bpc": 1.8, "val_word_ppl": 1.0e13}
    chinese.save_checkpoint(20, tags=("last", "best"), keep=1, weights={"w": torch.ones(2)},
                            model_config={}, task="lm", tokenizers={}, train_state=None,
                            info={"step": 20, "metrics": scores})
    page = RunsPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == len(runs) + 2)
    best = dict(zip(column(page, 0), column(page, COLUMNS.index("Best score")), strict=True))
    assert best["early"] == "stopped before its first evaluation"
    assert best["chinese"] == "1.800 bits/char"  # not "word ppl 10000000000000.0"
    assert "stopped before its first evaluation" in details_html(early.summary(), [])
    html = details_html(chinese.summary(), [])
    assert "not written as space-separated words" in html and "1e+13" not in html
