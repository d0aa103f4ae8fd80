"""The Train page: tiny real trainings on a worker thread, driven offscreen."""

from __future__ import annotations

import threading
import time

import pytest

from gui.pages.train.page import TrainPage
from nlp.runs.workspace import Run
from nlp.training.trainer import Trainer

LONG = 1_000_000  # steps: a budget that a test always stops first


@pytest.fixture
def page(ctx, qtbot):
    p = TrainPage(ctx)
    qtbot.addWidget(p)
    yield p
    p.shutdown(10)


@pytest.fixture
def train_window(window):
    """The window, its training stopped before the test's teardown closes it (a
    close during training asks a question, which would wait forever offscreen)."""
    yield window
    window.pages["train"].shutdown(10)


def set_up(page, qtbot, path, steps=LONG, task="char", name=""):
    """A tiny model on ``path`` with a budget of ``steps``."""
    form = page.form
    form.task_combo.setCurrentIndex(form.task_combo.findData(task))
    form.corpus_edit.setText(str(path))
    form.measure()
    qtbot.waitUntil(lambda: form.size is not None, timeout=30_000)
    form.layers_spin.setValue(1)
    form.hidden_spin.setValue(16)
    form.embed_spin.setValue(8)
    form.batch_spin.setValue(4)
    form.seq_spin.setValue(16)
    form.vocab_spin.setValue(100)
    form.budget_unit.setCurrentText("steps")
    form.budget_spin.setValue(steps)
    form.device_combo.setCurrentText("cpu")
    form.name_edit.setText(name)


def run_of(ctx, name) -> Run:
    return Run(ctx.workspace.runs_dir / name)


def wait_for_steps(page, qtbot, at_least=1):
    qtbot.waitUntil(lambda: page.live is not None and page.live.last is not None
                    and page.live.last.step >= at_least, timeout=90_000)


def wait_idle(page, qtbot, timeout=90_000):
    qtbot.waitUntil(lambda: not page.queue.busy and page.live is None, timeout=timeout)


def test_a_tiny_run_trains_evaluates_and_finishes(page, ctx, qtbot, text_corpus):
    states, changes = [], []
    ctx.training_state.connect(states.append)
    ctx.runs_changed.connect(lambda: changes.append(True))
    set_up(page, qtbot, text_corpus, steps=30, name="tiny")
    page.start()
    assert "Preparing data" in page.state_label.text()
    assert not page.continue_button.isVisibleTo(page)  # nothing to continue while it trains
    wait_for_steps(page, qtbot)
    assert "step" in page.stats_label.text() and "tokens/s" in page.stats_label.text()
    wait_idle(page, qtbot)
    assert "finished" in page.state_label.text().lower()
    assert "best validation" in page.stats_label.text()
    assert page.samples_view.toPlainText().startswith("step ")
    rows = page.curves.series["tiny"].rows
    assert any("train_loss" in r for r in rows) and any("val_loss" in r for r in rows)
    assert run_of(ctx, "tiny").checkpoint_names()
    assert states == [True, False] and len(changes) >= 2  # created, then finished
    assert page.continue_button.isVisibleTo(page)  # the finished run can go on
    assert page.shown_run == {"name": "tiny", "task": "lm"}


class Gate(threading.Event):
    """A trainer's run/pause gate (``Trainer._running``) that tells when the trainer
    waits at it: ``parked`` is set while a paused trainer takes no step."""

    def __init__(self):
        super().__init__()
        self.set()
        self.parked = threading.Event()

    def wait(self, timeout=None):
        self.parked.set()
        try:
            return super().wait(timeout)
        finally:
            self.parked.clear()


@pytest.fixture
def gates(monkeypatch) -> list[Gate]:
    """The gates of the trainers made during the test, in order."""
    made, real_init = [], Trainer.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self._running = Gate()
        made.append(self._running)

    monkeypatch.setattr(Trainer, "__init__", init)
    return made


def test_pause_resume_and_stop_saves_a_checkpoint(page, ctx, qtbot, text_corpus, gates):
    set_up(page, qtbot, text_corpus, name="paused")
    page.start()
    wait_for_steps(page, qtbot)
    page.toggle_pause()
    assert page.queue.paused and page.pause_button.text() == "Resume"
    [gate] = gates
    qtbot.waitUntil(gate.parked.is_set, timeout=30_000)  # the step in flight ends; no other
    step = page.live.last.step
    page.toggle_pause()
    assert not page.queue.paused
    wait_for_steps(page, qtbot, step + 3)
    page.stop()
    assert "saving a checkpoint" in page.state_label.text()
    wait_idle(page, qtbot)
    assert "stopped" in page.state_label.text().lower()
    assert run_of(ctx, "paused").checkpoint_names()
    # nothing live-only stays behind: no ETA, no speed; where the run got to instead
    stats = page.stats_label.text()
    assert "ETA" not in stats and "tokens/s" not in stats
    assert stats.startswith("ended at step ")


