"""Series runs: training settings, new and resumed runs, loading a run and its forecast.

A series run is an ordinary run (:mod:`nlp.tasks.session` makes and continues it);
what differs is said by :class:`SeriesKind`: no tokenizer, the scaling fitted on
the training part travels in each checkpoint instead (``scaling``), the column
read is recorded, and validation is scored once per epoch.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from models.regressor import RegressorConfig, SeriesRegressor
from nlp.errors import CheckpointError, ConfigError, CorpusError
from nlp.runs.workspace import Run, Workspace, load_model
from nlp.tasks.series.data import Scaler, SeriesDataSpec
from nlp.tasks.series.task import (
    SCALING,
    SeriesData,
    SeriesReport,
    SeriesTask,
    forecast_report,
    prepare_series,
)
from nlp.tasks.session import TaskKind, new_training, resume_training, run_name
from nlp.training.config import TrainConfig
from nlp.training.trainer import Trainer

# -- starting and continuing a run ------------------------------------------------------

def series_train_config(*, epochs: float | None = None, minutes: float | None = None,
                        steps: int | None = None, batch_size: int = 32, lr: float = 1e-2,
                        seed: int = 1234, device: str = "auto",
                        threads: int | None = None) -> TrainConfig:
    """Training settings for a series: Adam (no weight decay), a short warm-up, fp32
    (tiny models gain nothing from bf16 and a regressor loses precision), no
    sample texts; the session sets one evaluation per epoch."""
    return TrainConfig(lr=lr, weight_decay=0.0, warmup_steps=10, batch_size=batch_size,
                       max_epochs=epochs, max_minutes=minutes, max_steps=steps,
                       checkpoint_minutes=1.0, keep_checkpoints=0, device=device,
                       threads=threads, precision="fp32", seed=seed, samples=0)


def default_series_run_name(spec: SeriesDataSpec, cell: str) -> str:
    return run_name(spec.csv, cell, fallback="series")


class SeriesKind(TaskKind):
    """How a series run differs (:mod:`nlp.tasks.session` does the rest)."""

    name, what, spec_type = "series", "a series forecaster", SeriesDataSpec
    missing = ("the series of run {run!r} is no longer at {path}; put it back there to "
               "continue training")

    def prepare(self, spec: SeriesDataSpec, tokenizers: Scaler | None = None) -> SeriesData:
        return prepare_series(spec, tokenizers)  # a resumed run keeps its scaling

    def build(self, model: dict, data: SeriesData) -> SeriesRegressor:
        return SeriesRegressor(RegressorConfig.from_dict({**model, "inputs": 2}))

    def task(self, model: SeriesRegressor, data: SeriesData, spec) -> SeriesTask:
        return SeriesTask(model, data)

    def load_last(self, run: Run):
        model, scaler, _, info = _load(run, "last")
        return model, scaler, info

    def settle(self, spec: SeriesDataSpec, train: TrainConfig, data: SeriesData,
               task: SeriesTask) -> tuple[SeriesDataSpec, TrainConfig]:
        """The column read (for reloading) and one evaluation per epoch."""
        spec = dataclasses.replace(spec, column=data.series.column)
        return spec, dataclasses.replace(
            train, eval_every=max(1, math.ceil(len(task.y_train) / train.batch_size)))

    def record(self, data: SeriesData) -> dict:
        return {"series": data.summary()}

    def notes(self, data: SeriesData) -> list[str]:
        return [*data.series.notes, f"season: {data.season.describe()}"]


SERIES = SeriesKind()


def new_series_training(workspace: Workspace, name: str, spec: SeriesDataSpec, model: dict,
                        train: TrainConfig, listeners=()) -> tuple[Trainer, Run]:
    """Read the series, build the regressor (``model``: :class:`RegressorConfig`
    fields but ``inputs``) and create the run folder. The validation part is
    scored once per epoch (``train.eval_every`` is set from the data)."""
    return new_training(SERIES, workspace, name, spec, model, train, listeners)


def resume_series_training(workspace: Workspace, ref: str, extra_minutes: float | None = None,
                           listeners=()) -> tuple[Trainer, Run]:
    """Continue a series run from its last checkpoint, with the scaling it was trained with."""
    return resume_training(SERIES, workspace, ref, extra_minutes, listeners)


def _load(run: Run, which: str) -> tuple[SeriesRegressor, Scaler, int, dict]:
    """A run's regressor (on the CPU), the scaling and window it was trained with, and the
    checkpoint's info."""
    model, ckpt = load_model(run, which, "series", "a series forecaster",
                             lambda cfg: SeriesRegressor(RegressorConfig.from_dict(cfg)))
    try:
        scaling = json.loads(ckpt.tokenizers[SCALING])
        scaler = Scaler(float(scaling["mean"]), float(scaling["std"]))
        window = int(scaling["window"])
    except (KeyError, ValueError, TypeError) as exc:
        raise CheckpointError(f"the checkpoint of run {run.name!r} has no usable scaling "
                              f"({exc}); train the run again") from exc
    return model, scaler, window, ckpt.info


def load_series(run: Run, which: str = "best") -> tuple[SeriesRegressor, SeriesData]:
    """A run's regressor (on the CPU) and its series, read again and scaled as in training."""
    model, scaler, window, _ = _load(run, which)
    spec = dataclasses.replace(SeriesDataSpec.from_dict(run.read_config()["data"]),
                               window=window)
    if not Path(spec.csv).exists():
        raise CorpusError(f"the series of run {run.name!r} is no longer at {spec.csv}; put "
                          "it back there to forecast with this run")
    return model, prepare_series(spec, scaler)


def forecast_run(workspace: Workspace, ref: str, which: str = "best") -> SeriesReport:
    """The report of a saved series run (its best checkpoint by default)."""
    run = workspace.resolve(ref)
    if run.read_config().get("task") != "series":
        raise ConfigError(f"run {run.name!r} is not a series forecaster")
    model, data = load_series(run, which)
    return forecast_report(model, data)
