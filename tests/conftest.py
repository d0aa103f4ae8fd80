"""Shared test set-up: offscreen Qt, private folders, the shared corpora, and the small
things many tests train on.

What is here, for tests/, tests/gui/ and tests/reliability/:

- text the tests write into files: ``sentences`` (made-up lines of words),
  ``number_pairs`` (English and French number words, tab-separated), ``sine_values``;
- corpus files: ``text_corpus`` (about 4 KB of sentences), ``pairs_corpus`` (200 number
  pairs), ``series_csv`` (a sine of 120 values with period 12);
- ``tiny_train(**changes)``: a TrainConfig of a few steps on the CPU; ``TINY_LM``,
  ``TINY_MT``, ``TINY_SERIES``: models of a few thousand weights (the ``tiny`` fixture
  holds all of these for test files, which cannot import a conftest by name);
- tiny trained runs, trained once per test session and only read by the tests:
  ``tiny_lm_run`` (LSTM), ``tiny_gru_run``, ``tiny_mt_run``, ``tiny_series_run``;
  ``copy_run`` gives a test its own copy to change or to put in another workspace.
"""

from __future__ import annotations

import math
import os
import random
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

# Qt aborts without a display unless told to draw offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Tests use tiny models, which gain nothing from threads; with two OpenMP threads
# on a busy 2-core machine every kernel call waits for a time slice (~300 ms).
torch.set_num_threads(1)

SHARED_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


@pytest.fixture(autouse=True)
def _private_folders(tmp_path_factory, monkeypatch):
    """Keep every test out of the user's workspace, cache and log folders."""
    base = tmp_path_factory.mktemp("studio")
    monkeypatch.setenv("RNN_STUDIO_WORKSPACE", str(base / "workspace"))
    monkeypatch.setenv("RNN_STUDIO_CACHE", str(base / "cache"))
    monkeypatch.setenv("RNN_STUDIO_LOGS", str(base / "logs"))


@pytest.fixture(autouse=True)
def _quick_speed_probes(monkeypatch):
    """A recipe times a few training steps of each candidate model (nlp.training.speed); tests
    need the rules, not accurate speeds, so each probe times a few milliseconds."""
    from nlp.training import speed
    monkeypatch.setattr(speed, "PROBE_SECONDS", 0.01)
    monkeypatch.setattr(speed, "MIN_STEPS", 1)
    speed._memory.clear()


@pytest.fixture
def shared_corpora() -> Path:
    """The real public corpora beside the project; skips the test when absent."""
    if not SHARED_CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {SHARED_CORPORA}")
    return SHARED_CORPORA


# -- small data --------------------------------------------------------------------------

WORDS = ("the cat sat on a mat and dog ran far away from home while birds sang over "
         "quiet green hills under grey skies").split()
NUMBERS = [("one", "un"), ("two", "deux"), ("three", "trois"), ("four", "quatre"),
           ("five", "cinq"), ("six", "six")]


def sentences(n_chars: int, seed: int = 0) -> str:
    """Made-up lines of words, ``n_chars`` characters long (give or take a line)."""
    rng = random.Random(seed)
    lines, size = [], 0
    while size < n_chars:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + "."
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) + "\n"


