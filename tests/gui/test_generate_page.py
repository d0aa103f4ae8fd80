"""The Generate page: runs listed, text streamed, seeds reproduce, Stop, Copy/Save, errors."""

from __future__ import annotations

import time

import pytest
import torch
from PySide6.QtGui import QGuiApplication

from gui.pages.generate import GeneratePage, seconds_text
from models.language_model import LanguageModel, LMConfig
from nlp.data.tokenizers import EOS, CharTokenizer
from nlp.inference.interactive import GenerationOutcome
from nlp.inference.loaded import language_model
from nlp.runs.workspace import Workspace

TEXT = "".join(f"Line {i}: the quick brown fox jumps over the lazy dog.\n" for i in range(20))


def make_lm_run(workspace: Workspace, name: str = "tiny-lm"):
    """A tiny language-model run saved as a training run would save it (no training:
    a test needs a model that loads and samples, not a good one). Not the shared
    ``tiny_lm_run``: here the end of text is ruled out, so a sample runs to its length."""
    run = workspace.create_run(name, {"task": "lm"})
    save_lm_checkpoint(run, 1)
    return run


def save_lm_checkpoint(run, step: int) -> None:
    tokenizer = CharTokenizer.train([TEXT])
    torch.manual_seed(step)
    model = LanguageModel(LMConfig(vocab_size=tokenizer.vocab_size, embed=8, hidden=16,
                                   layers=1, dropout=0.0))
    with torch.no_grad():  # an untrained model would end a sample at a random EOS
        model.decoder.bias[EOS] = -30.0
    run.save_checkpoint(step, tags=("last", "best"), keep=2, weights=model.state_dict(),
                        model_config=model.cfg.to_dict(), task="lm",
                        tokenizers={"main": tokenizer.to_bytes()}, train_state=None,
                        info={"step": step, "metrics": {"val_loss": 3.0, "val_bpc": 4.3}})


@pytest.fixture
def lm_run(ctx):
    return make_lm_run(ctx.workspace)


@pytest.fixture
def page(ctx, qtbot, lm_run):
    page = GeneratePage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    qtbot.waitUntil(lambda: page.model_label.text().startswith("Ready"), timeout=60_000)
    yield page
    page.shutdown(10)


def generate(page, qtbot, **settings):
    for name, value in settings.items():
        widget = getattr(page, name)
        widget.setText(value) if name == "seed" else widget.setValue(value)
    page.generate()
    assert page.is_generating()
    qtbot.waitUntil(lambda: not page.is_generating(), timeout=60_000)
    return page.generated


def test_lists_language_model_runs_and_loads_the_chosen_one(page, ctx):
    assert page.current_run() == "tiny-lm"
    assert page.run_box.count() == 1
    assert "step 1" in page.model_label.text()
    ctx.workspace.create_run("a-translator", {"task": "mt"})
    make_lm_run(ctx.workspace, "second")
    ctx.runs_changed.emit()
    assert [page.run_box.itemData(i) for i in range(page.run_box.count())] \
        == ["second", "tiny-lm"]  # translators are not listed; the choice is kept
    assert page.current_run() == "tiny-lm"


def test_same_seed_gives_the_same_text(page, qtbot):
    page.prompt.setPlainText("Line")
    first = generate(page, qtbot, seed="7", length=60, temperature=1.0)
    assert len(first) > 0
    assert page.full_text() == "Line" + first
    assert page.status.text().startswith("Done")
    assert generate(page, qtbot, seed="7", length=60, temperature=1.0) == first
    assert generate(page, qtbot, seed="8", length=60, temperature=1.0) != first


def test_an_empty_seed_is_chosen_at_random_and_shown(page, qtbot):
    first = generate(page, qtbot, seed="", length=40)
    status = page.status.text()
    assert "random seed" in status
    seed = status.split("random seed ")[1].split(")")[0]
    assert generate(page, qtbot, seed=seed, length=40) == first


def test_text_streams_in_and_stop_stops(page, qtbot):
    page.flush_s = 0.0  # every piece as it comes: the view must grow while generating
    page.seed.setText("1")
    page.length.setValue(1_000_000)
    page.generate()
    qtbot.waitUntil(lambda: len(page.generated) > 50, timeout=60_000)
    assert page.is_generating() and page.stop_button.isEnabled()
    assert not page.generate_button.isEnabled()
    page.stop()
    qtbot.waitUntil(lambda: not page.is_generating(), timeout=60_000)
    assert page.status.text().startswith("Stopped")
    assert 50 < len(page.generated) < 1_000_000
    assert page.output.toPlainText().endswith(page.generated)
    assert page.generate_button.isEnabled() and not page.stop_button.isEnabled()


def test_bad_settings_are_shown_not_raised(page, qtbot):
    for bad in ("seven", "²", "-1", str(2**31)):
        page.seed.setText(bad)
        page.generate()
        assert not page.is_generating()
        assert "seed must be a whole number" in page.status.text()


def test_copy_and_save(page, qtbot, tmp_path):
    page.prompt.setPlainText("Line 3")
    generate(page, qtbot, seed="3", length=30)
    page.copy()
    assert QGuiApplication.clipboard().text() == page.full_text()
    target = tmp_path / "out.txt"
    assert page.save(target)
    assert target.read_text(encoding="utf-8") == page.full_text()
    assert not page.save(tmp_path / "missing-folder" / "out.txt")  # a dialog, not a raise


