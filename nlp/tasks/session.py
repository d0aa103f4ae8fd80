"""What every task's runs share: a data spec, a new run, a resumed run, a run name.

A task (language model, translator, series) says what differs in a
:class:`TaskKind`: how its data is prepared, what its tokenizers (or scaling)
are, how its model is built and loaded, what its run records. The skeleton
here does the rest, the same way for all of them:

- :func:`new_training`: paths made absolute, the data prepared once (under
  ``torchrun`` by rank 0, the others receive its tokenizers), the initial
  weights seeded, the run folder created with ``run.json`` (task, model,
  training settings, data spec, recipe, data statistics);
- :func:`resume_training`: the run checked (its task, not training elsewhere,
  its data still in place), then continued from its last checkpoint with the
  same step count, schedule and data order; a run stopped before its first
  checkpoint starts over with the settings it recorded;
- :func:`run_name`: ``corpus-lstm-20261204-211500`` from a file name.

A run's ``data`` entry is read back with :meth:`DataSpec.from_dict`, as the
model and training settings are (:class:`~models.config.DictConfig`): an
unknown key is a plain-words error, never a ``TypeError``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch

from models.config import DictConfig
from nlp.errors import StudioError
from nlp.runs.workspace import Run, Workspace
from nlp.training.config import TrainConfig, resume_budget
from nlp.training.trainer import Trainer, broadcast_object, init_distributed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataSpec(DictConfig):
    """Base of a task's data spec: where its data comes from (``PATH_FIELDS``)."""

    LABEL: ClassVar[str] = "data"
    PATH_FIELDS: ClassVar[tuple[str, ...]] = ()

    def paths(self) -> list[str]:
        """The data files this spec reads."""
        return [v for k in self.PATH_FIELDS if (v := getattr(self, k)) is not None]

    def resolved(self) -> DataSpec:
        """The same spec with absolute paths (a run must not depend on the working folder)."""
        return dataclasses.replace(self, **{k: str(Path(v).resolve()) for k in self.PATH_FIELDS
                                            if (v := getattr(self, k)) is not None})


class TaskKind:
    """What one task does its own way; the skeleton calls these."""

    name: str  # run.json's "task": "lm", "mt", "series"
    what: str  # "a language model", in messages
    # said when a run's data moved: "the corpus of run 'x' is no longer at PATH; put it ..."
    missing: str = ("the data of run {run!r} is no longer at {path}; put it back there to "
                    "continue training")
    spec_type: type[DataSpec]

    def prepare(self, spec: DataSpec, tokenizers: Any = None) -> Any:
        """The task's data for ``spec``; ``tokenizers`` (as :meth:`load_last` gives them,
        or as received from rank 0) are used as they are, never retrained."""
        raise NotImplementedError

    def tokenizer_blob(self, data) -> Any:
        """What rank 0 sends the other ranks so that they tokenize alike (picklable)."""
        return None

    def tokenizers_from_blob(self, blob) -> Any:
        return None

    def build(self, model: dict, data) -> torch.nn.Module:
        """A new model from ``model`` (its config fields) and what the data fixes (vocabulary)."""
        raise NotImplementedError

    def task(self, model: torch.nn.Module, data, spec: DataSpec):
        """What the :class:`~nlp.training.trainer.Trainer` drives."""
        raise NotImplementedError

    def load_last(self, run: Run) -> tuple[torch.nn.Module, Any, dict]:
        """``(model, tokenizers, checkpoint info)`` of the run's last checkpoint."""
        raise NotImplementedError

    def settle(self, spec: DataSpec, train: TrainConfig, data, task
               ) -> tuple[DataSpec, TrainConfig]:
        """The spec and training settings as recorded, once the data is known."""
        return spec, train

    def record(self, data) -> dict:
        """What ``run.json`` keeps about the data besides the spec (statistics)."""
        return {}

    def notes(self, data) -> list[str]:
        """Things about the data worth a line in the log (replaced bytes, a short split)."""
        return list(getattr(data, "notes", ()))


