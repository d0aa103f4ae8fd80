"""Forecasting a numeric series with a stacked LSTM/GRU: the task, training, forecasts.

A series run is an ordinary run: :class:`SeriesTask` is what the
:class:`~nlp.training.trainer.Trainer` drives (teacher-forced windows, mean squared
error, Adam: AdamW with no weight decay), so it gets a run folder, checkpoints,
live curves, a time budget, stop requests and NaN rollback, and lists in the
Runs browser with task ``series``. The scaling fitted on the training part
travels in each checkpoint where a language model keeps its tokenizer (as
JSON bytes under ``scaling``), so a checkpoint forecasts alone.

After training, :func:`forecast_report` forecasts the held-out test part
twice: recursively from its start (each prediction fed back as the next
input) and one step ahead (each prediction from the true values before it),
and scores both against the naive (last value) and seasonal-naive forecasts
in the series' own units. The data side (CSV, split, scaling, windows,
baselines, metrics) is :mod:`nlp.tasks.series.data`.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.regressor import RegressorConfig, SeriesRegressor
from nlp.errors import ConfigError
from nlp.tasks.series.data import (
    Scaler,
    Series,
    SeriesDataSpec,
    Split,
    detect_season,
    mae,
    make_windows,
    mse,
    naive_forecast,
    naive_one_step,
    read_series,
    seasonal_naive_forecast,
    seasonal_one_step,
    split_series,
)
from nlp.training.config import TrainConfig

log = logging.getLogger(__name__)

SCALING = "scaling"  # the checkpoint's "tokenizer" entry holding the scaling
BASELINES = ("naive", "seasonal_naive")


@dataclass(frozen=True)
class Season:
    """The season length the seasonal-naive forecast uses, and where it came from."""

    length: int | None
    how: str  # "given", "detected" or "none"
    strength: float | None = None  # autocorrelation at that lag (detected)

    def describe(self) -> str:
        if self.how == "given":
            return f"{self.length} (given)"
        if self.length is None:
            return "none found in the training part (no autocorrelation peak of 0.3 or more)"
        return (f"{self.length} (detected: autocorrelation {self.strength:.2f} at lag "
                f"{self.length} of the training part)")


def choose_season(train: np.ndarray, given: int | None) -> Season:
    if given is None:
        length, strength = detect_season(train)
        return Season(length, "detected" if length else "none", strength)
    if given > len(train):
        raise ConfigError(f"a season of {given} is longer than the training part "
                          f"({len(train)} values); give a shorter --season")
    return Season(given, "given")


@dataclass
class SeriesData:
    """A series read, split, scaled, with its season."""

    spec: SeriesDataSpec
    series: Series
    split: Split
    scaler: Scaler
    season: Season

    def __post_init__(self) -> None:
        self.scaled = self.scaler.transform(self.values)

    @property
    def values(self) -> np.ndarray:
        return self.series.values

    def targets(self, part: str) -> np.ndarray:
        """Positions predicted in ``part``: train (from 1: the first point has no
        history), val or test."""
        s = self.split
        start, end = {"train": (1, s.train_end), "val": (s.train_end, s.val_end),
                      "test": (s.val_end, s.n)}[part]
        return np.arange(start, end)

    def summary(self) -> dict:
        train, val, test = self.split.sizes
        return {"column": self.series.column, "length": self.split.n, "train": train,
                "validation": val, "test": test, "season": self.season.length,
                "season_how": self.season.how, "notes": list(self.series.notes)}


def prepare_series(spec: SeriesDataSpec, scaler: Scaler | None = None) -> SeriesData:
    """Read and split the series; fit the scaling on the training part unless given."""
    series = read_series(spec.csv, spec.column, spec.missing, spec.encoding)
    split = split_series(len(series.values), spec.window, spec.horizon)
    train = series.values[:split.train_end]
    season = choose_season(train, spec.season)
    return SeriesData(spec, series, split, scaler or Scaler.fit(train), season)


# -- the trainer's task ---------------------------------------------------------------

@torch.no_grad()
def predict(model: nn.Module, windows: np.ndarray, device: torch.device | None = None,
            batch: int = 4096) -> np.ndarray:
    """The model's next value (scaled) for each window (n, W, 2)."""
    device = device or next(model.parameters()).device
    out = [model(torch.from_numpy(windows[i:i + batch]).to(device)).float().cpu()
           for i in range(0, len(windows), batch)]
    return torch.cat(out).numpy().astype(np.float64) if out else np.zeros(0)


