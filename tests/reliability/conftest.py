"""Reliability suite: helpers shared by its test files.

Every test here is marked ``reliability`` (``pytest -m reliability`` runs them
alone). They work on small corpora and tiny models in temporary folders (the
shared ones of tests/conftest.py, and the play and CLI helpers below); nothing
needs the shared corpora.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

# --- huge and odd inputs, numerical faults, the window under stress -------------------
# Their corpora, tiny models and training settings are the shared ones in tests/conftest.py
# (``text_corpus``, ``pairs_corpus``, the ``tiny`` fixture).


@pytest.fixture
def runs_workspace(tmp_path):
    """An empty workspace in the test's folder."""
    from nlp.runs.workspace import Workspace

    return Workspace(tmp_path / "workspace")


# --- power loss, full disk, hostile files, concurrency ----------------------------------
# These attack the app from outside: `python main.py ...` in child processes, real
# signals, real files. ``scripts/soak_kill.py`` imports the helpers below too.

import json  # noqa: E402 - this part of the file is E1's, appended below E2's
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "main.py"
# a model of about 5,000 weights that saves a checkpoint every 5 steps
TINY_CLI = ["--level", "char", "--cell", "lstm", "--layers", "1", "--hidden", "24",
            "--embed", "8", "--dropout", "0", "--batch-size", "4", "--seq-len", "16",
            "--warmup", "0", "--eval-every", "5", "--precision", "fp32", "--threads", "1",
            "--device", "cpu", "--no-early-stop"]

# Run by ``python -c`` in place of main.py: the real CLI, except that the weights file of
# the Nth checkpoint (env PAUSE_AT_SAVE) is written half, then the process writes the
# path into PAUSE_MARKER and sleeps, so that a test can kill it in the middle of a write.
PAUSING_MAIN = r"""
import os, sys, time
sys.path.insert(0, os.environ["STUDIO_ROOT"])
import nlp.runs.checkpoint
from safetensors.torch import save

saves = 0

def half_then_pause(tensors, filename, metadata=None):
    global saves
    saves += 1
    data = save(tensors, metadata=metadata)
    with open(filename, "wb") as f:
        f.write(data[:len(data) // 2])
        f.flush()
        if saves == int(os.environ["PAUSE_AT_SAVE"]):
            with open(os.environ["PAUSE_MARKER"], "w") as marker:
                marker.write(filename)
            time.sleep(600)
        f.write(data[len(data) // 2:])

nlp.runs.checkpoint.save_file = half_then_pause
from main import main
sys.exit(main(sys.argv[1:]))
"""


def play_text(lines: int = 120) -> str:
    """A small play: enough characters for a tokenizer and a validation split."""
    return "".join(f"ROMEO {i}:\nO soft, what light through yonder window breaks?\n\n"
                   for i in range(lines))


def child_env(**extra) -> dict:
    """The test's environment (its private workspace, cache and log folders) for a child."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "STUDIO_ROOT": str(ROOT),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def train_args(corpus: Path, ws: Path, name: str, steps: int) -> list[str]:
    return ["train", "lm", "--corpus", str(corpus), "--workspace", str(ws), "--name", name,
            "--steps", str(steps), *TINY_CLI]


def resume_args(ws: Path, name: str, *extra: str) -> list[str]:
    return ["train", "lm", "--resume", name, "--workspace", str(ws), *extra]


def start_cli(args: list[str], log: Path, *, pause_at_save: int | None = None,
              marker: Path | None = None, preexec_fn=None) -> subprocess.Popen:
    """``python main.py ARGS`` as a child process, its output going to ``log``; with
    ``pause_at_save`` it stops half-way through that checkpoint (see PAUSING_MAIN)."""
    env = child_env()
    if pause_at_save is None:
        cmd = [sys.executable, str(MAIN), *args]
    else:
        cmd = [sys.executable, "-c", PAUSING_MAIN, *args]
        env.update(PAUSE_AT_SAVE=str(pause_at_save), PAUSE_MARKER=str(marker))
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                preexec_fn=preexec_fn)


def run_cli(*args, timeout: float = 180, preexec_fn=None) -> subprocess.CompletedProcess:
    """``python main.py ARGS`` to its end, output captured."""
    return subprocess.run([sys.executable, str(MAIN), *map(str, args)], capture_output=True,
                          text=True, env=child_env(), cwd=ROOT, timeout=timeout,
                          preexec_fn=preexec_fn)


def wait_for(condition, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    """Poll ``condition`` every 10 ms; gives up at ``timeout`` or when ``proc`` ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            return bool(condition())
        time.sleep(0.01)
    return False