def test_settings_are_remembered(page, qtbot, ctx):
    page.prompt.setPlainText("Line 9")
    generate(page, qtbot, seed="5", length=12, temperature=0.5, penalty=1.2, top_k=5)
    again = GeneratePage(ctx)
    qtbot.addWidget(again)
    assert again.prompt.toPlainText() == "Line 9"
    assert (again.seed.text(), again.length.value(), again.top_k.value()) == ("5", 12, 5)
    assert again.temperature.value() == pytest.approx(0.5)
    assert again.penalty.value() == pytest.approx(1.2)
    assert again.current_run() == "tiny-lm"
    again.shutdown(10)


def test_a_damaged_checkpoint_is_explained_inline(ctx, qtbot):
    run = make_lm_run(ctx.workspace, "broken")
    for weights in run.checkpoints_dir.glob("step-*/model.safetensors"):
        weights.write_bytes(b"garbage")
    page = GeneratePage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: "damaged" in page.model_label.text(), timeout=60_000)
    assert "b00020" in page.model_label.styleSheet()
    assert "Traceback" not in page.model_label.text()
    page.generate()  # the generation says it too, in the status line
    qtbot.waitUntil(lambda: not page.is_generating(), timeout=60_000)
    assert "damaged" in page.status.text()


def test_no_runs_says_what_to_do(ctx, qtbot):
    page = GeneratePage(ctx)
    qtbot.addWidget(page)
    assert page.current_run() is None
    assert "Train page" in page.model_label.text()
    assert not page.generate_button.isEnabled()


def test_open_run_from_another_page(window, ctx, qtbot, lm_run):
    make_lm_run(ctx.workspace, "other")
    ctx.open_run.emit("generate", "other")
    page = window.pages["generate"]
    assert window.stack.currentWidget() is page
    assert page.current_run() == "other"
    qtbot.waitUntil(lambda: page.model_label.text().startswith("Ready"), timeout=60_000)
    page.shutdown(10)


def test_the_model_is_cached_until_the_run_has_a_newer_checkpoint(page, qtbot, lm_run):
    first = language_model(lm_run.path)
    assert language_model(lm_run.path) is first  # loaded once
    save_lm_checkpoint(lm_run, 5)  # the run trained on meanwhile
    page.on_shown()
    qtbot.waitUntil(lambda: "step 5" in page.model_label.text(), timeout=60_000)
    assert language_model(lm_run.path) is not first


def test_unknown_prompt_characters_are_noted(page, qtbot):
    page.prompt.setPlainText("Line 😀 中 1 😀")  # the model's text has no emoji, no Chinese
    generate(page, qtbot, seed="2", length=10)
    status = page.status.text()
    assert status.startswith("Done")
    assert "the model does not know: 3 ('😀' (U+1F600), '中' (U+4E2D))" in status
    assert "unknown token" in status
    page.prompt.setPlainText("Line 1")
    generate(page, qtbot, seed="2", length=10)
    assert "does not know" not in page.status.text()


def _status_numbers(status: str) -> tuple[int, float, float]:
    """(characters, seconds, characters/s) of 'Done: 1,234 characters in 0.048 s (6,196
    characters/s)…'."""
    chars, rest = status.split("Done: ")[1].split(" characters in ")
    seconds, rest = rest.split(" s (")
    rate = rest.split(" characters/s")[0]
    return int(chars.replace(",", "")), float(seconds), float(rate.replace(",", ""))


def test_the_speed_is_the_time_it_took(page, qtbot):
    """A 48 ms sample read "0.0 s (6,196 characters/s)": the time must show, agree with
    the speed and fit inside a stopwatch around the whole generation."""
    page._finished(GenerationOutcome(chars=300, seconds=0.048, stopped=False), "")
    assert page.status.text() == "Done: 300 characters in 0.048 s (6,250 characters/s)."
    page._finished(GenerationOutcome(chars=3000, seconds=12.5, stopped=False,
                                     load_seconds=2.0), "")
    assert page.status.text() == ("Done: 3,000 characters in 12.5 s (240 characters/s). "
                                  "Loading the model took 2.0 s more.")
    started = time.perf_counter()
    text = generate(page, qtbot, seed="4", length=2000)
    stopwatch = time.perf_counter() - started
    chars, seconds, rate = _status_numbers(page.status.text())
    assert chars == len(text) > 0
    assert 0 < seconds <= stopwatch
    assert rate == pytest.approx(chars / seconds, rel=0.06)  # seconds shown to 2 digits


def test_seconds_text():
    assert [seconds_text(s) for s in (0, 0.00012, 0.048, 0.5, 3.25, 12.0, 345.6)] \
        == ["0.0", "0.0001", "0.048", "0.50", "3.2", "12.0", "345.6"]


def test_the_stop_text_reads_escapes_like_the_command_line(page, qtbot, ctx):
    page.prompt.setPlainText("Line")
    full = generate(page, qtbot, seed="6", length=300)
    assert "\n" in full  # the model draws from the text's characters, line breaks included
    page.stop_text.setText(r"\n")  # typed as a person types it: backslash, n
    assert page.settings()["stop"] == ["\n"]
    assert generate(page, qtbot, seed="6", length=300) == full[:full.index("\n")]
    assert "ended at a stop text" in page.status.text()
    again = GeneratePage(ctx)  # remembered as typed
    qtbot.addWidget(again)
    assert again.stop_text.text() == r"\n"
    again.shutdown(10)
    page.stop_text.setText("")
    assert page.settings()["stop"] == []
