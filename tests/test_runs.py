"""Run folders: creation, listing, checkpoints index and retention, locks, history."""

from __future__ import annotations

import json

import pytest
import torch

from nlp.errors import CheckpointError, StudioError
from nlp.runs.workspace import Run, Workspace


def _payload(step):
    return dict(weights={"w": torch.full((2, 2), float(step))}, model_config={"n": 2},
                task="lm", tokenizers={"main": b"t"}, train_state={"step": step},
                info={"step": step, "metrics": {"val_loss": 10.0 / step}})


def test_create_list_resolve(tmp_path):
    ws = Workspace(tmp_path / "ws")
    run = ws.create_run("demo", {"task": "lm", "model": {}})
    assert ws.resolve("demo").path == run.path
    assert ws.resolve(run.path).path == run.path
    with pytest.raises(StudioError, match="already exists"):
        ws.create_run("demo", {"task": "lm"})
    with pytest.raises(StudioError, match="no run 'nope'.*demo"):
        ws.resolve("nope")
    with pytest.raises(StudioError, match="cannot name a run"):
        ws.create_run("../escape", {})
    [summary] = ws.list_runs()
    assert summary.name == "demo" and summary.task == "lm" and summary.error is None


def test_checkpoints_keep_last_best_and_recent(tmp_path):
    run = Workspace(tmp_path).create_run("r", {"task": "lm"})
    run.save_checkpoint(1, tags=("last", "best"), keep=1, **_payload(1))
    for step in (2, 3, 4):
        run.save_checkpoint(step, tags=("last",), keep=1, **_payload(step))
    assert run.checkpoint_names() == ["step-00000001", "step-00000003", "step-00000004"]
    assert run.read_index() == {"last": "step-00000004", "best": "step-00000001"}
    assert run.load("best").weights["w"][0, 0] == 1.0
    assert run.load().weights["w"][0, 0] == 4.0
    summary = run.summary()
    assert summary.step == 4 and summary.best == {"val_loss": 10.0}


def test_damaged_last_falls_back_to_older(tmp_path):
    run = Workspace(tmp_path).create_run("r", {"task": "lm"})
    run.save_checkpoint(1, tags=("last",), keep=3, **_payload(1))
    folder = run.save_checkpoint(2, tags=("last",), keep=3, **_payload(2))
    (folder / "model.safetensors").write_bytes(b"garbage")
    assert run.load().info["step"] == 1


def test_missing_index_is_rebuilt(tmp_path):
    run = Workspace(tmp_path).create_run("r", {"task": "lm"})
    run.save_checkpoint(5, tags=("last",), keep=3, **_payload(5))
    (run.checkpoints_dir / "index.json").write_text("{torn")
    assert run.read_index() == {"last": "step-00000005"}


def test_damaged_run_lists_with_reason(tmp_path):
    ws = Workspace(tmp_path)
    ws.create_run("good", {"task": "lm"})
    bad = ws.runs_dir / "bad"
    bad.mkdir()
    (bad / "run.json").write_text("not json")
    by_name = {s.name: s for s in ws.list_runs()}
    assert by_name["good"].error is None
    assert "damaged" in by_name["bad"].error


def test_torn_metrics_line_is_skipped_and_history_truncates(tmp_path):
    run = Workspace(tmp_path).create_run("r", {"task": "lm"})
    for step in (10, 20, 30):
        run.append_jsonl("metrics.jsonl", {"step": step, "train_loss": 1.0})
    with open(run.path / "metrics.jsonl", "a") as f:
        f.write('{"step": 40, "tra')
    assert [r["step"] for r in run.metrics()] == [10, 20, 30]
    run.truncate_history(20)
    assert [r["step"] for r in run.metrics()] == [10, 20]


def test_lock_refuses_second_writer(tmp_path):
    run = Workspace(tmp_path).create_run("r", {"task": "lm"})
    with run.lock():
        with pytest.raises(StudioError, match="another process"):
            with Run(run.path).lock():
                pass
    with run.lock():
        pass


def test_read_only_workspace_is_explained(tmp_path, monkeypatch):
    ws = Workspace(tmp_path / "ws")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("pathlib.Path.mkdir", refuse)
    with pytest.raises(StudioError, match="cannot be written.*--workspace"):
        ws.ensure_writable()


def test_run_without_checkpoint(tmp_path):
    run = Workspace(tmp_path).create_run("r", {"task": "lm"})
    with pytest.raises(CheckpointError, match="no checkpoint yet"):
        run.load()
    assert json.loads((run.path / "run.json").read_text())["name"] == "r"


def test_resume_with_more_minutes_trains_minutes_only(tmp_path):
    from nlp.errors import ConfigError
    from nlp.training.config import TrainConfig, resume_budget

    run = Workspace(tmp_path).create_run("r", {"task": "lm",
                                               "train": TrainConfig(max_steps=5).to_dict()})
    assert resume_budget(run, 90.0, None).max_steps == 5  # no extension: as it was
    train = resume_budget(run, 90.0, 2.0)
    assert (train.max_minutes, train.max_steps, train.max_epochs) == (3.5, None, None)
    assert TrainConfig.from_dict(run.read_config()["train"]) == train  # recorded
    with pytest.raises(ConfigError, match="positive"):
        resume_budget(run, 90.0, -1.0)


def test_leftovers_of_a_crash_are_cleared(tmp_path):
    import os
    import time

    ws = Workspace(tmp_path / "ws")
    ws.create_run("a", {"task": "lm"})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    day_ago = time.time() - 2 * 24 * 3600
    for name, old in ((".deleting-1", False), (".new-old", True), (".new-fresh", False),
                      (".import-old", True), (".import-fresh", False), (".other-old", True)):
        folder = ws.runs_dir / name
        (folder / "checkpoints").mkdir(parents=True)
        (folder / "checkpoints" / "model.safetensors").write_bytes(b"x" * 1000)
        if old:
            os.utime(folder, (day_ago, day_ago))
    (ws.runs_dir / ".deleting-link").symlink_to(outside)
    ws.create_run("b", {"task": "lm"})  # creating (or deleting, importing) a run clears them
    left = sorted(p.name for p in ws.runs_dir.iterdir())
    assert left == [".deleting-link", ".import-fresh", ".new-fresh", ".other-old", "a", "b"]
    assert (outside / "keep.txt").read_text() == "mine"  # a link is never followed
    assert [r.name for r in ws.list_runs()] == ["b", "a"]
