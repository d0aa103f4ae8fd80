"""Run files: export then import gives the same run; a hostile file is refused,
saying why, and leaves nothing in the workspace."""

from __future__ import annotations

import io
import json
import pickle
import stat
import tarfile
import zipfile

import pytest
import torch

from nlp.errors import CheckpointError, StudioError
from nlp.runs import archive as run_archive
from nlp.runs.archive import export_run, import_run
from nlp.runs.workspace import Workspace


def _payload(step):
    return dict(weights={"w": torch.full((2, 2), float(step))}, model_config={"n": 2},
                task="lm", tokenizers={"main": b"tok"}, train_state={"step": step},
                info={"step": step, "metrics": {"val_loss": 10.0 / step}})


@pytest.fixture
def ws(tmp_path):
    return Workspace(tmp_path / "ws")


@pytest.fixture
def run(ws):
    run = ws.create_run("demo", {"task": "lm", "model": {"cell": "gru"}})
    run.save_checkpoint(1, tags=("last", "best"), keep=0, **_payload(1))
    for step in (2, 3):
        run.save_checkpoint(step, tags=("last",), keep=5, **_payload(step))
        run.append_jsonl("metrics.jsonl", {"step": step, "val_loss": 10.0 / step})
    run.append_jsonl("samples.jsonl", {"step": 3, "samples": ["hello"]})
    return run


@pytest.fixture
def exported(run, tmp_path):
    return export_run(run, tmp_path / "demo.rnnrun")


def _entries(ws):
    """Everything in runs/, hidden folders included: an import refused leaves none."""
    return sorted(p.name for p in ws.runs_dir.iterdir())


def _zip(path, members: dict[str, bytes], modes: dict[str, int] | None = None):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            zf.writestr(info, data)
    return path


def _members_of(exported) -> dict[str, bytes]:
    with zipfile.ZipFile(exported) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_round_trip_keeps_history_and_best_and_last(run, exported, tmp_path):
    names = set(_members_of(exported))
    assert "checkpoints/step-00000002/model.safetensors" not in names  # neither best nor last
    other = Workspace(tmp_path / "other")
    imported = import_run(other, exported)
    assert imported.name == "demo"
    assert imported.read_config()["model"] == {"cell": "gru"}
    assert imported.metrics() == run.metrics() and imported.samples() == run.samples()
    assert imported.load("best").weights["w"][0, 0] == 1.0
    assert imported.load().weights["w"][0, 0] == 3.0
    assert imported.load_train_state(imported.resolve_checkpoint())["step"] == 3
    assert not (imported.path / "manifest.json").exists()
    summary = other.list_runs()[0]
    assert summary.error is None and summary.step == 3 and summary.best == {"val_loss": 10.0}


def test_name_clash_gets_a_new_name(ws, exported):
    assert import_run(ws, exported).name == "demo-2"
    assert import_run(ws, exported).name == "demo-3"
    assert import_run(ws, exported, "chosen").name == "chosen"
    assert _entries(ws) == ["chosen", "demo", "demo-2", "demo-3"]
    assert json.loads((ws.runs_dir / "demo-2" / "run.json").read_text())["name"] == "demo-2"


def test_export_to_a_folder_and_refuse_damaged_run(run, tmp_path):
    assert export_run(run, tmp_path).name == "demo.rnnrun"
    (run.checkpoints_dir / "step-00000003" / "model.safetensors").write_bytes(b"short")
    with pytest.raises(CheckpointError, match="cannot be exported.*damaged"):
        export_run(run, tmp_path / "again.rnnrun")
    assert not (tmp_path / "again.rnnrun").exists()
    assert [p.name for p in tmp_path.glob(".*.part")] == []


@pytest.mark.parametrize("name, why", [
    ("../evil.txt", "outside the run folder"),
    ("checkpoints/../../evil", "outside the run folder"),
    ("/etc/passwd", "absolute path"),
    ("C:/Windows/evil.dll", "absolute path"),
    ("checkpoints\\..\\evil", "name no run file has"),
    ("notes.txt", "unexpected file"),
    ("checkpoints/step-00000001/evil.pkl", "unexpected file"),
])
def test_paths_that_escape_or_do_not_belong_are_refused(ws, exported, tmp_path, name, why):
    members = _members_of(exported)
    members[name] = b"x"
    hostile = _zip(tmp_path / "hostile.rnnrun", members)
    ws.ensure_writable()
    with pytest.raises(CheckpointError, match=why):
        import_run(ws, hostile)
    assert _entries(ws) == ["demo"]
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("mode, why", [
    (stat.S_IFLNK | 0o777, "symbolic link"),
    (stat.S_IFCHR | 0o600, "device file"),
    (stat.S_IFIFO | 0o600, "not a regular file"),
])
def test_links_and_special_files_in_a_zip_are_refused(ws, exported, tmp_path, mode, why):
    members = _members_of(exported)
    members["metrics.jsonl"] = b"/etc/passwd"
    hostile = _zip(tmp_path / "link.rnnrun", members, {"metrics.jsonl": mode})
    with pytest.raises(CheckpointError, match=why):
        import_run(ws, hostile)
    assert _entries(ws) == ["demo"]


