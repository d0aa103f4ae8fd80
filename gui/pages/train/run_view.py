"""What the Train page shows of a saved run (read off the GUI thread) when it is
opened from the Runs page, to look at or continue."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from nlp.errors import StudioError
from nlp.runs.workspace import Workspace


def load_run_view(workspace: Workspace, name: str) -> dict:
    """What the page shows of a saved run (on a pool thread: it reads files)."""
    run = workspace.resolve(name)
    summary = run.summary()
    if summary.error:
        raise StudioError(QCoreApplication.translate(
            "TrainPage", "run '{name}' cannot be read: {error}").format(name=name,
                                                                        error=summary.error))
    samples = run.samples()
    return {"name": run.name, "task": summary.task, "step": summary.step,
            "best": summary.best, "elapsed": float(summary.last.get("elapsed", 0.0)),
            "train": summary.config.get("train", {}), "metrics": run.metrics(),
            "samples": samples[-1]["samples"] if samples else [],
            "has_checkpoint": bool(run.checkpoint_names())}
