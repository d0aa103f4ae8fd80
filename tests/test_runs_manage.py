"""Renaming and deleting runs: never while one trains, never a half-deleted run."""

from __future__ import annotations

import json

import pytest
import torch

from nlp.cli.main import main
from nlp.errors import StudioError
from nlp.runs.workspace import Workspace


def _run(ws, name):
    run = ws.create_run(name, {"task": "lm", "model": {"cell": "lstm"}})
    run.save_checkpoint(1, tags=("last", "best"), keep=1,
                        weights={"w": torch.ones(2)}, model_config={}, task="lm",
                        tokenizers={}, train_state=None, info={"step": 1, "metrics": {}})
    return run


def test_rename_moves_the_folder_and_the_name(tmp_path):
    ws = Workspace(tmp_path)
    _run(ws, "old")
    run = ws.rename_run("old", "new name")
    assert [s.name for s in ws.list_runs()] == ["new name"]
    assert json.loads((run.path / "run.json").read_text())["name"] == "new name"
    assert run.load().info["step"] == 1


def test_rename_refuses_clash_bad_name_and_missing_run(tmp_path):
    ws = Workspace(tmp_path)
    _run(ws, "a")
    _run(ws, "b")
    with pytest.raises(StudioError, match="already exists"):
        ws.rename_run("a", "b")
    with pytest.raises(StudioError, match="cannot name a run"):
        ws.rename_run("a", "../b")
    with pytest.raises(StudioError, match="no run 'zz'"):
        ws.rename_run("zz", "c")
    with pytest.raises(StudioError, match="not the name of a run"):
        ws.delete_run("../a")


def test_delete_removes_everything(tmp_path):
    ws = Workspace(tmp_path)
    _run(ws, "gone")
    _run(ws, "kept")
    ws.delete_run("gone")
    assert [s.name for s in ws.list_runs()] == ["kept"]
    assert sorted(p.name for p in ws.runs_dir.iterdir()) == ["kept"]  # no hidden leftovers


def test_a_run_being_trained_is_neither_renamed_nor_deleted(tmp_path):
    ws = Workspace(tmp_path)
    run = _run(ws, "busy")
    with run.lock():  # what the trainer holds
        with pytest.raises(StudioError, match="being trained; stop its training before deleting"):
            ws.delete_run("busy")
        with pytest.raises(StudioError, match="before renaming"):
            ws.rename_run("busy", "other")
    assert [s.name for s in ws.list_runs()] == ["busy"]
    ws.delete_run("busy")  # once training ended
    assert ws.list_runs() == []


def test_a_damaged_run_can_be_renamed_and_deleted(tmp_path):
    ws = Workspace(tmp_path)
    bad = ws.runs_dir / "bad"
    bad.mkdir(parents=True)
    (bad / "run.json").write_text("{torn")
    ws.rename_run("bad", "bad2")
    assert (ws.runs_dir / "bad2" / "run.json").read_text() == "{torn"
    ws.delete_run("bad2")
    assert ws.list_runs() == []


def test_cli_rename_delete_export_import(tmp_path, capsys):
    ws = Workspace(tmp_path / "ws")
    _run(ws, "r")
    flag = ["--workspace", str(ws.root)]
    assert main(["runs", "rename", "r", "s", *flag]) == 0
    out = tmp_path / "s.rnnrun"
    assert main(["runs", "export", "s", "-o", str(out), *flag]) == 0
    assert main(["runs", "import", str(out), *flag]) == 0
    assert "as run 's-2'" in capsys.readouterr().out
    assert main(["runs", "delete", "s", *flag]) == 1  # stdin is not a terminal: needs --yes
    assert "--yes" in capsys.readouterr().err
    assert main(["runs", "delete", "s", "--yes", *flag]) == 0
    assert [s.name for s in ws.list_runs()] == ["s-2"]


def test_each_runs_command_says_its_message_once(tmp_path, capsys, caplog):
    # the console shows log records at INFO and up on stderr: a command whose back end
    # also logged its result said it twice (stdout and stderr)
    ws = Workspace(tmp_path / "ws")
    _run(ws, "r")
    flag = ["--workspace", str(ws.root)]
    archive = tmp_path / "r.rnnrun"
    caplog.set_level("INFO")
    commands = {"renamed": ["runs", "rename", "r", "s", *flag],
                "r.rnnrun": ["runs", "export", "s", "-o", str(archive), *flag],
                "imported": ["runs", "import", str(archive), *flag],
                "deleted": ["runs", "delete", "s", "--yes", *flag]}
    for word, argv in commands.items():
        caplog.clear()
        assert main(argv) == 0
        captured = capsys.readouterr()
        said = captured.out + captured.err + "".join(
            r.getMessage() + "\n" for r in caplog.records if r.levelname != "DEBUG")
        assert said.count(word) == 1, (argv, said)
