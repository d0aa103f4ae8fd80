"""The translator CLI end to end, in subprocesses: train mt -> translate -> evaluate mt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpora" / "numbers-en-fr"
TINY = ["--hidden", "24", "--embed", "16", "--vocab", "300", "--batch-size", "16",
        "--precision", "fp32", "--threads", "1", "--eval-sentences", "20"]


def cli(*args, stdin=None, check=True, timeout=180):
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          input=stdin, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A run trained for a few steps on the first 300 sample pairs."""
    tmp = tmp_path_factory.mktemp("mtcli")
    lines = (SAMPLE / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp / "train.tsv").write_text("\n".join(lines[:300]) + "\n", encoding="utf-8")
    test = (SAMPLE / "test.tsv").read_text(encoding="utf-8").splitlines()[:20]
    (tmp / "test.en").write_text("\n".join(t.split("\t")[0] for t in test) + "\n")
    (tmp / "test.fr").write_text("\n".join(t.split("\t")[1] for t in test) + "\n")
    ws = tmp / "ws"
    out = cli("train", "mt", "--pairs", tmp / "train.tsv", "--steps", "6", "--eval-every", "3",
              "--workspace", ws, "--name", "tiny", *TINY)
    assert "finished at step 6" in out.stderr
    assert "recipe: 6 steps, 300 pairs" in out.stderr  # the settings and why, before training
    return tmp, ws


def test_train_writes_a_translator_run(trained):
    from nlp.runs.workspace import Workspace

    summary = Workspace(trained[1]).resolve("tiny").summary()
    assert summary.error is None and summary.task == "mt" and summary.step == 6
    assert "bleu" in summary.best and summary.config["model"]["cell"] == "gru"


def test_translate_gives_one_line_per_input_line(trained):
    tmp, ws = trained
    lines = ["one hundred and two", "", "x" * 2000, "Привет мир. 你好世界。", "seven. eight!"]
    out = cli("translate", "tiny", "--beam", "3", "--workspace", ws,
              "--attention", tmp / "att.json", stdin="\n".join(lines) + "\n")
    assert out.stdout.count("\n") == len(lines)
    assert out.stdout.split("\n")[1] == ""  # an empty line gives an empty line
    records = json.loads((tmp / "att.json").read_text(encoding="utf-8"))
    assert len(records) == len(lines)
    first = records[0]
    assert len(first["attention"]) == len(first["tgt_tokens"])
    assert len(first["attention"][0]) == len(first["src_tokens"])
    nbest = cli("translate", "tiny", "two", "--n-best", "3", "--workspace", ws)
    # only translations on stdout; stderr says which checkpoint translates, and why
    assert nbest.stderr.strip().startswith("translating with step ")
    assert ", the best by validation chrF (" in nbest.stderr
    rows = [r.split(" ||| ") for r in nbest.stdout.splitlines()]
    assert len(rows) == 3 and all(r[0] == "0" for r in rows)
    scores = [float(r[2]) for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_runs_list_says_where_the_best_checkpoint_is_and_by_what(trained):
    _, ws = trained
    listed = cli("runs", "list", "--workspace", ws).stdout
    assert "by validation chrF:" in listed and "tiny" in listed
    [row] = json.loads(cli("runs", "list", "--json", "--workspace", ws).stdout)
    assert row["selected_by"] == "chrf" and row["best_step"] in (3, 6)


def test_evaluate_prints_bleu_chrf_ter_and_signatures(trained):
    tmp, ws = trained
    out = cli("evaluate", "mt", "tiny", "--src", tmp / "test.en", "--ref", tmp / "test.fr",
              "--beam", "2", "--workspace", ws).stdout
    keys = [line.split("\t")[0] for line in out.splitlines()]
    assert keys == ["BLEU", "chrF", "TER", "BLEU signature", "chrF signature", "TER signature"]
    assert "tok:13a" in out
    auto = cli("evaluate", "mt", "tiny", "--src", tmp / "test.en", "--ref", tmp / "test.fr",
               "--beam", "2", "--device", "auto", "--workspace", ws).stdout
    assert auto.splitlines()[0].startswith("BLEU\t")  # a GPU where there is one, else the CPU
    if not torch.cuda.is_available():
        gpu = cli("evaluate", "mt", "tiny", "--src", tmp / "test.en", "--ref", tmp / "test.fr",
                  "--device", "cuda", "--workspace", ws, check=False)
        assert gpu.returncode != 0 and "no CUDA GPU" in gpu.stderr
        assert "Traceback" not in gpu.stderr


def test_resume_and_clear_errors(trained):
    tmp, ws = trained
    out = cli("train", "mt", "--resume", "tiny", "--minutes", "0.02", "--workspace", ws,
              check=False)
    assert out.returncode == 0, out.stderr
    assert "resumed at step 6" in out.stderr
    bad = cli("train", "mt", "--workspace", ws, check=False)
    assert bad.returncode == 1 and "--pairs" in bad.stderr
    missing = cli("evaluate", "mt", "tiny", "--workspace", ws, check=False)
    assert missing.returncode == 1 and "--src FILE --ref FILE" in missing.stderr
