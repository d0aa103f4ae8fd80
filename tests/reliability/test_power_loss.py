"""Power loss: a training run SIGKILLed at random moments, and once half-way through
writing a checkpoint, keeps a run that lists, opens and continues to its end.

(``scripts/soak_kill.py`` does the same 20 times; this is its CI-sized version.)
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

from main import main

pytestmark = pytest.mark.reliability


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_kills_mid_write_and_at_random_moments_lose_nothing(studio, lm_corpus, tmp_path,
                                                            capsys):
    ws, run = tmp_path / "ws", tmp_path / "ws" / "runs" / "r"
    logs = [tmp_path / f"{i}.log" for i in range(3)]

    # 1. killed half-way through writing its first checkpoint: a run with none
    proc = studio.start(studio.train_args(lm_corpus, ws, "r", 40), logs[0],
                        pause_at_save=1, marker=tmp_path / "paused-1")
    assert studio.wait_for((tmp_path / "paused-1").exists, 120, proc), logs[0].read_text()
    assert studio.kill(proc)
    found = studio.check(ws, "r")
    assert found["listed"] and found["step"] == 0 and found["checkpoints"] == []
    assert found["hidden"], "the half-written checkpoint is in a hidden folder"

    # 2. it trains again from the start, and is killed with its third checkpoint's
    # weights (step 15) half written
    marker = tmp_path / "paused-2"
    proc = studio.start(studio.resume_args(ws, "r"), logs[1], pause_at_save=3, marker=marker)
    assert studio.wait_for(marker.exists, 120, proc), logs[1].read_text()
    assert studio.kill(proc)
    assert "no checkpoint yet: training it from the start" in logs[1].read_text()
    half = Path(marker.read_text())
    assert half.parent.name.startswith(".tmp-") and half.stat().st_size > 0  # really mid-write
    found = studio.check(ws, "r")
    assert found["step"] == 10 and found["checkpoints"] == ["step-00000005", "step-00000010"]
    lock = run / ".lock"  # the killed process's lock file stays behind, its PID dead
    assert lock.exists() and not _pid_alive(int(lock.read_text()))

    # the torn last line a power cut leaves in the history
    with open(run / "metrics.jsonl", "a", encoding="utf-8") as f:
        f.write('{"step": 11, "train_lo')
    assert studio.check(ws, "r")["torn_lines"] == 1

    # 3. resumed, and killed again at a random moment (start-up, data, training, saving)
    proc = studio.start(studio.resume_args(ws, "r"), logs[2])
    time.sleep(random.Random(20261127).uniform(1.0, 6.0))
    studio.kill(proc)
    studio.check(ws, "r")

    # 4. the stale lock does not block the last resume, which finishes the run
    assert main(studio.resume_args(ws, "r")) == 0
    assert "resumed at step" in capsys.readouterr().err
    found = studio.check(ws, "r")
    assert found["step"] == 40
    assert found["hidden"] == [], "the next saves clear what the kills left"
    assert found["torn_lines"] == 0, "the torn line is repaired on resume"
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in rows if "train_loss" in r]
    assert steps == sorted(set(steps)) and steps[-1] == 40  # one row per step, in order
