"""Hostile and damaged files, through the entry points a person uses (the CLI's
``runs list``, ``generate``, ``train --resume``, ``runs import``, and the window's Runs
list): each is refused or repaired with a message; no code runs, and nothing is
written outside the workspace."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest
import torch

from main import main

pytestmark = pytest.mark.reliability

CKPT = Path("runs") / "r" / "checkpoints"


class _WouldRunCode:
    """Unpickling this creates ``path``: proof that pickled code ran."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _plant_state(folder: Path, payload) -> None:
    """Replace ``state.pt`` and fix its size and checksum in ``info.json``, as a
    careful attacker would, so that only the loader's own caution stops it."""
    torch.save(payload, folder / "state.pt")
    data = (folder / "state.pt").read_bytes()
    info = json.loads((folder / "info.json").read_text())
    info["files"]["state.pt"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (folder / "info.json").write_text(json.dumps(info))


def test_a_state_file_that_would_run_code_never_runs(lm_run, tmp_path, capsys):
    marker = tmp_path / "code-ran"
    _plant_state(lm_run / CKPT / "step-00000010", {"trainer": _WouldRunCode(marker)})
    ws = ["--workspace", str(lm_run)]
    assert main(["runs", "list", *ws]) == 0  # listing reads JSON only
    assert "damaged" not in capsys.readouterr().out
    assert main(["generate", "r", "--max-tokens", "5", "--seed", "1", *ws]) == 0  # weights only
    capsys.readouterr()
    assert main(["train", "lm", "--resume", "r", *ws]) == 1
    err = capsys.readouterr().err
    assert "state.pt holds objects other than tensors and numbers" in err
    assert "refused without being loaded" in err
    archive = tmp_path / "r.rnnrun"
    assert main(["runs", "export", "r", "-o", str(archive), *ws]) == 0
    assert main(["runs", "import", str(archive), "--name", "copy", *ws]) == 1
    err = capsys.readouterr().err
    assert "was refused" in err and "state.pt holds objects other than tensors" in err
    assert not marker.exists()
    assert sorted(p.name for p in (lm_run / "runs").iterdir()) == ["r"]


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def _flip_a_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, listed_as", [
    (_truncate, "truncated or modified"),
    (_flip_a_bit, None),  # same size: the checksum catches it when the run is opened
])
def test_damaged_weights_fall_back_to_the_older_checkpoint(
        studio, lm_run, capsys, caplog, damage, listed_as):
    from gui.pages.runs import list_runs_checked
    from nlp.runs.workspace import Workspace

    damage(lm_run / CKPT / "step-00000010" / "model.safetensors")
    [summary] = list_runs_checked(Workspace(lm_run))  # what the window's Runs list shows
    assert (summary.error is None) if listed_as is None else (listed_as in summary.error)
    ws = ["--workspace", str(lm_run)]
    assert main(["generate", "r", "--max-tokens", "5", "--seed", "1", *ws]) == 0
    assert "loaded the older checkpoint step-00000005 instead" in caplog.text
    assert main(["train", "lm", "--resume", "r", "--minutes", "0.02", *ws]) == 0
    assert "resumed at step 5" in capsys.readouterr().err
    found = studio.check(lm_run, "r")  # the damaged step 10 was written again, whole
    assert found["step"] > 10 and found["hidden"] == []


def test_a_torn_history_line_is_skipped_then_repaired(studio, lm_run, capsys):
    from nlp.runs.workspace import Run

    metrics = lm_run / "runs" / "r" / "metrics.jsonl"
    rows = Run(metrics.parent).metrics()
    with open(metrics, "a", encoding="utf-8") as f:
        f.write('{"step": 11, "train_loss": 1.')
    assert Run(metrics.parent).metrics() == rows  # read around, not a failure
    assert main(["runs", "list", "--workspace", str(lm_run)]) == 0
    assert "damaged" not in capsys.readouterr().out
    assert main(["train", "lm", "--resume", "r", "--minutes", "0.005",
                 "--workspace", str(lm_run)]) == 0
    assert studio.check(lm_run, "r")["torn_lines"] == 0