@torch.no_grad()
def recursive_forecast(model: nn.Module, history: np.ndarray, window: int,
                       steps: int) -> np.ndarray:
    """``steps`` values after ``history`` (scaled), each prediction fed back as input."""
    n = len(history)
    values = np.concatenate([np.asarray(history, dtype=np.float64), np.zeros(steps)])
    for h in range(steps):
        values[n + h] = predict(model, make_windows(values[:n + h], [n + h], window))[0]
    return values[n:]


class SeriesTask:
    """The :class:`~nlp.training.trainer.Task` for a regressor on a series: shuffled
    training windows, mean squared error in scaled units."""

    kind = "series"
    score_key = "val_loss"
    higher_is_better = False

    def __init__(self, model: SeriesRegressor, data: SeriesData):
        self.model, self.data = model, data
        window = data.spec.window
        train, val = data.targets("train"), data.targets("val")
        self.x_train = torch.from_numpy(make_windows(data.scaled, train, window))  # (N, W, 2)
        self.y_train = torch.from_numpy(data.scaled[train].astype(np.float32))     # (N,)
        self.x_val = make_windows(data.scaled, val, window)
        self.device = torch.device("cpu")
        self.rows = np.arange(len(train))  # this rank's training windows
        self.batch_size, self.seed = 32, 0
        self.epoch, self.position = 0, 0  # shuffling pass, and batches taken from it

    def model_config(self) -> dict:
        return self.model.cfg.to_dict()

    def tokenizers(self) -> dict[str, bytes]:
        scaler = self.data.scaler
        return {SCALING: json.dumps({"mean": scaler.mean, "std": scaler.std,
                                     "window": self.data.spec.window}).encode()}

    def setup(self, device, cfg: TrainConfig, rank: int, world: int) -> None:
        self.device, self.batch_size, self.seed = device, cfg.batch_size, cfg.seed
        self.rows = np.arange(len(self.y_train))[rank::world]
        self.x_train, self.y_train = self.x_train.to(device), self.y_train.to(device)

    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(len(self.rows) / self.batch_size))

    def train_batches(self):
        if self.position >= self.steps_per_epoch():  # the last pass is done: a new order
            self.epoch, self.position = self.epoch + 1, 0
        order = np.random.default_rng([self.seed, self.epoch]).permutation(self.rows)
        while self.position < self.steps_per_epoch():
            rows = order[self.position * self.batch_size:(self.position + 1) * self.batch_size]
            self.position += 1
            index = torch.from_numpy(rows).to(self.device)
            yield self.x_train[index], self.y_train[index]

    def loss(self, model: nn.Module, batch) -> tuple[torch.Tensor, int]:
        x, y = batch                                        # (B, W, 2), (B,)
        return F.mse_loss(model(x).float(), y), len(y)

    def evaluate(self, model: nn.Module, should_stop) -> dict:
        """One-step-ahead errors on the validation part (scaled, then in the
        series' units) and the error of a recursive forecast across it."""
        data, spec = self.data, self.data.spec
        val = data.targets("val")
        predicted = predict(model, self.x_val, self.device)
        if should_stop():
            return {}
        truth = data.values[val]
        steps = min(spec.horizon, len(val))
        forecast = recursive_forecast(model, data.scaled[:val[0]], spec.window, steps)
        return {"val_loss": mse(predicted, data.scaled[val]),
                "val_mse": mse(data.scaler.inverse(predicted), truth),
                "val_mae": mae(data.scaler.inverse(predicted), truth),
                "val_forecast_mse": mse(data.scaler.inverse(forecast), truth[:steps])}

    def samples(self, model: nn.Module, count: int) -> list[str]:
        return []  # a series has no sample texts: its forecast is drawn after training

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.position = int(state["epoch"]), int(state["position"])


# -- the forecast and its report ------------------------------------------------------

def model_label(cfg: RegressorConfig) -> str:
    """``LSTM 50/50``: the cell and its layer sizes."""
    return f"{cfg.cell.upper()} {'/'.join(str(h) for h in cfg.hidden)}"


