"""The three tasks start, resume and read their runs through one skeleton
(nlp.tasks.session), so they behave alike."""

from __future__ import annotations

import json
import shutil

import pytest

from nlp.errors import ConfigError, StudioError
from nlp.runs.workspace import Workspace
from nlp.tasks.lm.session import LMDataSpec, new_lm_training, resume_lm_training
from nlp.tasks.mt.session import MTDataSpec, new_mt_training, resume_mt_training
from nlp.tasks.series.data import SeriesDataSpec
from nlp.tasks.series.session import new_series_training, resume_series_training
from nlp.tasks.session import run_name
from nlp.training.events import FinishedEvent, MessageEvent


def _start(kind, ws, text_corpus, pairs_corpus, series_csv, tiny):
    """A new run of ``kind`` with a budget of 6 steps (its trainer and run)."""
    train = tiny.train(max_steps=6, eval_every=3, batch_size=8)
    if kind == "lm":
        return new_lm_training(ws, "r", LMDataSpec(corpus=str(text_corpus)), tiny.lm, train)
    if kind == "mt":
        spec = MTDataSpec(pairs=str(pairs_corpus), vocab_size=60, eval_sentences=10)
        return new_mt_training(ws, "r", spec, tiny.mt, train)
    spec = SeriesDataSpec(csv=str(series_csv), window=6, horizon=12)
    return new_series_training(ws, "r", spec, tiny.series, train)


RESUME = {"lm": resume_lm_training, "mt": resume_mt_training, "series": resume_series_training}


@pytest.mark.parametrize("kind", ["lm", "mt", "series"])
def test_a_run_without_a_checkpoint_starts_over_for_every_task(
        kind, tmp_path, text_corpus, pairs_corpus, series_csv, tiny, caplog):
    """Killed before its first checkpoint, a run trains from the start with the settings
    it recorded (a translator used to fail here while a language model started over)."""
    ws = Workspace(tmp_path / "ws")
    _, run = _start(kind, ws, text_corpus, pairs_corpus, series_csv, tiny)  # never trained
    assert run.checkpoint_names() == []
    caplog.set_level("INFO", logger="nlp.tasks.session")
    trainer, again = RESUME[kind](ws, "r")
    assert again.path == run.path
    assert "no checkpoint yet: training it from the start" in caplog.text
    with again.lock():
        final = trainer.run()
    assert isinstance(final, FinishedEvent) and final.reason == "budget"
    assert final.step == 6 and run.checkpoint_names()


@pytest.mark.parametrize("kind", ["lm", "mt", "series"])
def test_every_task_resumes_from_its_last_checkpoint(
        kind, tmp_path, text_corpus, pairs_corpus, series_csv, tiny):
    ws = Workspace(tmp_path / "ws")
    trainer, run = _start(kind, ws, text_corpus, pairs_corpus, series_csv, tiny)
    with run.lock():
        first = trainer.run()
    assert first.step == 6
    events = []
    trainer, again = RESUME[kind](ws, "r", extra_minutes=0.01, listeners=[events.append])
    with again.lock():
        final = trainer.run()
    said = [e.text for e in events if isinstance(e, MessageEvent)]
    assert any(s.startswith("resumed at step 6 ") for s in said), said  # not from zero
    assert final.step >= 6 and run.read_config()["train"]["max_minutes"] is not None


@pytest.mark.parametrize("kind", ["lm", "mt", "series"])
def test_a_run_of_another_task_or_with_its_data_moved_is_refused_in_words(
        kind, tmp_path, text_corpus, pairs_corpus, series_csv, tiny):
    ws = Workspace(tmp_path / "ws")
    _, run = _start(kind, ws, text_corpus, pairs_corpus, series_csv, tiny)
    other = {"lm": "mt", "mt": "series", "series": "lm"}[kind]
    with pytest.raises(StudioError, match="is not a"):
        RESUME[other](ws, "r")
    data = {"lm": text_corpus, "mt": pairs_corpus, "series": series_csv}[kind]
    shutil.move(data, tmp_path / "moved")
    with pytest.raises(StudioError, match=f"no longer at {data}; put"):
        RESUME[kind](ws, "r")


@pytest.mark.parametrize("spec_type, data", [
    (LMDataSpec, {"corpus": "a.txt"}),
    (MTDataSpec, {"pairs": "a.tsv"}),
    (SeriesDataSpec, {"csv": "a.csv"}),
])
def test_a_run_data_spec_is_read_one_way_and_a_typo_is_named(spec_type, data):
    """run.json's data entry round-trips, and an unknown key is a ConfigError that
    names it (an LM spec used to raise TypeError)."""
    spec = spec_type.from_dict(data)
    assert spec_type.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    with pytest.raises(ConfigError, match="Unknown data setting 'vocab_sise'.*vocab_size"
                       if spec_type is not SeriesDataSpec else "Unknown data setting"):
        spec_type.from_dict({**data, "vocab_sise": 100})


def test_paths_are_made_absolute_and_listed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = MTDataSpec(src="a.en", tgt="a.fr", valid_pairs="v.tsv").resolved()
    assert spec.paths() == [str(tmp_path / n) for n in ("a.en", "a.fr", "v.tsv")]
    assert LMDataSpec(corpus="c.txt").resolved().corpus == str(tmp_path / "c.txt")


def test_run_names_come_from_the_data_file(monkeypatch):
    monkeypatch.setattr("time.strftime", lambda fmt: "20261204-213000")
    assert run_name("/data/my corpus (v2).txt", "lstm") == "my-corpus--v2--lstm-20261204-213000"
    assert run_name(None, "mt", "gru", fallback="pairs") == "pairs-mt-gru-20261204-213000"
    assert run_name("x" * 60 + ".csv", "gru").startswith("x" * 40 + "-gru-")
