"""The Series page: a tiny real run on the sample series, driven offscreen."""

from __future__ import annotations

import math

import pytest

from gui.pages.series import SeriesPage, parse_sizes
from nlp.errors import ConfigError


@pytest.fixture
def page(ctx, qtbot):
    p = SeriesPage(ctx)
    qtbot.addWidget(p)
    yield p
    p.shutdown(10)


def columns_of(page) -> list[str]:
    return [page.column_combo.itemText(i) for i in range(page.column_combo.count())]


def test_it_starts_on_the_sample_with_its_columns(page, qtbot):
    assert page.csv_edit.text().endswith("seasonal.csv")
    qtbot.waitUntil(lambda: page.column_combo.count() == 2, timeout=10_000)
    assert columns_of(page) == ["date", "value"]
    assert page.column_combo.currentText() == "value"


def test_train_shows_curves_forecast_metrics_and_verdict(page, ctx, qtbot):
    qtbot.waitUntil(lambda: page.column_combo.count() == 2, timeout=10_000)
    page.hidden_edit.setText("8")
    page.window_spin.setValue(14)
    page.horizon_spin.setValue(14)
    page.budget_spin.setValue(1)
    page.name_edit.setText("tiny")
    page.train()
    assert page.busy_reason() and not page.train_button.isEnabled()
    qtbot.waitUntil(lambda: page.report is not None, timeout=60_000)
    assert page.busy_reason() is None and page.train_button.isEnabled()
    assert [page.table.verticalHeaderItem(r).text() for r in range(3)] == [
        "LSTM 8", "naive (last value)", "seasonal naive (7)"]
    mse = float(page.table.item(0, 0).text())
    assert math.isclose(mse, page.report["metrics"]["model"]["forecast"]["mse"], rel_tol=1e-3)
    assert "LSTM 8" in page.verdict_label.text() and "MSE" in page.verdict_label.text()
    x, y = page.forecast.curves["model"].getData()
    assert len(y) == 14 and x[0] == 1095 - 14
    assert len(page.curves.train.getData()[1]) > 0  # the live loss curve
    run = next(s for s in ctx.workspace.list_runs() if s.name == "tiny")
    assert run.task == "series" and run.step > 0


def test_a_series_run_waits_for_a_search_as_for_any_training(page, ctx, qtbot):
    """The window trains one run at a time, whichever page asked: a series run queued
    while a hyperparameter search trains starts only once the search ends."""
    qtbot.waitUntil(lambda: page.column_combo.count() == 2, timeout=10_000)
    page.hidden_edit.setText("4")
    page.window_spin.setValue(14)
    page.horizon_spin.setValue(14)
    page.budget_spin.setValue(1)
    ctx.search_state.emit(True)
    page.train()
    assert ctx.training.busy and ctx.training.current is None  # queued, not training
    assert len(ctx.training.pending()) == 1 and page.busy_reason()
    with qtbot.waitSignal(ctx.training.started, timeout=10_000):
        ctx.search_state.emit(False)
    qtbot.waitUntil(lambda: page.report is not None, timeout=60_000)


def test_a_saved_run_opens_with_its_history(page, ctx, qtbot, tiny_series_run, copy_run):
    copy_run(tiny_series_run, ctx.workspace, "saved")
    page.open_run("saved")
    qtbot.waitUntil(lambda: page.report is not None, timeout=30_000)
    assert len(page.curves.val.getData()[1]) > 0  # its history
    assert len(page.report["truth"]) == tiny_series_run.read_config()["data"]["horizon"] == 12


def test_bad_settings_are_said_and_nothing_trains(page, qtbot, tmp_path):
    page.hidden_edit.setText("50 x")
    page.train()
    assert "layer sizes" in page.message_label.text() and not page.queue.busy
    page.csv_edit.setText(str(tmp_path / "nowhere.csv"))
    page.read_columns()
    qtbot.waitUntil(lambda: "does not exist" in page.message_label.text(), timeout=10_000)
    assert page.column_combo.count() == 0


def test_parse_sizes():
    assert parse_sizes("50 50") == (50, 50) and parse_sizes("32, 16") == (32, 16)
    for bad in ("", "0", "a b"):
        with pytest.raises(ConfigError):
            parse_sizes(bad)