def test_queued_runs_train_one_after_another(page, ctx, qtbot, text_corpus):
    order = []
    page.queue.run_ready.connect(lambda _id, name, _cfg: order.append(name))
    set_up(page, qtbot, text_corpus, steps=10, name="first")
    page.start()
    page.form.name_edit.setText("second")
    page.start()
    assert page.form.start_button.text() == "Add to queue"
    assert [page.queue_list.item(i).text() for i in range(page.queue_list.count())] == \
        ["second: char LM, LSTM"]
    assert "a run is training and 1 more is queued" == page.busy_reason()
    wait_idle(page, qtbot, timeout=120_000)
    assert order == ["first", "second"]
    assert page.queue_list.count() == 0 and page.busy_reason() is None


def test_a_queued_run_can_be_removed(page, ctx, qtbot, text_corpus):
    set_up(page, qtbot, text_corpus, name="running")
    page.start()
    page.form.name_edit.setText("never")
    page.start()
    assert page.queue_list.count() == 1
    page.queue_list.setCurrentRow(0)
    page.remove_selected()
    assert page.queue_list.count() == 0
    wait_for_steps(page, qtbot)
    page.stop()
    wait_idle(page, qtbot)
    assert not (ctx.workspace.runs_dir / "never").exists()


def test_automatic_names_never_clash(page, ctx, qtbot, text_corpus):
    set_up(page, qtbot, text_corpus, steps=5)
    page.start()
    page.start()  # the same second, the same corpus: a fresh name all the same
    names = page.queue.run_names()
    assert len(names) == 2
    wait_idle(page, qtbot, timeout=120_000)
    assert len(list(ctx.workspace.runs_dir.iterdir())) == 2


def test_a_bad_corpus_shows_a_message_not_a_traceback(page, ctx, qtbot, tmp_path, text_corpus):
    set_up(page, qtbot, text_corpus, steps=5)
    page.form.corpus_edit.setText(str(tmp_path / "missing.txt"))
    page.start()
    wait_idle(page, qtbot)
    text = page.message_label.text()
    assert "does not exist" in text and "Traceback" not in text
    assert page.state_label.text() == "Failed."
    assert not page.queue.busy


def test_an_empty_corpus_field_is_refused_at_once(page, qtbot):
    page.form.corpus_edit.clear()
    page.start()
    assert "Choose a corpus" in page.message_label.text()
    assert not page.queue.busy


def test_a_bad_run_name_is_refused_at_once(page, qtbot, text_corpus):
    set_up(page, qtbot, text_corpus, steps=5, name="no/slashes")
    page.start()
    assert "cannot name a run" in page.message_label.text()
    assert not page.queue.busy


def test_shutdown_during_training_saves_and_returns_quickly(page, ctx, qtbot, text_corpus):
    set_up(page, qtbot, text_corpus, name="closing")
    page.start()
    wait_for_steps(page, qtbot)
    assert page.busy_reason() == "a run is training"
    started = time.monotonic()
    page.shutdown(10)
    assert time.monotonic() - started < 5
    assert run_of(ctx, "closing").checkpoint_names()


def test_closing_the_window_stops_training_with_a_checkpoint(train_window, ctx, qtbot, text_corpus,
                                                             monkeypatch):
    window = train_window
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Yes)
    page = window.pages["train"]
    set_up(page, qtbot, text_corpus, name="window")
    page.start()
    wait_for_steps(page, qtbot)
    window.close()
    assert asked and run_of(ctx, "window").checkpoint_names()
    assert not page.queue.busy


def test_open_run_then_continue_for_more_minutes(train_window, ctx, qtbot, text_corpus):
    window = train_window
    page = window.pages["train"]
    set_up(page, qtbot, text_corpus, steps=8, name="again")
    page.start()
    wait_idle(page, qtbot)
    step = run_of(ctx, "again").summary().step
    page.shown_run = None
    ctx.open_run.emit("train", "again")
    qtbot.waitUntil(lambda: page.shown_run is not None, timeout=30_000)
    assert window.stack.currentWidget() is page
    assert page.run_label.text() == "again" and page.continue_button.isVisibleTo(page)
    page.continue_spin.setValue(0.5)
    page.continue_shown_run()
    wait_for_steps(page, qtbot, step + 5)
    page.stop()
    wait_idle(page, qtbot)
    assert run_of(ctx, "again").summary().step > step + 4
    assert ctx.recall("train/continue_minutes", type_=float) == 0.5


def test_a_tiny_translator_trains_and_shows_translations(page, ctx, qtbot, pairs_corpus):
    set_up(page, qtbot, pairs_corpus, steps=6, task="mt", name="mt")
    assert page.form.size.unit == "pairs" and page.form.size.amount == 200
    page.start()
    wait_idle(page, qtbot, timeout=120_000)
    assert "finished" in page.state_label.text().lower(), page.message_label.text()
    assert "=>" in page.samples_view.toPlainText()
    assert run_of(ctx, "mt").read_config()["task"] == "mt"


