"""Exit statuses a script can rely on: 0 done, 1 error, 2 usage, 130 interrupted."""

from __future__ import annotations

import os
import signal

import pytest

from nlp.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, run_trainer
from nlp.cli.main import build_parser, main
from nlp.runs.workspace import Workspace
from nlp.training.events import FailedEvent, FinishedEvent


class FakeTrainer:
    """Ends as told; ``signum`` is sent to this process mid-run, as Ctrl-C would be."""

    def __init__(self, final, signum=None):
        self.final, self.signum, self.stop_requested = final, signum, False

    def request_stop(self):
        self.stop_requested = True

    def run(self):
        if self.signum is not None:
            os.kill(os.getpid(), self.signum)  # handled by run_trainer's handler
        return self.final


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_training_exits_130_and_says_it_is_saved(tmp_path, capsys, signum):
    run = Workspace(tmp_path).create_run("r", {"task": "lm"})
    trainer = FakeTrainer(FinishedEvent(12, "stopped"), signum)
    assert run_trainer(trainer, run) == EXIT_INTERRUPTED == 130
    assert trainer.stop_requested
    err = capsys.readouterr().err
    assert "saved at step 12" in err and "--resume r" in err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_a_finished_or_failed_training(tmp_path):
    run = Workspace(tmp_path).create_run("r", {"task": "lm"})
    assert run_trainer(FakeTrainer(FinishedEvent(5, "budget")), run) == EXIT_OK
    assert run_trainer(FakeTrainer(FailedEvent(5, "diverged")), run) == EXIT_ERROR


def test_errors_exit_1_and_usage_exits_2(tmp_path, capsys):
    assert main(["generate", "nope", "--workspace", str(tmp_path)]) == EXIT_ERROR == 1
    assert capsys.readouterr().err.startswith("error: no run 'nope'")
    with pytest.raises(SystemExit) as usage:
        main(["runs", "list", "--no-such-flag"])
    assert usage.value.code == EXIT_USAGE == 2


def test_help_lists_the_exit_statuses():
    text = build_parser().format_help()
    assert "exit status:" in text
    for code in ("0", "1", "2", "130"):
        assert any(line.split()[:1] == [code] for line in text.splitlines()), code