def number_pairs(n: int, seed: int = 1) -> str:
    """TSV lines of English and French number words (one to four of them), ``n`` lines."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        chosen = [rng.choice(NUMBERS) for _ in range(rng.randint(1, 4))]
        rows.append(" ".join(e for e, _ in chosen) + "\t" + " ".join(f for _, f in chosen))
    return "\n".join(rows) + "\n"


def sine_values(n: int = 120, period: int = 12) -> str:
    """A one-column CSV (header ``value``) of a sine with the given period."""
    return "value\n" + "".join(f"{math.sin(2 * math.pi * t / period):.6f}\n" for t in range(n))


@pytest.fixture
def text_corpus(tmp_path) -> Path:
    """About 4 KB of made-up sentences in a UTF-8 file (``sentences(4000)``)."""
    path = tmp_path / "words.txt"
    path.write_text(sentences(4000), encoding="utf-8")
    return path


@pytest.fixture
def pairs_corpus(tmp_path) -> Path:
    """200 tab-separated English-French number-word pairs (``number_pairs(200)``)."""
    path = tmp_path / "numbers.tsv"
    path.write_text(number_pairs(200), encoding="utf-8")
    return path


@pytest.fixture
def series_csv(tmp_path) -> Path:
    """A CSV of one column, ``value``: 120 points of a sine with period 12."""
    path = tmp_path / "sine.csv"
    path.write_text(sine_values(), encoding="utf-8")
    return path


# -- tiny models and training ------------------------------------------------------------

TINY_LM = {"cell": "lstm", "layers": 1, "hidden": 16, "embed": 8, "dropout": 0.0,
           "tied": False}
TINY_MT = {"cell": "gru", "embed": 8, "hidden": 16, "enc_layers": 1, "dec_layers": 1,
           "dropout": 0.0}
TINY_SERIES = {"cell": "lstm", "hidden": (8,)}


def _tiny_train(**changes):
    """Training settings for a model of a few thousand weights on the CPU: 20 steps of
    4 rows of 16 tokens, no warm-up, no evaluation before the end, no sample texts."""
    from nlp.training.config import TrainConfig

    settings = {"max_steps": 20, "batch_size": 4, "seq_len": 16, "warmup_steps": 0,
                "eval_every": 1000, "device": "cpu", "threads": 1, "samples": 0,
                "log_every": 1, "checkpoint_minutes": 60.0, "precision": "fp32"}
    return TrainConfig(**{**settings, **changes})


@pytest.fixture(scope="session")
def tiny_train():
    """``tiny_train(**changes)``: a TrainConfig of a few steps on the CPU (see
    ``_tiny_train``); ``changes`` replace its settings."""
    return _tiny_train


@pytest.fixture
def tiny() -> SimpleNamespace:
    """The helpers above in one place: ``sentences``, ``number_pairs``, ``train`` (=
    ``tiny_train``), and fresh copies of the model settings ``lm``, ``mt``, ``series``."""
    return SimpleNamespace(sentences=sentences, number_pairs=number_pairs, train=_tiny_train,
                           lm=dict(TINY_LM), mt=dict(TINY_MT), series=dict(TINY_SERIES))


# -- tiny trained runs -------------------------------------------------------------------

@pytest.fixture(scope="session")
def _tiny_base(tmp_path_factory) -> Path:
    """A folder for the session's tiny runs: their workspace ``ws``, their corpora, and
    the cache and log folders used while they train."""
    return tmp_path_factory.mktemp("tiny-runs")


def _train_tiny(base: Path, start):
    """``start(workspace, base)`` creates a trainer and run in ``base/ws``; train it to
    its budget with the cache and logs in ``base`` (the per-test private folders do
    not exist yet for a session fixture) and return the run."""
    from nlp.runs.workspace import Workspace

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RNN_STUDIO_CACHE", str(base / "cache"))
        mp.setenv("RNN_STUDIO_LOGS", str(base / "logs"))
        trainer, run = start(Workspace(base / "ws"), base)
        with run.lock():
            final = trainer.run()
    assert final.reason == "budget", final
    return run


def _tiny_lm(base: Path, name: str, cell: str):
    from nlp.tasks.lm.session import LMDataSpec, new_lm_training

    def start(workspace, folder):
        corpus = folder / "words.txt"
        if not corpus.exists():
            corpus.write_text(sentences(4000), encoding="utf-8")
        return new_lm_training(workspace, name, LMDataSpec(corpus=str(corpus)),
                               {**TINY_LM, "cell": cell},
                               _tiny_train(max_steps=6, eval_every=3, samples=1))

    return _train_tiny(base, start)


@pytest.fixture(scope="session")
def tiny_lm_run(_tiny_base):
    """Run ``tiny-lstm``: a character LSTM (``TINY_LM``) trained 6 steps on
    ``sentences(4000)``, evaluated and checkpointed at steps 3 and 6, one sample text
    each time. Shared by the whole session: read it, or ``copy_run`` it to change it."""
    return _tiny_lm(_tiny_base, "tiny-lstm", "lstm")


@pytest.fixture(scope="session")
def tiny_gru_run(_tiny_base):
    """Run ``tiny-gru``: as ``tiny_lm_run`` with a GRU, in the same workspace."""
    return _tiny_lm(_tiny_base, "tiny-gru", "gru")


@pytest.fixture(scope="session")
def tiny_mt_run(_tiny_base):
    """Run ``tiny-mt``: a GRU translator (``TINY_MT``) trained 6 steps on
    ``number_pairs(200)`` (subword vocabularies of about 60), evaluated at steps 3 and 6.
    Shared by the whole session: read it, or ``copy_run`` it to change it."""
    from nlp.tasks.mt.session import MTDataSpec, new_mt_training

    def start(workspace, folder):
        pairs = folder / "numbers.tsv"
        pairs.write_text(number_pairs(200), encoding="utf-8")
        spec = MTDataSpec(pairs=str(pairs), vocab_size=60, eval_sentences=10)
        return new_mt_training(workspace, "tiny-mt", spec, dict(TINY_MT),
                               _tiny_train(max_steps=6, eval_every=3, batch_size=8))

    return _train_tiny(_tiny_base, start)


@pytest.fixture(scope="session")
def tiny_series_run(_tiny_base):
    """Run ``tiny-series``: an LSTM of 8 units (``TINY_SERIES``) trained 12 steps on a
    sine of 120 values (period 12), windows of 6, a horizon of 12. Shared by the whole
    session: read it, or ``copy_run`` it to change it."""
    from nlp.tasks.series.data import SeriesDataSpec
    from nlp.tasks.series.session import new_series_training

    def start(workspace, folder):
        csv = folder / "sine.csv"
        csv.write_text(sine_values(), encoding="utf-8")
        return new_series_training(workspace, "tiny-series",
                                   SeriesDataSpec(csv=str(csv), window=6, horizon=12),
                                   dict(TINY_SERIES), _tiny_train(max_steps=12, batch_size=8))

    return _train_tiny(_tiny_base, start)


def _copy_run(run, workspace, name: str | None = None):
    """A copy of ``run`` in ``workspace`` (a Workspace), named ``name`` (else as
    ``run``), its ``run.json`` saying the new name; returns the new Run."""
    from nlp.runs.workspace import Run

    copy = Run(workspace.runs_dir / (name or run.name))
    workspace.runs_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(run.path, copy.path)
    copy.write_config({**copy.read_config(), "name": copy.name})
    return copy


@pytest.fixture
def copy_run():
    """``copy_run(run, workspace, name=None)``: a copy of a shared tiny run that a test
    may change, in the workspace it needs (a window's ``ctx.workspace``, say)."""
    return _copy_run