def sigkill(proc: subprocess.Popen) -> bool:
    """Kill as a power cut would: no handler runs. False if it had ended already."""
    alive = proc.poll() is None
    if alive:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return alive


def last_step_in_index(run_dir: Path) -> int:
    """The step the run's index calls last, read as another process would (0: none)."""
    try:
        index = json.loads((run_dir / "checkpoints" / "index.json").read_text())
        return int(index["last"].split("-")[1])
    except (OSError, ValueError, KeyError, IndexError):
        return 0


def check_run_whole(ws_root: Path, name: str) -> dict:
    """What a person does after a crash works: the run lists without error, every
    checkpoint folder in sight loads (weights and training state, checksums hold),
    ``last`` opens at the step the list shows, and the history reads. Raises
    AssertionError naming what broke; returns what it found."""
    from nlp.runs.checkpoint import load_checkpoint, load_train_state
    from nlp.runs.workspace import CHECKPOINT_RE, Run, Workspace
    from nlp.tasks.lm.task import load_lm

    ws = Workspace(ws_root)
    listed = {s.name: s for s in ws.list_runs()}
    folders = sorted(p.name for p in ws.runs_dir.iterdir()) if ws.runs_dir.is_dir() else []
    assert sorted(n for n in folders if not n.startswith(".")) == sorted(listed), folders
    if name not in listed:
        return {"listed": False, "step": None, "checkpoints": [], "hidden": folders}
    summary = listed[name]
    assert summary.error is None, f"run {name} lists as damaged: {summary.error}"
    run = Run(summary.path)
    entries = sorted(p.name for p in run.checkpoints_dir.iterdir()) \
        if run.checkpoints_dir.is_dir() else []
    visible = [e for e in entries if not e.startswith(".")]
    checkpoints = [e for e in visible if CHECKPOINT_RE.fullmatch(e)]
    assert set(visible) - set(checkpoints) <= {"index.json"}, visible
    for folder in checkpoints:  # no half-written checkpoint is in sight
        load_checkpoint(run.checkpoints_dir / folder)
        load_train_state(run.checkpoints_dir / folder)
    if checkpoints:
        _, _, info = load_lm(run, "last")
        assert info["step"] == summary.step, (info["step"], summary.step)
    else:
        assert summary.step == 0
    lines = (run.path / "metrics.jsonl").read_text(encoding="utf-8").splitlines() \
        if (run.path / "metrics.jsonl").exists() else []
    torn = [line for line in lines if not _parses(line)]
    return {"listed": True, "step": summary.step, "checkpoints": checkpoints,
            "hidden": [e for e in entries if e.startswith(".")],
            "torn_lines": len(torn), "history_rows": len(run.metrics())}


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


@pytest.fixture
def lm_corpus(tmp_path) -> Path:
    path = tmp_path / "play.txt"
    path.write_text(play_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained_lm(tmp_path_factory) -> Path:
    """A workspace holding run "r": 10 steps of a tiny character LSTM, checkpoints at
    steps 5 and 10, trained once per test file in this process. Copy it (``lm_run``)
    before changing it."""
    from main import main

    base = tmp_path_factory.mktemp("trained")
    corpus = base / "play.txt"
    corpus.write_text(play_text(), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:  # before the per-test folders exist
        for key, sub in (("RNN_STUDIO_CACHE", "cache"), ("RNN_STUDIO_LOGS", "logs")):
            mp.setenv(key, str(base / sub))
        assert main(train_args(corpus, base / "ws", "r", 10)) == 0
    return base / "ws"


@pytest.fixture
def lm_run(trained_lm, tmp_path) -> Path:
    """A fresh copy of ``trained_lm``'s workspace (and of its token cache, so that
    nothing is encoded again); returns the workspace folder."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(trained_lm, ws)
    shutil.copytree(trained_lm.parent / "cache", os.environ["RNN_STUDIO_CACHE"],
                    dirs_exist_ok=True)
    return ws


@pytest.fixture
def studio() -> SimpleNamespace:
    """The helpers above that drive the app from outside, for test files."""
    return SimpleNamespace(train_args=train_args, resume_args=resume_args, start=start_cli,
                           run=run_cli, wait_for=wait_for, kill=sigkill,
                           check=check_run_whole, last_step=last_step_in_index,
                           tiny_cli=list(TINY_CLI))
