"""Shared test set-up: offscreen Qt, private folders, the shared corpora."""

from __future__ import annotations

import os
from pathlib import Path

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