def test_use_corpus_fills_the_form_and_choices_are_remembered(ctx, qtbot, pairs_corpus, text_corpus):
    page = TrainPage(ctx)
    qtbot.addWidget(page)
    ctx.use_corpus.emit({"kind": "pairs", "path": str(pairs_corpus), "columns": [1, 0]})
    assert page.form.task == "mt" and page.form.corpus_edit.text() == str(pairs_corpus)
    assert page.form.cell_combo.currentData() == "gru"  # the translator's usual cell
    assert (page.form.src_col.value(), page.form.tgt_col.value()) == (1, 0)
    qtbot.waitUntil(lambda: page.form.size is not None, timeout=30_000)
    assert "200 pairs" in page.form.size_label.text()
    ctx.use_corpus.emit({"kind": "text", "path": str(text_corpus)})
    assert page.form.task == "char"
    qtbot.waitUntil(lambda: page.form.size is not None, timeout=30_000)
    page.form.hidden_spin.setValue(48)
    page.form.remember()
    again = TrainPage(ctx)
    qtbot.addWidget(again)
    assert again.form.corpus_edit.text() == str(text_corpus)
    qtbot.waitUntil(lambda: again.form.size is not None, timeout=30_000)
    assert again.form.hidden_spin.value() == 48  # remembered sizes are kept


def test_the_recipe_fills_the_form_says_why_and_keeps_what_the_person_set(page, qtbot,
                                                                          text_corpus):
    form = page.form
    form.corpus_edit.setText(str(text_corpus))
    form.budget_unit.setCurrentText("minutes")
    form.budget_spin.setValue(2)
    form.device_combo.setCurrentText("cpu")
    form.measure()
    qtbot.waitUntil(lambda: form.recipe is not None, timeout=60_000)
    recipe = form.recipe
    assert form.recipe_label.text().startswith("Recipe: 2 minutes, ")
    assert recipe.why in form.recipe_label.text()
    assert form.hidden_spin.value() == recipe.model["hidden"]
    assert form.lr_spin.value() == pytest.approx(recipe.train["lr"])
    assert form.batch_spin.value() == recipe.train["batch_size"]
    form.hidden_spin.setValue(40)  # the person's choice
    form.budget_spin.setValue(3)  # a new budget: a new recipe, the edited field stays
    qtbot.waitUntil(lambda: form.recipe is not None and form.recipe is not recipe
                    and "3 minutes" in form.recipe_label.text(), timeout=60_000)
    assert form.hidden_spin.value() == 40
    from gui.pages.train.jobs import fixed_fields

    assert fixed_fields(form.values()) == {"cell": "lstm", "hidden": 40}
    form.suggest_button.click()  # "Use the recipe's settings": all of it again
    qtbot.waitUntil(lambda: form.recipe is not None, timeout=60_000)
    assert form.hidden_spin.value() == form.recipe.model["hidden"] and not form.values()["edited"]


def test_a_small_corpus_ends_before_its_minutes_and_says_why(page, ctx, qtbot, text_corpus):
    """The window's defaults on a small corpus: the recipe caps the passes over it (and
    early stopping may end it sooner), the run ends long before its budget, the page
    says why, and the run records it."""
    form = page.form
    form.corpus_edit.setText(str(text_corpus))
    form.budget_unit.setCurrentText("minutes")
    form.budget_spin.setValue(10)
    form.device_combo.setCurrentText("cpu")
    form.name_edit.setText("small")
    form.measure()
    qtbot.waitUntil(lambda: form.recipe is not None, timeout=60_000)
    assert "ends after 30 passes" in form.recipe_label.text()
    page.start()
    wait_idle(page, qtbot, timeout=240_000)
    state = page.state_label.text()
    run = run_of(ctx, "small")
    config = run.read_config()
    outcome = config["outcome"]
    assert config["train"]["max_epochs"] == 30 and config["recipe"]["why"] in \
        form.recipe_label.text()
    if outcome["reason"] == "early-stop":
        assert state.startswith("Finished early: validation stopped improving")
        assert "has not improved for 3 evaluations" in state
    else:
        assert outcome["reason"] == "epochs"
        assert state.startswith("Finished before the time budget: the recipe's passes")
        assert "All 30 passes over the training text are done" in state
    assert outcome["detail"][1:] in state  # shown with a capital letter
    assert run.summary().best_step == outcome["best_step"]  # the kept model is the best
    assert float(run.load("last").info["elapsed"]) < 60  # of a 10-minute budget


def test_step_events_reach_the_gui_in_few_batches_and_in_order():
    from gui.training_queue import _Forwarder
    from nlp.training.events import EvalEvent, StepEvent

    batches = []
    forward = _Forwarder(batches.append)
    steps = [StepEvent(i, 0.0, 1.0, 1e-3, 100.0, 0.0, None) for i in range(1, 501)]
    for event in steps[:250]:
        forward(event)
    evaluation = EvalEvent(250, {"val_loss": 1.0}, True)
    forward(evaluation)  # not a step: goes at once, after the steps before it
    for event in steps[250:]:
        forward(event)
    forward.flush()
    assert len(batches) <= 4  # 501 events in well under a second: a handful of signals
    assert [e for batch in batches for e in batch] == steps[:250] + [evaluation] + steps[250:]
