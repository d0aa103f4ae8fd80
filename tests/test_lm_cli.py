"""The language-model CLI end to end, in subprocesses: train, kill, resume, DDP, generate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--hidden", "32", "--embed", "16", "--layers", "2", "--batch-size", "8",
        "--seq-len", "32", "--precision", "fp32", "--threads", "1"]


def text(n=400):
    return "".join(f"ROMEO {i}:\nO soft, what light through yonder window breaks?\n\n"
                   for i in range(n))


def cli(*args, env=None, check=True, timeout=180):
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}")
    return proc


@pytest.fixture
def corpus(tmp_path):
    """The play (27 KB), not ``text_corpus``: the prompts below (ROMEO) need its capitals."""
    path = tmp_path / "play.txt"
    path.write_text(text(), encoding="utf-8")
    return path


def steps_in(run: Path) -> list[int]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [r["step"] for r in rows if "train_loss" in r]


def test_sigkill_mid_run_then_resume(corpus, tmp_path):
    ws = tmp_path / "ws"
    cmd = [sys.executable, str(ROOT / "main.py"), "train", "lm", "--corpus", str(corpus),
           "--steps", "400", "--eval-every", "10", "--workspace", str(ws), "--name", "k", *TINY,
           "--no-early-stop"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run = ws / "runs" / "k"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:  # wait for a checkpoint, then kill
        index = run / "checkpoints" / "index.json"
        if index.exists() and json.loads(index.read_text()).get("last", "") >= "step-00000020":
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    listed = json.loads(cli("runs", "list", "--json", "--workspace", ws).stdout)
    assert listed[0]["name"] == "k" and listed[0]["error"] is None
    killed_at = listed[0]["step"]
    assert 20 <= killed_at < 400
    from nlp.runs.checkpoint import load_checkpoint, load_train_state
    from nlp.runs.workspace import Run

    for name in Run(run).checkpoint_names():  # every complete checkpoint loads, checksums hold
        load_checkpoint(run / "checkpoints" / name)
        load_train_state(run / "checkpoints" / name)
    out = cli("train", "lm", "--resume", "k", "--workspace", ws, "--steps", "1", check=False)
    assert out.returncode == 1 and "--steps cannot be used with --resume" in out.stderr
    out = cli("train", "lm", "--resume", "k", "--workspace", ws, check=False)
    assert out.returncode == 0, out.stderr
    assert f"resumed at step {killed_at}" in out.stderr
    final = json.loads(cli("runs", "list", "--json", "--workspace", ws).stdout)[0]
    assert final["step"] == 400
    steps = steps_in(run)
    assert steps == sorted(steps) and len(steps) == len(set(steps)) and steps[-1] == 400
    assert not list((run / "checkpoints").glob(".tmp-*"))  # a save cut by the kill is cleared


def test_ddp_two_processes_gloo(corpus, tmp_path):
    ws = tmp_path / "ws"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(ROOT / "main.py"), "train", "lm", "--corpus", str(corpus), "--steps", "12",
         "--eval-every", "6", "--workspace", str(ws), "--name", "ddp", *TINY],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = ws / "runs" / "ddp"
    assert steps_in(run) == [10]  # one writer: rows are not doubled
    listed = json.loads(cli("runs", "list", "--json", "--workspace", ws).stdout)
    assert [r["name"] for r in listed] == ["ddp"] and listed[0]["step"] == 12
    out = cli("generate", "ddp", "--workspace", ws, "--prompt", "ROMEO", "--max-tokens", "20",
              "--seed", "1")
    assert len(out.stdout) > 0


def test_generate_is_reproducible_and_stdout_is_only_text(corpus, tmp_path):
    ws = tmp_path / "ws"
    cli("train", "lm", "--corpus", corpus, "--steps", "20", "--workspace", ws, "--name", "g",
        *TINY)
    a = cli("generate", "g", "--workspace", ws, "--prompt", "ROMEO", "--max-tokens", "40",
            "--seed", "7")
    b = cli("generate", "g", "--workspace", ws, "--prompt", "ROMEO", "--max-tokens", "40",
            "--seed", "7")
    assert a.stdout == b.stdout and len(a.stdout.rstrip("\n")) == 40  # 40 characters
    assert not a.stderr.strip()  # it did not end early: nothing to explain
    stop = a.stdout[10:12]  # two characters it is known to make after the 10th
    c = cli("generate", "g", "--workspace", ws, "--prompt", "ROMEO", "--max-tokens", "40",
            "--seed", "7", "--stop", stop)
    assert c.stdout.rstrip("\n") == a.stdout[:a.stdout.index(stop)]
    assert "the sample reached a stop text after" in c.stderr and "of 40 tokens" in c.stderr
    scores = cli("evaluate", "g", "--corpus", corpus, "--workspace", ws).stdout
    assert "val_bpc" in scores and "val_word_ppl" in scores


def test_errors_are_messages_not_tracebacks(tmp_path):
    out = cli("train", "lm", "--corpus", tmp_path / "missing.txt", "--steps", "1",
              "--workspace", tmp_path, check=False)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "missing.txt" in out.stderr
    out = cli("generate", "nope", "--workspace", tmp_path, check=False)
    assert out.returncode == 1 and "no run 'nope'" in out.stderr


def test_generate_reports_unknown_prompt_characters(tiny_lm_run):
    """The tiny run's character model never saw emoji or Chinese: stderr says which and
    what became of them; stdout is still only the text."""
    out = cli("generate", tiny_lm_run.path, "--prompt", "the 😀 中 cat 😀", "--max-tokens", "10",
              "--seed", "1")
    assert "3 characters of the prompt (2 different: '😀' (U+1F600), '中' (U+4E2D))" \
        in out.stderr
    assert "unknown token" in out.stderr
    assert "😀" not in out.stdout and "vocabulary" not in out.stdout
    known = cli("generate", tiny_lm_run.path, "--prompt", "the cat", "--max-tokens", "10",
                "--seed", "1")
    assert "vocabulary" not in known.stderr


def test_generate_errors_name_the_flag(tiny_lm_run):
    for flags, words in ((["--max-tokens", "0"], "--max-tokens must be at least 1"),
                         (["--temperature", "11"], "--temperature must be in [0.0, 10.0]"),
                         (["--top-p", "0"], "use --temperature 0"),
                         (["--seed", "-1"], "--seed must be at least 0")):
        out = cli("generate", tiny_lm_run.path, *flags, check=False)
        assert out.returncode != 0 and words in out.stderr, out.stderr
        assert "GenerationConfig" not in out.stderr and "Traceback" not in out.stderr


def test_generate_stop_escape_cuts_a_real_sample_at_a_line_break(tiny_lm_run):
    """A shell's ``\\n`` in --stop matches the model's real line breaks."""
    args = ("generate", tiny_lm_run.path, "--max-tokens", "400", "--seed", "3",
            "--temperature", "1.0")
    full = cli(*args).stdout[:-1]  # the command adds one line break at the end
    at = full.index("\n")  # the tiny model writes lines of words: it has line breaks
    stop = "\\n" + full[at + 1]  # backslash, n, the next letter (never a backslash)
    cut = cli(*args, "--stop", stop).stdout[:-1]
    assert cut == full[:at]