def plot_points(window: int, horizon: int) -> int:
    """How much history the report keeps for plotting before the test part."""
    return max(4 * horizon, 3 * window)


def verdict(label: str, metrics: dict) -> str:
    """``the GRU beats both baselines: MSE 0.41 vs 2.3 naive, 0.87 seasonal-naive``."""
    ours = metrics["model"]["forecast"]["mse"]
    rivals = [(name.replace("_", "-"), metrics[name]["forecast"]["mse"])
              for name in BASELINES if name in metrics]
    beaten = [name for name, value in rivals if ours < value]
    numbers = ", ".join(f"{value:.3g} {name}" for name, value in rivals)
    if len(beaten) == len(rivals):
        head = "beats both baselines" if len(rivals) > 1 else "beats the naive baseline"
    elif beaten:
        lost = next(name for name, _ in rivals if name not in beaten)
        head = f"beats the {beaten[0]} baseline but not the {lost} one"
    else:
        head = ("does not beat the baselines" if len(rivals) > 1
                else "does not beat the naive baseline")
    return f"the {label} {head}: MSE {ours:.3g} vs {numbers}"


@dataclass(frozen=True)
class SeriesReport:
    """The held-out forecasts and their errors, ready for a table, a plot or JSON."""

    label: str
    data: dict  # csv, column, sizes, window, horizon, season
    metrics: dict  # name -> {"forecast": {mse, mae}, "one_step": {mse, mae}}
    forecasts: dict  # name -> list (multi-step), plus "model_one_step"
    truth: list
    history: list  # the last values before the test part
    history_start: int  # position of history[0] in the series
    notes: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return verdict(self.label, self.metrics)

    def beats(self) -> dict[str, bool]:
        ours = self.metrics["model"]["forecast"]["mse"]
        return {name: ours < self.metrics[name]["forecast"]["mse"]
                for name in BASELINES if name in self.metrics}

    def to_dict(self) -> dict:
        return {"model": self.label, "data": self.data, "metrics": self.metrics,
                "verdict": self.verdict, "beats": self.beats(), "forecasts": self.forecasts,
                "truth": self.truth, "history": self.history,
                "history_start": self.history_start, "notes": list(self.notes)}


def _errors(prediction: np.ndarray, truth: np.ndarray) -> dict:
    return {"mse": mse(prediction, truth), "mae": mae(prediction, truth)}


def forecast_report(model: SeriesRegressor, data: SeriesData) -> SeriesReport:
    """Forecast the test part (recursively and one step ahead) with the model
    and the baselines, and score them in the series' units."""
    model.eval()
    spec, split, values = data.spec, data.split, data.values
    test = data.targets("test")
    truth, history = values[test], values[:split.val_end]
    scaled_forecast = recursive_forecast(model, data.scaled[:split.val_end], spec.window,
                                         spec.horizon)
    forecasts = {"model": data.scaler.inverse(scaled_forecast),
                 "naive": naive_forecast(history, spec.horizon)}
    one_step = {"model": data.scaler.inverse(
                    predict(model, make_windows(data.scaled, test, spec.window))),
                "naive": naive_one_step(values, test)}
    season = data.season.length
    if season:
        forecasts["seasonal_naive"] = seasonal_naive_forecast(history, spec.horizon, season)
        one_step["seasonal_naive"] = seasonal_one_step(values, test, season)
    metrics = {name: {"forecast": _errors(forecasts[name], truth),
                      "one_step": _errors(one_step[name], truth)} for name in forecasts}
    train, val, test_size = split.sizes
    start = max(0, split.val_end - plot_points(spec.window, spec.horizon))
    summary = {"csv": spec.csv, "column": data.series.column, "length": split.n,
               "train": train, "validation": val, "test": test_size, "window": spec.window,
               "horizon": spec.horizon, "season": season, "season_how": data.season.how,
               "season_text": data.season.describe(), "validation_start": split.train_end}
    lists = {name: f.tolist() for name, f in forecasts.items()}
    lists["model_one_step"] = one_step["model"].tolist()
    return SeriesReport(model_label(model.cfg), summary, metrics, lists, truth.tolist(),
                        history[start:].tolist(), start, data.series.notes)
