"""Checkpoints: round trip, tied weights, atomic writes, refusing damaged or hostile files."""

from __future__ import annotations

import hashlib
import json
import os
import pickle

import pytest
import torch
from torch import nn

from nlp.errors import CheckpointError
from nlp.runs.checkpoint import (
    STATE,
    WEIGHTS,
    load_checkpoint,
    load_train_state,
    read_info,
    save_checkpoint,
)


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(7, 4)
        self.out = nn.Linear(4, 7)
        self.out.weight = self.emb.weight


def _save(folder, model=None, state=None):
    model = model or Tied()
    return save_checkpoint(folder, weights=model.state_dict(), model_config={"vocab": 7},
                           task="lm", tokenizers={"main": b"\x00tok\xff"},
                           train_state=state if state is not None else {"step": 3},
                           info={"step": 3, "metrics": {"val_loss": 1.5}})


def test_round_trip_restores_tied_weights_and_tokenizer(tmp_path):
    model = Tied()
    _save(tmp_path / "c", model)
    ckpt = load_checkpoint(tmp_path / "c")
    assert ckpt.tokenizers == {"main": b"\x00tok\xff"}
    assert ckpt.model_config == {"vocab": 7} and ckpt.task == "lm"
    fresh = Tied()
    fresh.load_state_dict(ckpt.weights)
    assert torch.equal(fresh.out.weight, model.emb.weight)
    assert fresh.out.weight.data_ptr() == fresh.emb.weight.data_ptr()
    assert load_train_state(tmp_path / "c") == {"step": 3}
    info = json.loads((tmp_path / "c" / "info.json").read_text())
    assert info["step"] == 3 and info["files"][WEIGHTS]["size"] > 0


def test_truncated_weights_are_refused(tmp_path):
    folder = _save(tmp_path / "c")
    data = (folder / WEIGHTS).read_bytes()
    (folder / WEIGHTS).write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(folder)


def test_bit_flip_is_detected(tmp_path):
    folder = _save(tmp_path / "c")
    data = bytearray((folder / WEIGHTS).read_bytes())
    data[-3] ^= 0x10
    (folder / WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checksum"):
        load_checkpoint(folder)


class Boom:
    def __reduce__(self):
        return (exec, ("open('/tmp/rnn_studio_pwned', 'w').write('x')",))


def test_pickle_that_runs_code_is_refused_without_running(tmp_path):
    folder = _save(tmp_path / "c")
    # replace state.pt by a hostile pickle and make its checksum match, as an attacker would
    (folder / STATE).write_bytes(pickle.dumps({"x": Boom()}))
    info = json.loads((folder / "info.json").read_text())

    blob = (folder / STATE).read_bytes()
    info["files"][STATE] = {"size": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}
    (folder / "info.json").write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match="refused"):
        load_train_state(folder)
    assert not os.path.exists("/tmp/rnn_studio_pwned")


def test_newer_format_is_refused_with_advice(tmp_path):
    folder = _save(tmp_path / "c")
    info = json.loads((folder / "info.json").read_text())
    info["format_version"] = 99
    (folder / "info.json").write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match="newer version"):
        read_info(folder)


def test_failed_save_leaves_nothing_half_written(tmp_path, monkeypatch):
    _save(tmp_path / "old")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("nlp.runs.checkpoint.save_file", full_disk)
    with pytest.raises(CheckpointError, match="No space left"):
        _save(tmp_path / "new")
    assert not (tmp_path / "new").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["old"]
    load_checkpoint(tmp_path / "old")
