"""Two writers on one workspace: the app (here the CLI in this process) while another
process trains. The run being trained is locked against every other writer, and
listing or opening runs while it writes checkpoints never shows a broken run."""

from __future__ import annotations

import json
import signal
import time

import pytest

from main import main

pytestmark = pytest.mark.reliability


def test_a_run_in_training_is_locked_and_always_lists_whole(studio, lm_corpus, tmp_path,
                                                            capsys):
    from gui.pages.runs import list_runs_checked
    from nlp.runs.workspace import Run, Workspace

    ws, name = tmp_path / "ws", "busy"
    run = ws / "runs" / name
    proc = studio.start(studio.train_args(lm_corpus, ws, name, 100_000), tmp_path / "train.log")
    try:
        assert studio.wait_for(lambda: studio.last_step(run) >= 5, 120, proc), \
            (tmp_path / "train.log").read_text()
        config = (run / "run.json").read_text()
        flags = ["--workspace", str(ws)]

        # a second trainer, a rename and a delete are refused in plain words (exit 1)
        assert main(["train", "lm", "--resume", name, "--minutes", "5", *flags]) == 1
        assert f"run {name!r} is being trained" in capsys.readouterr().err
        assert (run / "run.json").read_text() == config  # refused before changing anything
        assert main(["runs", "rename", name, "other", *flags]) == 1
        assert "stop its training before renaming it" in capsys.readouterr().err
        assert main(["runs", "delete", name, "--yes", *flags]) == 1
        assert "stop its training before deleting it" in capsys.readouterr().err

        # listing and opening while it writes checkpoints, for about 5 seconds
        workspace, steps = Workspace(ws), set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            [summary] = workspace.list_runs()
            assert summary.error is None, summary.error
            [checked] = list_runs_checked(workspace)  # the window's Runs list
            assert checked.error is None, checked.error
            ckpt = Run(run).load("last")
            assert ckpt.info["step"] >= summary.step  # never older than what was listed
            assert all(isinstance(r["step"], int) for r in Run(run).metrics())
            steps.add(summary.step)
        assert proc.poll() is None, "the trainer ran all along"
        assert len(steps) >= 3, f"the trainer saved while listing went on: {sorted(steps)}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # what Ctrl-C does: stop with a checkpoint
        assert proc.wait(timeout=60) == 130  # stopped, checkpoint saved: not "done"

    stopped_at = studio.check(ws, name)["step"]
    assert stopped_at >= max(steps)
    assert json.loads((run / "checkpoints" / "index.json").read_text())["last"] \
        == f"step-{stopped_at:08d}"
    assert main(["runs", "rename", name, "done", *flags]) == 0  # the lock went with it