@pytest.mark.parametrize("kind, why", [
    (tarfile.SYMTYPE, "symbolic link"),
    (tarfile.LNKTYPE, "hard link"),
    (tarfile.CHRTYPE, "device file"),
    (tarfile.BLKTYPE, "device file"),
])
def test_links_and_devices_in_a_tar_are_refused(ws, exported, tmp_path, kind, why):
    path = tmp_path / "hostile.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, data in _members_of(exported).items():
            info = tarfile.TarInfo(f"./{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("samples.jsonl")
        link.type, link.linkname = kind, "/etc/shadow"
        tf.addfile(link)
    with pytest.raises(CheckpointError, match=why):
        import_run(ws, path)
    assert _entries(ws) == ["demo"]


def test_a_plain_tar_of_a_run_imports(ws, exported, tmp_path):
    path = tmp_path / "plain.tar"
    with tarfile.open(path, "w") as tf:
        for name, data in _members_of(exported).items():
            info = tarfile.TarInfo(f"./{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    assert import_run(ws, path).load().info["step"] == 3


def test_huge_total_size_is_refused_before_unpacking(ws, exported):
    with pytest.raises(CheckpointError, match="more than 1.0 KB once unpacked"):
        import_run(ws, exported, max_total=1000)
    assert _entries(ws) == ["demo"]


def test_a_zip_bomb_is_refused_by_its_declared_size(ws, exported, tmp_path, monkeypatch):
    members = _members_of(exported)
    members["metrics.jsonl"] = b"\n" * 2_000_000  # compresses to a few KB
    bomb = _zip(tmp_path / "bomb.rnnrun", members)
    monkeypatch.setattr(run_archive, "MAX_TOTAL_BYTES", 1_000_000)
    with pytest.raises(CheckpointError, match="once unpacked"):
        import_run(ws, bomb)


def test_too_many_members_are_refused(ws, exported, tmp_path):
    members = _members_of(exported)
    members.update({f"checkpoints/step-{i:08d}/info.json": b"{}" for i in range(100, 400)})
    with pytest.raises(CheckpointError, match="more than 200 files"):
        import_run(ws, _zip(tmp_path / "many.rnnrun", members))


def test_duplicate_member_is_refused(ws, exported, tmp_path):
    path = tmp_path / "dup.rnnrun"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in _members_of(exported).items():
            zf.writestr(name, data)
        with pytest.warns(UserWarning, match="Duplicate"):
            zf.writestr("run.json", b'{"task": "lm"}')
    with pytest.raises(CheckpointError, match="appears twice"):
        import_run(ws, path)


def test_a_pickle_that_runs_code_is_refused(ws, exported, tmp_path):
    class Boom:
        def __reduce__(self):
            return (print, ("pwned",))

    members = _members_of(exported)
    evil = pickle.dumps(Boom(), protocol=2)
    folder = "checkpoints/step-00000003"
    info = json.loads(members[f"{folder}/info.json"])
    import hashlib

    info["files"]["state.pt"] = {"size": len(evil), "sha256": hashlib.sha256(evil).hexdigest()}
    members[f"{folder}/state.pt"] = evil
    members[f"{folder}/info.json"] = json.dumps(info).encode()
    with pytest.raises(CheckpointError, match="refused.*state.pt"):
        import_run(ws, _zip(tmp_path / "pickle.rnnrun", members))
    assert _entries(ws) == ["demo"]


def test_tampered_weights_are_refused(ws, exported, tmp_path):
    members = _members_of(exported)
    name = "checkpoints/step-00000003/model.safetensors"
    members[name] = members[name][:-4] + b"\0\0\0\0"
    with pytest.raises(CheckpointError,
                       match="refused: checkpoints/step-00000003/model.safetensors is damaged"):
        import_run(ws, _zip(tmp_path / "tampered.rnnrun", members))
    assert _entries(ws) == ["demo"]


@pytest.mark.parametrize("content, why", [
    (b"this is not an archive", "not an RNN Studio run file"),
    (b"PK\x03\x04 truncated zip", "damaged and cannot be read"),
])
def test_not_an_archive(ws, tmp_path, content, why):
    path = tmp_path / "x.rnnrun"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=why):
        import_run(ws, path)


def test_missing_manifest_newer_format_and_missing_file(ws, exported, tmp_path):
    members = _members_of(exported)
    del members["manifest.json"]
    with pytest.raises(CheckpointError, match="no manifest.json"):
        import_run(ws, _zip(tmp_path / "a.rnnrun", members))
    members["manifest.json"] = json.dumps({"format": "rnn-studio-run",
                                           "format_version": 99}).encode()
    with pytest.raises(CheckpointError, match="newer version"):
        import_run(ws, _zip(tmp_path / "b.rnnrun", members))
    with pytest.raises(StudioError, match="does not exist"):
        import_run(ws, tmp_path / "nowhere.rnnrun")
    assert _entries(ws) == ["demo"]
