"""The Inspect page: runs of both kinds listed, the text read off the GUI thread,
a unit's values over the text, ranked units and the grid, gates switched, surprisal,
a translator's beam and attention, stale results dropped, errors shown; and the
text heatmap widget's colours, wrapping and tooltips."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt

from gui.pages.inspect.page import InspectPage
from gui.widgets.text_heatmap import (
    DIVERGING,
    GRID_ROW,
    MISSING,
    SEQUENTIAL,
    TextHeatmap,
    colors,
)
from models.language_model import LanguageModel, LMConfig
from models.seq2seq import Seq2Seq, Seq2SeqConfig
from nlp.analysis.inspect import FEATURES, LMInspection, TranslationInspection, inspect_lm
from nlp.data.tokenizers import CharTokenizer
from nlp.runs.workspace import Workspace

CORPUS = '"Is it 4?" (she asked). Yes, it is.\nTOM: No.\n' * 5
SOURCE = "one two three four five six seven eight nine ten.\n"
TARGET = "un deux trois quatre cinq six sept huit neuf dix.\n"


def save(workspace: Workspace, name: str, task: str, model, tokenizers: dict) -> None:
    run = workspace.create_run(name, {"task": task})
    run.save_checkpoint(4, tags=("last", "best"), keep=1, weights=model.state_dict(),
                        model_config=model.cfg.to_dict(), task=task, tokenizers=tokenizers,
                        train_state=None, info={"step": 4})


def make_lm_run(workspace: Workspace, name: str = "chars", cell: str = "lstm") -> None:
    """Two layers of either cell, over CORPUS's characters (the shared ``tiny_lm_run`` has
    one LSTM layer): the tests read its layers, gates and labels."""
    tokenizer = CharTokenizer.train([CORPUS])
    torch.manual_seed(1)
    model = LanguageModel(LMConfig(vocab_size=tokenizer.vocab_size, cell=cell, embed=8,
                                   hidden=16, layers=2, dropout=0.0))
    save(workspace, name, "lm", model, {"main": tokenizer.to_bytes()})


def make_mt_run(workspace: Workspace, name: str = "numbers") -> None:
    """A character translator (the shared ``tiny_mt_run`` has subwords), untrained."""
    src, tgt = CharTokenizer.train([SOURCE]), CharTokenizer.train([TARGET])
    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(src_vocab=src.vocab_size, tgt_vocab=tgt.vocab_size,
                                  embed=8, hidden=8, dropout=0.0))
    save(workspace, name, "mt", model, {"src": src.to_bytes(), "tgt": tgt.to_bytes()})


@pytest.fixture
def page(ctx, qtbot):
    make_lm_run(ctx.workspace)
    make_mt_run(ctx.workspace)
    ctx.remember("inspect/run", "chars")
    page = InspectPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    wait_shown(page, qtbot)  # the model loads, then the sample text is read at once
    yield page
    page.shutdown(10)


def wait_shown(page, qtbot, run: str = "chars") -> None:
    qtbot.waitUntil(lambda: page.shown_run == run and not page.is_busy(), timeout=60_000)


def read(page, qtbot, text: str) -> None:
    page.text_edit.setPlainText(text)
    page.inspect()
    qtbot.waitUntil(lambda: not page.is_busy() and page.result is not None
                    and page.result.text == text, timeout=60_000)


def test_lists_both_kinds_of_runs_and_reads_the_sample_at_once(page, ctx):
    names = [page.run_box.itemData(i) for i in range(page.run_box.count())]
    assert sorted(names) == ["chars", "numbers"]
    assert "(translator)" in page.run_box.itemText(names.index("numbers"))
    assert page.model_label.text().startswith("Ready: character LSTM, 2 layers of 16 units")
    assert "step 4" in page.model_label.text()
    assert isinstance(page.result, LMInspection)
    assert page.stack.currentWidget() is page.gates
    assert page.status.text().startswith("Read ")
    assert not page.beam.isVisible()  # beam settings are for translators


def test_the_heatmap_shows_the_chosen_units_values(page, qtbot):
    read(page, qtbot, CORPUS[:60])
    gates, insp = page.gates, page.result
    assert gates.layer_box.count() == 2 and gates.current() == (1, "hidden")
    assert [gates.gate_box.itemData(i) for i in range(gates.gate_box.count())] == \
        ["hidden", "cell", "forget", "input", "output", "candidate"]
    unit = gates.unit_spin.value()
    assert unit == gates.grid_units[0].unit  # the strongest unit is shown first
    np.testing.assert_array_equal(gates.heatmap.values, insp.values("hidden", 1)[:, unit])
    assert gates.heatmap.text == CORPUS[:60] and (gates.heatmap.low, gates.heatmap.high) == (-1, 1)
    assert "Layer 2 · hidden state · unit" in gates.caption.text()
    gates.unit_spin.setValue(3)
    np.testing.assert_array_equal(gates.heatmap.values, insp.values("hidden", 1)[:, 3])
    assert "unit 3" in gates.caption.text()


def test_ranked_units_are_listed_per_feature_and_clicking_one_shows_it(page, qtbot):
    read(page, qtbot, CORPUS[:90])
    gates = page.gates
    tree = gates.tree
    assert tree.topLevelItemCount() == len(FEATURES)
    feature = tree.topLevelItem(0)  # inside quotes
    assert feature.text(0) == "inside quotes" and 1 <= feature.childCount() <= 5
    child = feature.child(feature.childCount() - 1)
    unit = child.data(0, Qt.ItemDataRole.UserRole)
    expected = next(s for s in gates.ranking["inside quotes"] if s.unit == unit)
    assert child.text(1) == f"{expected.r:+.2f}"
    gates._tree_clicked(child, 0)
    assert gates.unit_spin.value() == unit
    np.testing.assert_array_equal(gates.heatmap.values, page.result.values("hidden", 1)[:, unit])


def test_the_grid_has_a_row_per_strong_unit_and_a_click_picks_it(page, qtbot):
    gates = page.gates
    grid = gates.grid
    assert grid.values.shape == (len(gates.grid_units), len(page.result.pieces))
    assert grid.selected == 0
    row = len(gates.grid_units) - 1
    point = QPoint(grid._left + 3, grid._top + row * GRID_ROW + 5)
    assert grid.row_at(point) == row
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=point)
    assert gates.unit_spin.value() == gates.grid_units[row].unit and grid.selected == row
    np.testing.assert_array_equal(grid.values[row],
                                  page.result.values("hidden", 1)[:, gates.grid_units[row].unit])


def test_switching_gate_layer_and_surprisal(page, qtbot):
    gates = page.gates
    gates.gate_box.setCurrentIndex(gates.gate_box.findData("forget"))
    gates.layer_box.setCurrentIndex(0)
    unit = gates.unit_spin.value()
    np.testing.assert_array_equal(gates.heatmap.values, page.result.values("forget", 0)[:, unit])
    assert (gates.heatmap.low, gates.heatmap.high) == (0, 1) == (gates.scale.low, gates.scale.high)
    assert "Layer 1 · forget gate" in gates.caption.text()
    gates.surprisal_check.setChecked(True)
    assert np.isnan(gates.heatmap.values[0])
    np.testing.assert_array_equal(gates.heatmap.values[1:], page.result.surprisal[1:])
    assert "Surprisal" in gates.caption.text()
    read(page, qtbot, "TOM: Yes.\n")
    assert gates.current() == (0, "forget")  # a new text keeps the chosen layer and gate


def test_tooltips_give_the_exact_value_and_the_models_guess(page, qtbot):
    read(page, qtbot, "TOM: No.\n")
    heatmap, insp = page.gates.heatmap, page.result
    tip = heatmap.tooltip(1)
    assert tip.startswith(f"“O” (token 1): {heatmap.values[1]:+.4f}")
    assert f"surprisal {insp.surprisal[1]:.2f} bits" in tip and "expected next:" in tip
    box = heatmap.char_box(4)  # the space after "TOM:"
    assert heatmap.token_at(box.center()) == 4
    assert "(token 0)" in heatmap.tooltip(0) and "surprisal" not in heatmap.tooltip(0)


def test_a_translator_shows_the_beam_and_the_attention_of_each_alternative(page, qtbot):
    page.run_box.setCurrentIndex(page.run_box.findData("numbers"))
    assert page.beam.isVisible() and page.n_best.isVisible()
    page.beam.setValue(4)
    page.n_best.setValue(3)
    wait_shown(page, qtbot, "numbers")  # switching runs reads the text again
    read(page, qtbot, "one two. three")
    insp = page.result
    assert isinstance(insp, TranslationInspection)
    view = page.beam_view
    assert page.stack.currentWidget() is view
    assert view.sentence_box.count() == 2 and view.sentence_box.isVisible()
    alternatives = insp.sentences[0].alternatives
    assert view.alternatives.count() == len(alternatives) <= 3
    first = alternatives[0]
    assert view.alternatives.item(0).text().endswith(first.text or "(empty)")
    assert view.attention.shape == first.attention.shape
    view.sentence_box.setCurrentIndex(1)
    second = insp.sentences[1]
    view.alternatives.setCurrentRow(view.alternatives.count() - 1)
    assert view.attention.shape == second.alternatives[-1].attention.shape
    assert view.attention.src_tokens[-1] == "</s>"


def test_only_the_newest_request_is_shown(page, qtbot):
    page.text_edit.setPlainText("TOM: one\n")
    page.inspect()
    page.text_edit.setPlainText("TOM: two\n")
    page.inspect()  # waits for the first, which is then dropped
    qtbot.waitUntil(lambda: not page.is_busy() and page.result.text == "TOM: two\n",
                    timeout=60_000)
    assert page.ctx.recall("inspect/text", "", str) == "TOM: two\n"


def test_errors_are_shown_in_the_status_line(page, qtbot):
    page.text_edit.setPlainText("   ")
    page.inspect()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=60_000)
    assert "no text to inspect" in page.status.text()
    assert "b00020" in page.status.styleSheet()
    page.open_run("missing")
    assert "'missing' is not a language model or translator run" in page.model_label.text()


def test_the_text_and_run_are_remembered(ctx, page, qtbot):
    read(page, qtbot, "TOM: kept\n")
    again = InspectPage(ctx)
    qtbot.addWidget(again)
    assert again.text_edit.toPlainText() == "TOM: kept\n" and again.current_run() == "chars"
    wait_shown(again, qtbot)
    again.shutdown(10)


# -- the widget ---------------------------------------------------------------------------

def test_colours_diverge_about_zero_and_run_from_white_for_gates():
    rgb = colors([-1.0, 0.0, 1.0, np.nan], -1.0, 1.0)
    assert rgb.tolist() == [list(DIVERGING[0][1]), list(DIVERGING[2][1]),
                            list(DIVERGING[-1][1]), list(MISSING)]
    assert colors([0.0, 2.0], -4.0, 4.0).tolist()[0] == list(DIVERGING[2][1])  # 0 stays white
    rgb = colors([0.0, 1.0, 7.0], 0.0, 1.0)
    assert rgb.tolist() == [list(SEQUENTIAL[0][1]), list(SEQUENTIAL[-1][1]),
                            list(SEQUENTIAL[-1][1])]  # out of range is clipped


def test_the_text_wraps_between_words_and_breaks_lines(qtbot):
    heatmap = TextHeatmap()
    qtbot.addWidget(heatmap)
    text = "alpha beta gamma delta\nepsilon"
    heatmap.set_values(text, [(i, i + 1) for i in range(len(text))], np.zeros(len(text)),
                       -1, 1)
    wide, narrow = heatmap._lay_out(2000), heatmap._lay_out(150)
    rows = sorted({b.top() for b in wide})
    assert len(rows) == 2 and wide[text.index("e", 22)].top() == rows[1]  # after "↵"
    assert heatmap.heightForWidth(150) > heatmap.heightForWidth(2000)
    starts = [i for i in range(1, len(text)) if narrow[i].top() > narrow[i - 1].top()]
    assert all(text[i - 1] in " \n" for i in starts)  # no word is cut in two


def test_the_heatmap_of_a_real_inspection_paints(qtbot):
    tokenizer = CharTokenizer.train([CORPUS])
    model = LanguageModel(LMConfig(vocab_size=tokenizer.vocab_size, cell="gru", embed=8,
                                   hidden=8, layers=1, dropout=0.0))
    insp = inspect_lm(model, tokenizer, CORPUS)
    heatmap = TextHeatmap()
    qtbot.addWidget(heatmap)
    heatmap.resize(500, 400)
    heatmap.set_values(insp.text, insp.spans, insp.values("update")[:, 0], 0, 1)
    image = heatmap.grab().toImage()
    box = heatmap.char_box(0)
    corner = image.pixelColor(box.left() + 1, box.top() + 1)
    expected = colors(insp.values("update")[:1, 0], 0, 1)[0]
    assert (corner.red(), corner.green(), corner.blue()) == tuple(int(c) for c in expected)