def run_name(source: str | None, *parts: str, fallback: str = "corpus") -> str:
    """``stem-part-...-YYYYmmdd-HHMMSS``: a new run's default name from its data file
    (the stem made safe for a folder name and cut to 40 characters)."""
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(source or "").stem)
    return "-".join((stem[:40] or fallback, *parts, time.strftime("%Y%m%d-%H%M%S")))


def new_training(kind: TaskKind, workspace: Workspace, name: str, spec: DataSpec, model: dict,
                 train: TrainConfig, listeners=(), data=None, recipe: dict | None = None
                 ) -> tuple[Trainer, Run]:
    """Prepare the data, build the model and create the run folder.

    ``data``: the task's data prepared once for several runs (compare, search), so
    its tokenizer is not retrained. ``recipe``: the
    :class:`~nlp.training.recipe.Recipe` (as a dict) the settings came from; the
    run keeps it, with its reason in words."""
    rank, world = init_distributed()
    spec = spec.resolved()
    if rank == 0:
        workspace.ensure_writable()
        data = data if data is not None else kind.prepare(spec)
        for note in kind.notes(data):
            log.info("%s", note)
    # under torchrun, rank 0 trains the tokenizers and creates the run; the others follow
    blob = broadcast_object(kind.tokenizer_blob(data) if rank == 0 else None, rank, world)
    if rank != 0:
        data = kind.prepare(spec, kind.tokenizers_from_blob(blob))
    torch.manual_seed(train.seed)  # the same initial weights on every rank, and on a rerun
    module = kind.build(model, data)
    task = kind.task(module, data, spec)
    spec, train = kind.settle(spec, train, data, task)
    if rank != 0:
        run = Run(broadcast_object(None, rank, world))
        return Trainer(task, train, run, listeners), run
    run = workspace.create_run(name, {"task": kind.name, "model": module.cfg.to_dict(),
                                      "train": train.to_dict(), "data": spec.to_dict(),
                                      **({"recipe": recipe} if recipe else {}),
                                      **kind.record(data)})
    broadcast_object(str(run.path), rank, world)
    return Trainer(task, train, run, listeners), run


def resume_training(kind: TaskKind, workspace: Workspace, ref: str,
                    extra_minutes: float | None = None, listeners=()) -> tuple[Trainer, Run]:
    """Continue a run from its last checkpoint; ``extra_minutes`` trains that many
    more minutes (see :func:`~nlp.training.config.resume_budget`)."""
    run = workspace.resolve(ref)
    config = run.read_config()
    if config.get("task") != kind.name:
        raise StudioError(f"run {run.name!r} is not {kind.what} (task {config.get('task')!r})")
    if os.environ.get("RANK", "0") == "0":  # before anything is changed; rank 0 holds it
        workspace.check_idle(run, "continuing")
    spec = kind.spec_type.from_dict(config["data"])
    for path in spec.paths():
        if not Path(path).exists():
            raise StudioError(kind.missing.format(run=run.name, path=path))
    if not run.checkpoint_names():
        return _start_over(kind, run, config, spec, extra_minutes, listeners), run
    model, tokenizers, info = kind.load_last(run)
    # the checkpoint actually loaded: an older one if 'last' was damaged
    checkpoint = run.step_folder(int(info["step"]))
    train = resume_budget(run, float(info.get("elapsed", 0.0)), extra_minutes)
    data = kind.prepare(spec, tokenizers)
    model.train()
    trainer = Trainer(kind.task(model, data, spec), train, run, listeners)
    trainer.resume_from(checkpoint)
    return trainer, run


def _start_over(kind: TaskKind, run: Run, config: dict, spec: DataSpec,
                extra_minutes: float | None, listeners) -> Trainer:
    """A run stopped before its first checkpoint (the process killed while it
    prepared the data, say) has nothing to continue from: train it from the
    start with the settings it recorded, rather than leave a run that cannot go on."""
    log.info("run %s has no checkpoint yet: training it from the start", run.name)
    data = kind.prepare(spec)
    train = resume_budget(run, 0.0, extra_minutes)
    torch.manual_seed(train.seed)
    model = kind.build(config["model"], data)
    run.truncate_history(0)  # rows logged before the stop
    return Trainer(kind.task(model, data, spec), train, run, listeners)
