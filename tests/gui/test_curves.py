"""The curves widget plots what the metrics history holds, live and compared."""

from __future__ import annotations

from gui.widgets.curves import CurvesView

ROWS = [{"step": 10, "time": 6.0, "train_loss": 3.9, "lr": 3e-4},
        {"step": 20, "time": 12.0, "train_loss": 3.1, "lr": 6e-4},
        {"step": 20, "time": 13.0, "val_loss": 3.0, "val_bpc": 4.3, "val_ppl": 20.1},
        {"step": 30, "time": 18.0, "train_loss": float("nan"), "lr": 6e-4}]


def test_one_run_live(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.add_rows("run", ROWS[:2])
    view.add_rows("run", ROWS[2:])
    s = view.series["run"]
    xs, ys = s.train.getData()
    assert list(ys) == [3.9, 3.1]  # the NaN loss is left out, not plotted as a gap bug
    assert list(xs) == [0.1, 0.2]  # minutes
    assert list(s.val.getData()[1]) == [3.0]
    assert view.score_key == "val_bpc"  # bits per character preferred over token perplexity
    assert list(s.score.getData()[1]) == [4.3]


def test_character_model_shows_bits_per_character_subword_model_word_perplexity(qtbot):
    import math

    char = [{"step": 5, "time": 1.0, "val_loss": 1.4, "val_bpc": 1.4 / math.log(2),
             "val_ppl": 4.05, "val_word_ppl": 900.0}]
    subword = [{"step": 5, "time": 1.0, "val_loss": 3.8, "val_bpc": 1.54, "val_ppl": 44.7,
                "val_word_ppl": 270.0}]
    for rows, key in ((char, "val_bpc"), (subword, "val_word_ppl")):
        view = CurvesView()
        qtbot.addWidget(view)
        view.set_history("run", rows)
        assert view.score_key == key


def test_compare_several_runs_then_clear(qtbot):
    view = CurvesView(x="step", multi=True)
    qtbot.addWidget(view)
    view.set_history("lstm", ROWS)
    view.set_history("gru", [{"step": 5, "time": 1.0, "val_loss": 2.5, "bleu": 12.0}])
    assert view.labels() == ["lstm", "gru"]
    assert list(view.series["gru"].val.getData()[0]) == [5.0]
    view.clear()
    assert view.labels() == [] and view.score_key is None
