"""The Translate page: typing translates after a pause, stale results are dropped,
n-best and attention are shown, files translate line by line, errors are messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint

from gui.pages.translate import TranslatePage
from gui.widgets.heatmap import CELL, HIGH, MAX_CELLS, AttentionHeatmap
from models.seq2seq import Seq2Seq, Seq2SeqConfig
from nlp.data.tokenizers import CharTokenizer
from nlp.runs.workspace import Workspace

SOURCE = "one two three four five six seven eight nine ten.\n"
TARGET = "un deux trois quatre cinq six sept huit neuf dix.\n"


def make_mt_run(workspace: Workspace, name: str = "tiny-mt"):
    """A tiny translator run saved as training saves one (untrained: the page needs a
    model that loads and searches, not a good one). Not the shared ``tiny_mt_run``: the
    tests count a text's pieces in characters, and its vocabularies are subwords."""
    src, tgt = CharTokenizer.train([SOURCE]), CharTokenizer.train([TARGET])
    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(src_vocab=src.vocab_size, tgt_vocab=tgt.vocab_size,
                                  embed=8, hidden=8, dropout=0.0))
    run = workspace.create_run(name, {"task": "mt"})
    run.save_checkpoint(2, tags=("last", "best"), keep=1, weights=model.state_dict(),
                        model_config=model.cfg.to_dict(), task="mt",
                        tokenizers={"src": src.to_bytes(), "tgt": tgt.to_bytes()},
                        train_state=None, info={"step": 2, "metrics": {"bleu": 1.5}})
    return run


@pytest.fixture
def mt_run(ctx):
    return make_mt_run(ctx.workspace)


@pytest.fixture
def page(ctx, qtbot, mt_run):
    page = TranslatePage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 750)
    qtbot.waitUntil(lambda: page.model_label.text().startswith("Ready"), timeout=60_000)
    yield page
    page.shutdown(10)


def translate(page, qtbot, text: str):
    page.source.setPlainText(text)
    page.translate_now()
    qtbot.waitUntil(lambda: page.shown_source == text and not page.is_busy(), timeout=60_000)


def test_typing_translates_after_a_pause(page, qtbot):
    assert page.current_run() == "tiny-mt" and "step 2" in page.model_label.text()
    assert "translating on CPU, " in page.model_label.text() or \
        "translating on GPU" in page.model_label.text()  # where there is one
    page.source.setPlainText("one two")
    assert page.debounce.isActive() and not page.is_busy()  # nothing runs while typing
    qtbot.waitUntil(lambda: page.shown_source == "one two", timeout=60_000)
    result = page.results[0]
    assert page.target.toPlainText() == result.text


def test_n_best_alternatives_with_scores(page, qtbot):
    page.beam.setValue(4)
    page.n_best.setValue(4)
    translate(page, qtbot, "three four")
    n_best = page.results[0].n_best
    assert 1 <= len(n_best) <= 4
    assert page.n_best_list.count() == len(n_best)
    for row, (text, score) in enumerate(n_best):
        assert page.n_best_list.item(row).text() == f"{score:7.3f}   {text or '(empty)'}"
    assert page.n_best_list.currentRow() == 0
    page.beam.setValue(2)
    assert page.n_best.value() == 2  # never more alternatives than beams


def test_heatmap_has_one_row_per_output_piece_and_a_column_per_source_piece(page, qtbot):
    translate(page, qtbot, "five six")
    result = page.results[0]
    assert page.heatmap.shape == (len(result.tgt_tokens), len(result.src_tokens))
    assert page.heatmap.shape == result.attention.shape
    assert len(result.src_tokens) == len("five six") + 1  # characters and </s>
    assert page.heatmap.width() > len(result.src_tokens) * 10


def test_a_stale_result_is_discarded(page, qtbot):
    shown = []
    show = page._show_results
    page._show_results = lambda text, results: (shown.append(text), show(text, results))
    page.source.setPlainText("one two three")
    page.translate_now()
    assert page.is_busy()
    page.source.setPlainText("nine")  # before the first result is back
    page.translate_now()
    assert page._calls.running("translate").stopping  # the stale translation is told to stop
    qtbot.waitUntil(lambda: page.shown_source == "nine" and not page.is_busy(), timeout=60_000)
    assert shown == ["nine"]


def test_empty_and_very_long_input_do_not_fail(page, qtbot):
    page.source.setPlainText("   \n ")
    page.translate_now()
    assert page.target.toPlainText() == "" and page.n_best_list.count() == 0
    assert page.heatmap.shape == (0, 0) and not page.is_busy()
    page.beam.setValue(1)
    long_text = "one two three " * 200  # 2,800 characters, one "sentence" of 19 pieces
    translate(page, qtbot, long_text)
    assert "b00020" not in page.status.styleSheet()
    assert page.status.text() == ""
    assert page.results[0].text
    assert "too long" in page.heatmap.note


