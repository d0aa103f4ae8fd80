"""Full disk and unusable workspaces: a checkpoint the disk refuses leaves the previous
one whole and says so in plain words; a workspace that cannot be written is said at
start, by the CLI and by the window."""

from __future__ import annotations

import errno
import os
import resource
import signal

import pytest

from main import main

pytestmark = pytest.mark.reliability


def _tmp_leftovers(run) -> list[str]:
    return sorted(p.name for p in (run / "checkpoints").glob(".tmp-*"))


def _file_size_limit(limit: int):
    """For the child: files may not grow past ``limit`` bytes, and a write that tries
    gets EFBIG (with SIGXFSZ ignored) instead of killing the process."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_file_size_limit_mid_training_keeps_the_last_checkpoint(studio, lm_run):
    run = lm_run / "runs" / "r"
    before = studio.check(lm_run, "r")
    assert before["step"] == 10
    weights = (run / "checkpoints" / "step-00000010" / "model.safetensors").stat().st_size
    limit = weights - 1  # the history, samples and log fit; a checkpoint's weights do not
    out = studio.run(*studio.resume_args(lm_run, "r", "--minutes", "0.02"),
                     preexec_fn=_file_size_limit(limit))
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert "could not save the checkpoint" in out.stderr and "larger than this disk" in out.stderr
    assert "The previous checkpoint is untouched" in out.stderr
    after = studio.check(lm_run, "r")  # lists, loads, every checkpoint in sight whole
    assert after["checkpoints"] == before["checkpoints"] and after["step"] == 10
    assert _tmp_leftovers(run) == []
    assert main(studio.resume_args(lm_run, "r", "--minutes", "0.01")) == 0  # room again
    assert studio.check(lm_run, "r")["step"] > 10


def _half_then(error):
    """A writer that writes half a file, then fails as a full disk does."""
    def write(obj, path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"\0" * 4096)
        raise error
    return write


@pytest.mark.parametrize("writer, error, said", [
    ("nlp.runs.checkpoint.save_file", OSError(errno.ENOSPC, "No space left on device"),
     "the disk is full"),
    # PyTorch hides the errno of a failed write in a RuntimeError
    ("torch.save", RuntimeError(
        "[enforce fail at inline_container.cc:626] . unexpected pos 64 vs 0\n"
        "PytorchStreamWriter failed writing file data/0: file write failed"),
     "the disk refused the write; it is probably full"),
])
def test_a_full_disk_during_a_save_is_said_and_loses_nothing(
        studio, lm_run, monkeypatch, capsys, writer, error, said):
    run = lm_run / "runs" / "r"
    monkeypatch.setattr(writer, _half_then(error))
    assert main(studio.resume_args(lm_run, "r", "--minutes", "0.005")) == 1
    err = capsys.readouterr().err
    assert said in err and "The previous checkpoint is untouched" in err
    assert "training reached step" in err  # the last word is the failure, not "finished"
    found = studio.check(lm_run, "r")
    assert found["step"] == 10 and _tmp_leftovers(run) == []


def test_a_workspace_under_a_file_is_refused_at_start(studio, lm_corpus, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    ws = blocker / "workspace"
    assert main(studio.train_args(lm_corpus, ws, "x", 5)) == 1
    err = capsys.readouterr().err
    assert f"the workspace {ws} cannot be written" in err and "--workspace" in err
    assert main(["runs", "import", str(lm_corpus), "--workspace", str(ws)]) == 1
    assert "cannot be written" in capsys.readouterr().err
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway; "
                    "the path-under-a-file test covers this case")
def test_a_read_only_workspace_is_refused_at_start(studio, lm_corpus, tmp_path, capsys):
    ws = tmp_path / "ws"
    (ws / "runs").mkdir(parents=True)
    (ws / "runs").chmod(0o555)
    try:
        assert main(studio.train_args(lm_corpus, ws, "x", 5)) == 1
        assert "cannot be written" in capsys.readouterr().err
    finally:
        (ws / "runs").chmod(0o755)


def test_a_missing_workspace_lists_nothing_and_says_where_it_looked(tmp_path, capsys):
    ws = tmp_path / "gone"
    assert main(["runs", "list", "--workspace", str(ws)]) == 0
    assert capsys.readouterr().out.strip() == f"no runs in {ws}"
    assert main(["generate", "r", "--workspace", str(ws)]) == 1
    assert f"no run 'r' in {ws / 'runs'}" in capsys.readouterr().err
    assert not ws.exists()  # reading creates nothing


def test_the_window_says_at_start_that_its_workspace_cannot_be_written(
        tmp_path, qtbot, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.app import build_window, check_workspace

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("RNN_STUDIO_WORKSPACE", str(blocker / "workspace"))
    window = build_window(tmp_path / "log.txt",
                          QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert check_workspace(window) is False
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    assert len(boxes) == 1 and "cannot be written" in boxes[0].text()
    boxes[0].close()
    assert window.isVisible()  # the window stays, to choose another workspace
    window.ctx.workspace = type(window.ctx.workspace)(tmp_path / "fine")
    assert check_workspace(window) is True