def test_an_index_pointing_outside_the_run_is_not_followed(studio, lm_run, tmp_path, capsys):
    outside = tmp_path / "elsewhere" / "step-00000001"
    shutil.copytree(lm_run / CKPT / "step-00000005", outside)
    (lm_run / CKPT / "index.json").write_text(json.dumps(
        {"last": f"../../../../elsewhere/{outside.name}", "best": str(outside)}))
    assert studio.check(lm_run, "r")["step"] == 10  # the newest checkpoint of the run itself
    assert main(["generate", "r", "--max-tokens", "5", "--workspace", str(lm_run)]) == 0


def test_links_planted_in_a_run_folder_are_not_written_through(lm_run, tmp_path, capsys):
    """A run folder copied by hand may hold links; training must not write through them."""
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    run = lm_run / "runs" / "r"
    (run / ".lock").unlink()
    (run / ".lock").symlink_to(victim)  # the lock file is truncated when taken
    ws = ["--workspace", str(lm_run)]
    assert main(["train", "lm", "--resume", "r", "--minutes", "0.005", *ws]) == 1
    assert "cannot be locked for training" in capsys.readouterr().err
    (run / ".lock").unlink()
    (run / "samples.jsonl").unlink()
    (run / "samples.jsonl").symlink_to(victim)  # appended to at each evaluation
    assert main(["train", "lm", "--resume", "r", "--minutes", "0.005", *ws]) == 0
    assert victim.read_text() == "keep me"


# -- run files (.rnnrun) that try to escape, link, or explode -----------------------------
def _zip_with(path: Path, members: dict[str, bytes], extra: tuple[zipfile.ZipInfo, bytes]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            if name != extra[0].filename:
                zf.writestr(name, data)
        zf.writestr(*extra)
    return path


def _tar_with(path: Path, members: dict[str, bytes], extra: tarfile.TarInfo):
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tf:
        for name in ("manifest.json", "run.json"):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            tf.addfile(info, io.BytesIO(members[name]))
        tf.addfile(extra)  # a header alone: links, or a size no data backs
    return path


def _escape(sentinel):
    return zipfile.ZipInfo("../../../sentinel/evil.txt"), b"escaped"


def _absolute(sentinel):
    return zipfile.ZipInfo(f"{sentinel}/evil.txt"), b"escaped"


def _zip_symlink(sentinel):
    info = zipfile.ZipInfo("samples.jsonl")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, str(sentinel / "keep.txt").encode()


def _tar_symlink(sentinel):
    info = tarfile.TarInfo("checkpoints")
    info.type, info.linkname = tarfile.SYMTYPE, str(sentinel)
    return info


def _tar_hardlink(sentinel):
    info = tarfile.TarInfo("metrics.jsonl")
    info.type, info.linkname = tarfile.LNKTYPE, str(sentinel / "keep.txt")
    return info


def _tar_huge(sentinel):
    info = tarfile.TarInfo("checkpoints/step-00000010/model.safetensors")
    info.size = 40 << 30  # 40 GB declared, none of it present
    return info


@pytest.mark.parametrize("kind, make, why", [
    ("zip", _escape, "points outside the run folder"),
    ("zip", _absolute, "is an absolute path"),
    ("zip", _zip_symlink, "is a symbolic link"),
    ("tar", _tar_symlink, "is a symbolic link"),
    ("tar", _tar_hardlink, "is a hard link"),
    ("tar", _tar_huge, "once unpacked, more than any run needs"),
])
def test_a_hostile_run_file_is_refused_and_writes_nothing(lm_run, tmp_path, capsys,
                                                          kind, make, why):
    ws = ["--workspace", str(lm_run)]
    exported = tmp_path / "r.rnnrun"
    assert main(["runs", "export", "r", "-o", str(exported), *ws]) == 0
    with zipfile.ZipFile(exported) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    (sentinel / "keep.txt").write_text("untouched")
    hostile = tmp_path / f"hostile.{kind}"
    if kind == "zip":
        _zip_with(hostile, members, make(sentinel))
    else:
        _tar_with(hostile, members, make(sentinel))
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    capsys.readouterr()
    assert main(["runs", "import", str(hostile), *ws]) == 1
    err = capsys.readouterr().err
    assert "was refused" in err and why in err, err
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    assert (sentinel / "keep.txt").read_text() == "untouched"