def test_a_file_translates_line_by_line(page, qtbot, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("one two\n\nthree four five\nsix\n", encoding="utf-8")
    target = tmp_path / "out.txt"
    page.translate_file(source, target)
    assert page.progress.isVisible() or page.is_busy()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=60_000)
    lines = target.read_text(encoding="utf-8").split("\n")
    assert len(lines) == 5 and lines[-1] == ""  # four lines, each ending in a newline
    assert lines[1] == ""  # an empty line stays empty
    assert "Translated 4 lines" in page.file_label.text()


def test_cancel_writes_nothing(page, qtbot, tmp_path):
    source = tmp_path / "many.txt"
    source.write_text("one two three\n" * 3000, encoding="utf-8")
    target = tmp_path / "out.txt"
    page.translate_file(source, target)
    assert page.busy_reason() == "a file is being translated"
    page.cancel_file()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=60_000)
    assert not target.exists()
    assert "Cancelled" in page.file_label.text()
    assert page.busy_reason() is None


def test_a_file_that_cannot_be_read_is_a_message(page, qtbot, tmp_path):
    page.translate_file(tmp_path / "missing.txt", tmp_path / "out.txt")
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=60_000)
    assert "missing.txt" in page.file_label.text()
    assert "b00020" in page.file_label.styleSheet()


def test_a_damaged_checkpoint_is_explained_inline(ctx, qtbot):
    run = make_mt_run(ctx.workspace, "broken")
    for weights in run.checkpoints_dir.glob("step-*/model.safetensors"):
        weights.write_bytes(b"garbage")
    page = TranslatePage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: "damaged" in page.model_label.text(), timeout=60_000)
    assert "b00020" in page.model_label.styleSheet()
    page.source.setPlainText("one")
    page.translate_now()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=60_000)
    assert "damaged" in page.status.text()
    page.shutdown(10)


def test_open_run_from_another_page(window, ctx, qtbot, mt_run):
    make_mt_run(ctx.workspace, "other")
    ctx.open_run.emit("translate", "other")
    page = window.pages["translate"]
    assert window.stack.currentWidget() is page and page.current_run() == "other"
    qtbot.waitUntil(lambda: page.model_label.text().startswith("Ready"), timeout=60_000)
    page.shutdown(10)


def test_heatmap_cells_colours_and_cut(qtbot):
    heatmap = AttentionHeatmap()
    qtbot.addWidget(heatmap)
    weights = np.array([[1.0, 0.0, 0.0], [0.0, 0.25, 0.75]], dtype=np.float32)
    heatmap.set_attention(weights, ["a", " ", "</s>"], ["x", "</s>"])
    assert heatmap.shape == (2, 3) and heatmap.src_tokens[1] == "␣"
    image = heatmap.grab().toImage()
    left, top = heatmap._left, heatmap._top
    dark = image.pixelColor(left + CELL // 2, top + CELL // 2)
    white = image.pixelColor(left + CELL + CELL // 2, top + CELL // 2)
    assert (dark.red(), dark.green(), dark.blue()) == HIGH
    assert (white.red(), white.green(), white.blue()) == (255, 255, 255)
    assert heatmap.cell_at(QPoint(left + 2 * CELL + 3, top + CELL + 3)) == (1, 2)
    assert heatmap.cell_at(QPoint(left - 3, top + 3)) is None
    heatmap.set_attention(np.full((300, 250), 0.1), ["s"] * 250, ["t"] * 300)
    assert heatmap.shape == (300, 250) and heatmap.weights.shape == (MAX_CELLS, MAX_CELLS)
    assert "first 200 of 300" in heatmap._message()
    heatmap.grab()  # paints without error
    heatmap.clear()
    assert heatmap.shape == (0, 0)


def test_a_failing_gpu_falls_back_to_the_cpu(tiny_mt_run, monkeypatch, caplog):
    from nlp.inference.loaded import load_translator_for
    from nlp.tasks.mt import task as mt_task
    run = tiny_mt_run  # a trained translator, only read
    real = mt_task.load_translator

    def flaky(run, which="best", device=None, **kw):
        if device != "cpu":
            raise RuntimeError("CUDA error: no kernel image is available for execution")
        return real(run, which, device, **kw)

    monkeypatch.setattr(mt_task, "load_translator", flaky)
    loaded = load_translator_for(run)
    assert loaded.mode.startswith("CPU, ") and "no kernel image" in caplog.text
    assert loaded.translator.device.type == "cpu"
    [got] = loaded.translator.translate(["one two"], beam=2, n_best=2)
    [expected] = real(run, "best", "cpu").translate(["one two"], beam=2, n_best=2)
    assert got.n_best == expected.n_best and got.text == expected.text  # the run's model
